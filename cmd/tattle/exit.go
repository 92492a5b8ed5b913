package main

import (
	"errors"
	"fmt"
)

// ExitCode is the process exit status. The values are part of tattle's
// interface for CI: see README.md "Exit codes".
type ExitCode int

const (
	ExitOK       ExitCode = 0 // scan done, nothing at or above --fail-on
	ExitFindings ExitCode = 1 // findings at or above --fail-on (or new ones against --baseline)
	ExitUsage    ExitCode = 2 // bad flags or arguments
	ExitInput    ExitCode = 3 // no input could be read
	ExitPartial  ExitCode = 4 // some input was damaged: results cover what could be read
	ExitInternal ExitCode = 5 // a bug or an unexpected failure
)

// exitError attaches an exit code to an error.
type exitError struct {
	code ExitCode
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func withCode(code ExitCode, err error) error { return &exitError{code: code, err: err} }

// usageErrorf reports a usage mistake (exit 2).
func usageErrorf(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

// codeOf maps an error returned by a command to the exit code.
func codeOf(err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitInternal
}
