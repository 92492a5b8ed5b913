package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// testRedactionKey keys the pseudonyms of every redacted report in the
// tests, so that they are the same on every run and machine.
const testRedactionKey = "tattle test key"

func testIO() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{
		In: strings.NewReader(""), Out: out, ErrOut: errOut,
		Now: func() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC) },
		Getenv: func(k string) string {
			if k == redactionKeyEnv {
				return testRedactionKey
			}
			return ""
		},
	}, out, errOut
}

func TestScanFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantErr  string
		wantCode ExitCode
		check    func(t *testing.T, o *ScanOptions)
	}{
		{name: "no input", args: []string{}, wantErr: "give at least one capture", wantCode: ExitUsage},
		{name: "demo with files", args: []string{"--demo", "a.pcap"}, wantErr: "--demo takes no capture", wantCode: ExitUsage},
		{name: "unknown flag", args: []string{"--bogus", "a.pcap"}, wantErr: "unknown flag", wantCode: ExitUsage},
		{name: "files and format", args: []string{"-f", "json", "-o", "out.json", "a.pcap", "dir/"},
			check: func(t *testing.T, o *ScanOptions) {
				if o.Format != "json" || o.Output != "out.json" || len(o.Paths) != 2 || o.Paths[1] != "dir/" {
					t.Errorf("options = %+v", o)
				}
			}},
		{name: "demo", args: []string{"--demo", "--show-personal-data"},
			check: func(t *testing.T, o *ScanOptions) {
				if !o.Demo || !o.ShowPersonal {
					t.Errorf("options = %+v", o)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, _, _ := testIO()
			var got *ScanOptions
			cmd := newScanCmd(io, func(o *ScanOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if exitCode(err) != tc.wantCode {
					t.Errorf("code = %d, want %d", exitCode(err), tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func TestMainExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want ExitCode
		err  string
	}{
		{name: "version", args: []string{"--version"}, want: ExitOK},
		{name: "unknown command", args: []string{"frobnicate"}, want: ExitUsage, err: "unknown command"},
		{name: "missing file", args: []string{"scan", "/nonexistent/x.pcap"}, want: ExitInput, err: "no such file"},
		{name: "demo json", args: []string{"scan", "--demo", "--format", "json"}, want: ExitOK},
		{name: "no command", args: []string{}, want: ExitOK},
		{name: "misspelt command", args: []string{"scna"}, want: ExitUsage, err: "Did you mean this?\n\tscan"},
		{name: "unknown subcommand argument", args: []string{"version", "x"}, want: ExitUsage, err: `unknown command "x"`},
		{name: "completion argument", args: []string{"completion", "bash", "x"}, want: ExitUsage, err: "unknown command"},
		{name: "unknown flag", args: []string{"report", "--bogus", "a.json"}, want: ExitUsage, err: "unknown flag: --bogus"},
		{name: "unknown shorthand", args: []string{"diff", "-Z", "a.json", "b.json"}, want: ExitUsage, err: "unknown shorthand"},
		{name: "flag without value", args: []string{"scan", "--demo", "--format"}, want: ExitUsage, err: "flag needs an argument"},
		{name: "bad flag value", args: []string{"scan", "--demo", "--jobs", "many"}, want: ExitUsage, err: "invalid argument"},
		{name: "too few args", args: []string{"report"}, want: ExitUsage, err: "accepts 1 arg(s), received 0"},
		{name: "too many args", args: []string{"diff", "a", "b", "c"}, want: ExitUsage, err: "accepts 2 arg(s), received 3"},
		{name: "no args", args: []string{"merge"}, want: ExitUsage, err: "requires at least 1 arg(s)"},
		{name: "policy subcommand args", args: []string{"policy", "diff", "a"}, want: ExitUsage, err: "accepts 2 arg(s)"},
		{name: "fail-on", args: []string{"scan", "--demo", "--fail-on", "low"}, want: ExitFindings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, _, errOut := testIO()
			if got := Main(tc.args, io); got != tc.want {
				t.Errorf("exit = %d, want %d (stderr %q)", got, tc.want, errOut.String())
			}
			if tc.err != "" && !strings.Contains(errOut.String(), tc.err) {
				t.Errorf("stderr = %q, want %q", errOut.String(), tc.err)
			}
			if tc.want == ExitFindings && errOut.Len() > 0 {
				t.Errorf("findings: stderr %q, want nothing (the report says it)", errOut.String())
			}
		})
	}
}

// TestExitCodeClasses: the classes a command gives errors, and what
// capture says of its input, map to their codes; the outer class wins
// over what capture says of the input it wraps.
func TestExitCodeClasses(t *testing.T) {
	damaged := &capture.ReadError{File: "a.pcap", Offset: 24, Err: capture.ErrTruncated}
	notCapture := &capture.ReadError{File: "a.txt", Err: capture.ErrFormat}
	for _, tc := range []struct {
		err      error
		want     ExitCode
		reported bool
	}{
		{nil, ExitOK, false},
		{errors.New("boom"), ExitInternal, false},
		{findings, ExitFindings, true},
		{findingsError(errors.New("lint: 2 files")), ExitFindings, false},
		{usageErrorf("--x: bad"), ExitUsage, false},
		{fmt.Errorf("scan: %w", usageErrorf("--x: bad")), ExitUsage, false},
		{noInputError(nil), ExitInput, true},
		{noInputError(damaged), ExitInput, false},
		{notCapture, ExitInput, false},
		{damaged, ExitPartial, false},
		{partialError(fmt.Errorf("warning: %w", notCapture)), ExitPartial, false},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
		if got := reported(tc.err); got != tc.reported {
			t.Errorf("reported(%v) = %v, want %v", tc.err, got, tc.reported)
		}
	}
	if msg := usageErrorf("--x: bad").Error(); msg != "--x: bad" {
		t.Errorf("a class changed the message: %q", msg)
	}
}

func TestSanitizeTerminal(t *testing.T) {
	got := sanitizeTerminal("a\x1b[31mb\x07c\u202ed\n")
	if strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Fatalf("control characters survived: %q", got)
	}
	if !strings.Contains(got, `\u001b[31m`) || !strings.HasSuffix(got, "\n") {
		t.Errorf("got %q", got)
	}
}

// TestEveryCommandHasAnExample walks the command tree: every command a
// user can run shows an example in its help.
func TestEveryCommandHasAnExample(t *testing.T) {
	io, _, _ := testIO()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			if sub.Runnable() && strings.TrimSpace(sub.Example) == "" {
				t.Errorf("%q has no example in its help", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(newRootCmd(io))
}

// TestCaptureHasScanAnalysisFlags: live capture takes every analysis flag
// scan takes (known values, rules, knowledge, lists, ASN database,
// policies, --iot-only, --no-inspect) and the same report flags.
func TestCaptureHasScanAnalysisFlags(t *testing.T) {
	io, _, _ := testIO()
	scan, capture := newScanCmd(io, nil), newCaptureCmd(io)
	scan.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "demo" || f.Name == "jobs" { // --jobs splits files; a live capture is one stream
			return
		}
		if capture.Flags().Lookup(f.Name) == nil {
			t.Errorf("scan has --%s, capture does not", f.Name)
		}
	})
}

func TestVersionNamesKnowledgeDate(t *testing.T) {
	code, out, _ := tattle(t, nil, "version")
	if code != ExitOK || !strings.Contains(out, "knowledge base   20") || !strings.Contains(out, "tattle "+version) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestDevicesFormats(t *testing.T) {
	code, out, _ := tattle(t, nil, "devices", "--demo", "-f", "json")
	var r result.Result
	if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil || len(r.Devices) != 5 {
		t.Fatalf("devices -f json: exit %d, %v:\n%.300s", code, err, out)
	}
	for _, d := range r.Devices {
		if len(d.Findings) > 0 || len(d.Destinations) > 0 || d.Identity.Vendor.Value == "" {
			t.Errorf("devices -f json: device %s has findings or destinations, or no vendor", d.ID)
		}
	}
	code, out, _ = tattle(t, nil, "devices", "--demo", "--json")
	if code != ExitOK || !strings.HasPrefix(out, "{") {
		t.Errorf("devices --json (alias): exit %d:\n%.300s", code, out)
	}
	if code, _, errOut := tattle(t, nil, "devices", "--demo", "-f", "sarif"); code != ExitUsage || !strings.Contains(errOut, "terminal, json, ndjson") {
		t.Errorf("devices -f sarif: exit %d, %q", code, errOut)
	}
}
