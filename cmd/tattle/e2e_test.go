package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/result"
)

func tattle(t *testing.T, stdin []byte, args ...string) (ExitCode, string, string) {
	t.Helper()
	io, out, errOut := testIO()
	if stdin != nil {
		io.In = bytes.NewReader(stdin)
	}
	code := Main(args, io)
	return code, out.String(), errOut.String()
}

func TestEndToEnd(t *testing.T) {
	root := testutil.ModuleRoot(t)
	td := func(n string) string { return filepath.Join(root, "testdata", n) }
	dir := t.TempDir()
	home, _ := os.ReadFile(td("home.pcapng"))

	t.Run("truncated capture: partial results, warning, exit 4", func(t *testing.T) {
		code, out, errOut := tattle(t, nil, "scan", "-f", "json", td("truncated.pcapng"))
		if code != ExitPartial {
			t.Fatalf("exit %d, want %d; stderr %q", code, ExitPartial, errOut)
		}
		var r result.Result
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Devices) == 0 || !r.Inputs[0].Truncated {
			t.Fatalf("partial result missing: %v %+v", err, r.Inputs)
		}
		if !strings.Contains(errOut, "truncated.pcapng") || !strings.Contains(errOut, "offset") {
			t.Errorf("warning should name file and offset: %q", errOut)
		}
	})
	t.Run("not a capture: exit 3", func(t *testing.T) {
		bad := filepath.Join(dir, "notes.pcap")
		os.WriteFile(bad, []byte("hello"), 0o644)
		if code, _, errOut := tattle(t, nil, "scan", bad); code != ExitInput || !strings.Contains(errOut, "notes.pcap") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		code, out, _ := tattle(t, home, "scan", "-f", "json", "-")
		if code != ExitOK || !strings.Contains(out, "tplinkcloud") {
			t.Errorf("exit %d", code)
		}
	})
	base := filepath.Join(dir, "base.json")
	t.Run("fail-on and baseline", func(t *testing.T) {
		if code, _, _ := tattle(t, nil, "scan", "--demo", "--fail-on", "medium", "-f", "json", "-o", base, "--show-personal-data", "--policy", filepath.Join(root, "examples", "policies")); code != ExitFindings {
			t.Errorf("demo with --fail-on medium: exit %d, want 1", code)
		}
		if code, _, _ := tattle(t, nil, "scan", "--demo", "--fail-on", "medium", "--baseline", base, "--policy", filepath.Join(root, "examples", "policies")); code != ExitOK {
			t.Errorf("same scan against its own baseline: exit %d, want 0", code)
		}
		// A baseline shared redacted (the default) is compared like with
		// like: the same scan against it has nothing new either, and the
		// report says a baseline was used.
		redacted := filepath.Join(dir, "base-redacted.json")
		tattle(t, nil, "scan", "--demo", "-f", "json", "-o", redacted, "--policy", filepath.Join(root, "examples", "policies"))
		code, out, _ := tattle(t, nil, "scan", "--demo", "--fail-on", "medium", "--baseline", redacted, "--policy", filepath.Join(root, "examples", "policies"))
		if code != ExitOK || !strings.Contains(out, "only what is new against the baseline") {
			t.Errorf("same scan against its own redacted baseline: exit %d, want 0; report:\n%s", code, out)
		}
		_, out, _ = tattle(t, nil, "scan", "--demo", "-f", "json", "--baseline", redacted, "--policy", filepath.Join(root, "examples", "policies"))
		var r result.Result
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Baseline == nil || r.Baseline.NewDevices != 0 || r.Baseline.NewFindings != 0 || len(r.Devices) != 0 {
			t.Errorf("against its own redacted baseline: %v, baseline %+v, %d devices", err, r.Baseline, len(r.Devices))
		}
		if code, _, _ := tattle(t, nil, "scan", "--demo", "--fail-on", "bogus"); code != ExitUsage {
			t.Errorf("bad severity: exit %d", code)
		}
	})
	t.Run("report and diff", func(t *testing.T) {
		code, out, _ := tattle(t, nil, "report", base, "-f", "markdown")
		if code != ExitOK || !strings.Contains(out, "# tattle report") || strings.Contains(out, "4c:8b:1a") {
			t.Errorf("report: exit %d, redacted? %v", code, !strings.Contains(out, "4c:8b:1a"))
		}
		if code, out, _ := tattle(t, nil, "diff", base, base); code != ExitOK || !strings.Contains(out, "new findings: 0") {
			t.Errorf("diff of a result with itself: exit %d\n%s", code, out)
		}
		other := filepath.Join(dir, "home.json")
		tattle(t, nil, "scan", "-f", "json", "-o", other, "--show-personal-data", td("personal.pcapng"))
		if code, out, _ := tattle(t, nil, "diff", base, other); code != ExitFindings || !strings.Contains(out, "new devices") {
			t.Errorf("diff of different scans: exit %d\n%s", code, out)
		}
	})
	t.Run("known values", func(t *testing.T) {
		code, out, _ := tattle(t, nil, "scan", "-f", "json", "--known-values", td("personal-data.known.yaml"), td("personal.pcapng"))
		if code != ExitOK {
			t.Fatalf("exit %d", code)
		}
		for _, want := range []string{`"data_type": "serial number"`, `"data_type": "router ssid"`, `"data_type": "credentials"`} {
			if !strings.Contains(out, want) {
				t.Errorf("no finding with %s", want)
			}
		}
	})
	t.Run("devices", func(t *testing.T) {
		code, out, _ := tattle(t, nil, "devices", "--demo")
		if code != ExitOK || !strings.Contains(out, "TP-Link smart plug HS110") || !strings.Contains(out, "phone/computer") {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
	t.Run("policy init drafts a declaration that lints", func(t *testing.T) {
		code, out, _ := tattle(t, nil, "policy", "init", "--demo", "--device", "8c:79:f5:a1:b2:c3")
		if code != ExitOK || len(policy.Lint("draft.yaml", []byte(out))) != 0 || !strings.Contains(out, "Tapad") {
			t.Errorf("exit %d\n%s", code, out)
		}
		draft := filepath.Join(dir, "draft.yaml")
		os.WriteFile(draft, []byte(out+"colour: red\n"), 0o644)
		code, out, _ = tattle(t, nil, "policy", "lint", draft)
		if code != ExitFindings || !strings.Contains(out, `unknown key "colour"`) {
			t.Errorf("lint of a bad file: exit %d\n%s", code, out)
		}
	})
	t.Run("injection stays inert on the terminal", func(t *testing.T) {
		_, out, _ := tattle(t, nil, "scan", "--show-personal-data", td("injection.pcapng"))
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Error("terminal output holds raw escape or bell characters")
		}
	})
}
