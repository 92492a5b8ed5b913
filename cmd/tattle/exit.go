package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/capture"
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

// The classes of error a command returns; exitCode maps each to its exit
// code. A command gives an error its class where it knows it (usageError,
// noInputError, ...); cobra's own argument and flag errors are made usage
// errors where cobra makes them (usageArgs, the root's flag error func).
var (
	errFindings = errors.New("findings at or above the threshold")
	errUsage    = errors.New("usage error")
	errNoInput  = errors.New("no input could be read")
	errPartial  = errors.New("some input was damaged")
)

// classError gives err a class without changing its message. With err
// nil the failure was reported already (the report shows the findings):
// the command exits with the class's code and prints nothing.
type classError struct{ class, err error }

func (e *classError) Error() string {
	if e.err == nil {
		return e.class.Error()
	}
	return e.err.Error()
}

func (e *classError) Unwrap() []error {
	if e.err == nil {
		return []error{e.class}
	}
	return []error{e.class, e.err}
}

// usageError marks a usage mistake (exit 2).
func usageError(err error) error { return &classError{errUsage, err} }

// usageErrorf reports a usage mistake (exit 2).
func usageErrorf(format string, args ...any) error { return usageError(fmt.Errorf(format, args...)) }

// noInputError marks a run that read no input (exit 3); err may be nil.
func noInputError(err error) error { return &classError{errNoInput, err} }

// partialError marks a run whose input was in part damaged (exit 4).
func partialError(err error) error { return &classError{errPartial, err} }

// findingsError marks a check that failed on what it found (exit 1);
// findings (nil) is one whose report said it all.
func findingsError(err error) error { return &classError{errFindings, err} }

// findings is the error of a run whose report shows findings at or above
// the threshold (exit 1, nothing more printed).
var findings = findingsError(nil)

// usageArgs makes an argument validator's errors usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError(err)
		}
		return nil
	}
}

// exitCode maps an error returned by a command to the exit code: the
// class a command gave it first, else what capture says of the input.
func exitCode(err error) ExitCode {
	var re *capture.ReadError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.Is(err, errUsage):
		return ExitUsage
	case errors.Is(err, errNoInput):
		return ExitInput
	case errors.Is(err, errPartial):
		return ExitPartial
	case errors.Is(err, capture.ErrFormat):
		return ExitInput
	case errors.Is(err, capture.ErrTruncated), errors.As(err, &re):
		return ExitPartial
	}
	return ExitInternal
}

// reported reports whether err's message was shown already (see
// classError).
func reported(err error) bool {
	var ce *classError
	return errors.As(err, &ce) && ce.err == nil
}
