package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// flagCase is one command line of a command's flag test: the options it
// parses to (check), or the usage error it gives (wantErr, exit 2).
type flagCase[O any] struct {
	name    string
	args    []string
	wantErr string
	check   func(t *testing.T, o *O)
}

// testFlags parses each case's command line with the command newCmd makes,
// its run function replaced by one that keeps the options.
func testFlags[O any](t *testing.T, newCmd func(*IOStreams, func(*O) error) *cobra.Command, cases []flagCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			io, _, _ := testIO()
			var got *O
			// Under tattle's root, for its flag error func, in place of
			// the command of the same name.
			root := newRootCmd(io)
			cmd := newCmd(io, func(o *O) error { got = o; return nil })
			for _, c := range root.Commands() {
				if c.Name() == cmd.Name() {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(cmd)
			root.SetArgs(append([]string{cmd.Name()}, tc.args...))
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})
			err := root.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if exitCode(err) != ExitUsage {
					t.Errorf("exit %d, want %d", exitCode(err), ExitUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("the run function was not called")
			}
			tc.check(t, got)
		})
	}
}

func TestDevicesFlags(t *testing.T) {
	testFlags(t, newDevicesCmd, []flagCase[DevicesOptions]{
		{name: "no input", args: []string{}, wantErr: "give at least one capture, or --demo"},
		{name: "scan's formats", args: []string{"--demo", "-f", "sarif"}, wantErr: `unknown format "sarif"`},
		{name: "unknown flag", args: []string{"--fail-on", "high", "a.pcap"}, wantErr: "unknown flag: --fail-on"},
		{name: "json alias", args: []string{"--json", "--show-personal-data", "a.pcap", "b.pcap"},
			check: func(t *testing.T, o *DevicesOptions) {
				if o.Format != "json" || !o.Scan.ShowPersonal || len(o.Scan.Paths) != 2 || o.Scan.Paths[1] != "b.pcap" {
					t.Errorf("options = %+v", o)
				}
			}},
		{name: "defaults", args: []string{"--demo", "--rules", "r.yaml", "--redaction-key", "k"},
			check: func(t *testing.T, o *DevicesOptions) {
				if o.Format != "terminal" || !o.Scan.Demo || o.Scan.ShowPersonal || len(o.Scan.Rules) != 1 || o.Scan.RedactionKey != "k" {
					t.Errorf("options = %+v", o)
				}
			}},
	})
}

func TestReportFlags(t *testing.T) {
	testFlags(t, newReportCmd, []flagCase[ReportOptions]{
		{name: "no result", args: []string{}, wantErr: "accepts 1 arg(s), received 0"},
		{name: "two results", args: []string{"a.json", "b.json"}, wantErr: "accepts 1 arg(s), received 2"},
		{name: "unknown format", args: []string{"-f", "pdf", "a.json"}, wantErr: "pdf"},
		{name: "unknown severity", args: []string{"--fail-on", "dire", "a.json"}, wantErr: `unknown severity "dire"`},
		{name: "format and output", args: []string{"a.json", "-f", "html", "-o", "r.html", "--fail-on", "high"},
			check: func(t *testing.T, o *ReportOptions) {
				if o.Result != "a.json" || o.Format != "html" || o.Output != "r.html" || o.FailOn != "high" {
					t.Errorf("options = %+v", o)
				}
			}},
	})
}

func TestDiffFlags(t *testing.T) {
	testFlags(t, newDiffCmd, []flagCase[DiffOptions]{
		{name: "one result", args: []string{"a.json"}, wantErr: "accepts 2 arg(s), received 1"},
		{name: "unknown shorthand", args: []string{"-x", "a.json", "b.json"}, wantErr: "unknown shorthand flag: 'x'"},
		{name: "defaults", args: []string{"old.json", "new.json"},
			check: func(t *testing.T, o *DiffOptions) {
				if o.Old != "old.json" || o.New != "new.json" || o.Format != "summary" || o.RedactionKey != "" {
					t.Errorf("options = %+v", o)
				}
			}},
		{name: "format and key", args: []string{"-f", "markdown", "--redaction-key", "k", "old.json", "new.json"},
			check: func(t *testing.T, o *DiffOptions) {
				if o.Format != "markdown" || o.RedactionKey != "k" {
					t.Errorf("options = %+v", o)
				}
			}},
	})
}

func TestMergeFlags(t *testing.T) {
	testFlags(t, newMergeCmd, []flagCase[MergeOptions]{
		{name: "no result", args: []string{}, wantErr: "requires at least 1 arg(s), only received 0"},
		{name: "flag without value", args: []string{"a.json", "--policy"}, wantErr: "flag needs an argument: --policy"},
		{name: "repeatable", args: []string{"a.json", "b.json", "--policy", "p1", "--policy", "p2", "--list", "l=ads", "--rules", "r", "--knowledge", "k", "-f", "json"},
			check: func(t *testing.T, o *MergeOptions) {
				if len(o.Results) != 2 || len(o.Policies) != 2 || o.Lists[0] != "l=ads" || o.Rules[0] != "r" || o.Knowledge[0] != "k" || o.Format != "json" {
					t.Errorf("options = %+v", o)
				}
			}},
	})
}

func TestVersionFlags(t *testing.T) {
	testFlags(t, newVersionCmd, []flagCase[VersionOptions]{
		{name: "argument", args: []string{"x"}, wantErr: `unknown command "x" for "tattle version"`},
		{name: "flag", args: []string{"--json"}, wantErr: "unknown flag: --json"},
		{name: "none", args: []string{}, check: func(t *testing.T, o *VersionOptions) {
			if o.IO == nil {
				t.Error("no streams")
			}
		}},
	})
}

func TestPolicyLintFlags(t *testing.T) {
	testFlags(t, newPolicyLintCmd, []flagCase[PolicyLintOptions]{
		{name: "no file", args: []string{}, wantErr: "requires at least 1 arg(s)"},
		{name: "files", args: []string{"a.yaml", "dir/"}, check: func(t *testing.T, o *PolicyLintOptions) {
			if len(o.Files) != 2 || o.Files[1] != "dir/" {
				t.Errorf("options = %+v", o)
			}
		}},
	})
}

func TestPolicyInitFlags(t *testing.T) {
	testFlags(t, newPolicyInitCmd, []flagCase[PolicyInitOptions]{
		{name: "no capture", args: []string{"--device", "8c:79:f5:a1:b2:c3"}, wantErr: "give a capture (or --demo)"},
		{name: "no device", args: []string{"a.pcap"}, wantErr: "--device MAC is required"},
		{name: "device", args: []string{"a.pcap", "--device", "8C:79:F5:A1:B2:C3"}, check: func(t *testing.T, o *PolicyInitOptions) {
			if o.Device != "8C:79:F5:A1:B2:C3" || len(o.Scan.Paths) != 1 || o.Scan.Demo {
				t.Errorf("options = %+v", o)
			}
		}},
		{name: "demo", args: []string{"--demo", "--device", "ip:10.0.0.2"}, check: func(t *testing.T, o *PolicyInitOptions) {
			if !o.Scan.Demo || o.Device != "ip:10.0.0.2" {
				t.Errorf("options = %+v", o)
			}
		}},
	})
}

func TestPolicyExtractFlags(t *testing.T) {
	testFlags(t, newPolicyExtractCmd, []flagCase[PolicyExtractOptions]{
		{name: "no policy", args: []string{"-o", "x.yaml"}, wantErr: "requires at least 1 arg(s)"},
		{name: "output and vendor", args: []string{"p.html", "-o", "v.yaml", "--vendor", "Acme"}, check: func(t *testing.T, o *PolicyExtractOptions) {
			if len(o.Files) != 1 || o.Output != "v.yaml" || o.Vendor != "Acme" {
				t.Errorf("options = %+v", o)
			}
		}},
	})
}

func TestPolicyExplainFlags(t *testing.T) {
	testFlags(t, newPolicyExplainCmd, []flagCase[PolicyExplainOptions]{
		{name: "two policies", args: []string{"a.html", "b.html"}, wantErr: "accepts 1 arg(s), received 2"},
		{name: "vendor", args: []string{"--vendor", "Acme", "a.html"}, check: func(t *testing.T, o *PolicyExplainOptions) {
			if o.File != "a.html" || o.Vendor != "Acme" {
				t.Errorf("options = %+v", o)
			}
		}},
	})
}

func TestPolicyDiffFlags(t *testing.T) {
	testFlags(t, newPolicyDiffCmd, []flagCase[PolicyDiffOptions]{
		{name: "one policy", args: []string{"a.html"}, wantErr: "accepts 2 arg(s), received 1"},
		{name: "unknown flag", args: []string{"--output", "x", "a.html", "b.html"}, wantErr: "unknown flag: --output"},
		{name: "two", args: []string{"old.html", "new.html"}, check: func(t *testing.T, o *PolicyDiffOptions) {
			if o.Old != "old.html" || o.New != "new.html" || o.Vendor != "" {
				t.Errorf("options = %+v", o)
			}
		}},
	})
}
