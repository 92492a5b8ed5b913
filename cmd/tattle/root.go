package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const exitCodesHelp = `Exit codes:
  0  scan completed; nothing at or above --fail-on
  1  findings at or above --fail-on (with --baseline: new ones only)
  2  usage error (bad flag or argument)
  3  no input could be read
  4  partial: some input was damaged or truncated; results cover what was read
  5  internal error`

// Main runs tattle with args and returns the exit code. It is the only
// place that prints errors.
func Main(args []string, io *IOStreams) ExitCode {
	root := newRootCmd(io)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if !reported(err) {
		fmt.Fprintf(io.ErrOut, "tattle: %s\n", sanitizeTerminal(err.Error()))
	}
	return code
}

func newRootCmd(io *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "tattle",
		Short: "Who is your device telling? A privacy auditor for connected devices",
		Long: `tattle reads the traffic of a home network (pcap/pcapng files or a live
interface), works out which device is which, sees whom each one talks to and
what it sends, and holds that against what the vendor's privacy policy says.

It makes no network connection of its own.

` + exitCodesHelp,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Without a command, the help; with one tattle has not, the
		// usage error cobra gives (its legacyArgs), made a usage error.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
			}
			return usageError(errors.New(msg))
		},
		RunE:                       func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		SuggestionsMinimumDistance: 2, // cobra's default
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	// Every flag error (unknown flag, bad value, missing argument) is a
	// usage error; subcommands inherit the function.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(err)
	})
	root.AddCommand(newScanCmd(io, nil), newDevicesCmd(io, nil), newReportCmd(io, nil), newDiffCmd(io, nil), newMergeCmd(io, nil), newPolicyCmd(io), newCaptureCmd(io), newVersionCmd(io, nil))
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = `  source <(tattle completion bash)
  tattle completion zsh > "${fpath[1]}/_tattle"
  tattle completion fish > ~/.config/fish/completions/tattle.fish`
			for _, sh := range c.Commands() {
				sh.Example = "  tattle completion " + sh.Name() + " --help   # how to install it"
				if sh.Args != nil {
					sh.Args = usageArgs(sh.Args) // cobra's own validator
				}
			}
		}
	}
	return root
}

// sanitizeTerminal makes a string safe to print on a terminal: control
// characters (ESC, BEL, C1 codes, bidi overrides) become visible escapes.
func sanitizeTerminal(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
