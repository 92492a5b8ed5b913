package main

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
)

// IOStreams carries the process's streams and what the commands need to
// know about them, so tests can run commands without a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY and ErrTTY say whether the streams are terminals.
	OutTTY bool
	ErrTTY bool
	// NoColor is set by NO_COLOR or TERM=dumb.
	NoColor bool
	// Width of the terminal in columns (0 when unknown).
	Width int
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	// ConfigDir is the user's configuration directory (os.UserConfigDir),
	// where the redaction key is kept; nil in tests.
	ConfigDir func() (string, error)
}

// SystemIO returns the process's real streams.
func SystemIO() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		OutTTY:    isatty.IsTerminal(os.Stdout.Fd()),
		ErrTTY:    isatty.IsTerminal(os.Stderr.Fd()),
		Now:       time.Now,
		Getenv:    os.Getenv,
		ConfigDir: os.UserConfigDir,
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok || os.Getenv("TERM") == "dumb" {
		s.NoColor = true
	}
	s.Width = terminalWidth()
	return s
}

// ColorEnabled says whether stdout output may use colour.
func (s *IOStreams) ColorEnabled() bool { return s.OutTTY && !s.NoColor }
