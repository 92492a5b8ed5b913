package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/result"
)

func TestPolicyTextCommands(t *testing.T) {
	t.Setenv("TATTLE_NO_CACHE", "1")
	root := testutil.ModuleRoot(t)
	page := filepath.Join(root, "examples", "policy-texts", "samsung-tv-privacy.md")
	dir := t.TempDir()

	t.Run("extract writes a declaration that lints", func(t *testing.T) {
		out := filepath.Join(dir, "samsung.yaml")
		if code, _, errOut := tattle(t, nil, "policy", "extract", page, "-o", out); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		b, _ := os.ReadFile(out)
		if diags := policy.Lint(out, b); len(diags) > 0 {
			t.Fatalf("lint: %v", diags)
		}
		if code, stdout, _ := tattle(t, nil, "policy", "lint", out); code != ExitOK || !strings.Contains(stdout, ": ok") {
			t.Errorf("policy lint: exit %d %q", code, stdout)
		}
		if !strings.Contains(string(b), "source: "+page+":38") || !strings.Contains(string(b), "We do not sell your personal information to data brokers.") {
			t.Errorf("the never statement lost its sentence or place:\n%s", b)
		}
	})
	t.Run("explain shows each statement beside its sentence", func(t *testing.T) {
		code, out, _ := tattle(t, nil, "policy", "explain", page)
		if code != ExitOK || !strings.Contains(out, "-> does not sell personal information to data brokers") || !strings.Contains(out, page+":38") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("scan --policy with the page cites its sentences", func(t *testing.T) {
		code, out, errOut := tattle(t, nil, "scan", "--demo", "-f", "json", "--policy", page)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r result.Result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range r.Devices {
			for _, f := range d.Findings {
				if f.Kind == "disclosure-incorrect" {
					found = true
					if f.PolicyRef != page+":38" || f.PolicyQuote != "We do not sell your personal information to data brokers." {
						t.Errorf("the contradicted statement is cited as %q %q", f.PolicyRef, f.PolicyQuote)
					}
					if d.Policy == nil || d.Policy.File != page {
						t.Errorf("the report does not say which policy the TV was checked against: %+v", d.Policy)
					}
				}
			}
		}
		if !found {
			t.Error("no disclosure-incorrect finding for the TV")
		}
		// The terminal report quotes it too.
		// (Compared without white space: the report wraps the citation to
		// the terminal's width, and a path longer than a line is cut.)
		squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if _, out, _ := tattle(t, nil, "scan", "--demo", "--policy", page); !strings.Contains(squeeze(out), squeeze("samsung-tv-privacy.md:38: “We do not sell")) {
			t.Errorf("terminal report lacks the quote:\n%s", out)
		}
	})
	t.Run("a policy that applies to nothing is warned about; --policy-for binds it", func(t *testing.T) {
		mud := filepath.Join(dir, "mudgee.json")
		os.WriteFile(mud, []byte(`{"ietf-mud:mud": {"mud-version": 1, "mud-url": "https://example.com/x.json", "model-name": "NoSuchModel", "systeminfo": "NoSuchModel"},
 "ietf-access-control-list:acls": {"acl": []}}`), 0o644)
		code, _, errOut := tattle(t, nil, "scan", "--demo", "-f", "json", "--policy", mud)
		if code != ExitOK || !strings.Contains(errOut, "mudgee.json") || !strings.Contains(errOut, "applies to no device") || !strings.Contains(errOut, "mfg-name") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		code, out, errOut := tattle(t, nil, "scan", "--demo", "-f", "json", "--show-personal-data", "--policy-for", "8c:79:f5:a1:b2:c3="+mud)
		if code != ExitOK || strings.Contains(errOut, "applies to no device") || !strings.Contains(out, `"matched_by": "device"`) {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		if code, _, _ := tattle(t, nil, "scan", "--demo", "--policy-for", "nonsense"); code != ExitUsage {
			t.Errorf("bad --policy-for: exit %d", code)
		}
	})
	t.Run("diff lists the widened sharing", func(t *testing.T) {
		old := filepath.Join(dir, "v1.md")
		cur := filepath.Join(dir, "v2.md")
		os.WriteFile(old, []byte("# Acme privacy\n\nAcme Inc. (\"Acme\", \"we\") makes speakers.\n\nWe collect your email address.\n\nWe do not share your voice recordings with third parties.\n"), 0o644)
		os.WriteFile(cur, []byte("# Acme privacy\n\nAcme Inc. (\"Acme\", \"we\") makes speakers.\n\nWe collect your email address.\n\nWe may share your voice recordings and precise location with advertising partners.\n"), 0o644)
		code, out, _ := tattle(t, nil, "policy", "diff", old, cur)
		if code != ExitFindings {
			t.Errorf("exit %d, want %d (changed)", code, ExitFindings)
		}
		for _, want := range []string{"+ recipients (share): advertising partners", "+ data (share): audio, geolocation", "- recipients (not share): third parties",
			"v2.md:7: may share audio, geolocation with advertising partners", "v1.md:7: does not share audio with third parties"} {
			if !strings.Contains(out, want) {
				t.Errorf("diff lacks %q:\n%s", want, out)
			}
		}
		if code, out, _ := tattle(t, nil, "policy", "diff", old, old); code != ExitOK || !strings.Contains(out, "no statement added or removed") {
			t.Errorf("same version: exit %d %q", code, out)
		}
	})
	t.Run("bad input: binary is an input error naming the file", func(t *testing.T) {
		bin := filepath.Join(dir, "policy.txt")
		os.WriteFile(bin, []byte("\x00\x01\x02ELF"), 0o644)
		if code, _, errOut := tattle(t, nil, "policy", "extract", bin); code != ExitInput || !strings.Contains(errOut, "policy.txt") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		empty := filepath.Join(dir, "empty.html")
		os.WriteFile(empty, nil, 0o644)
		if code, out, errOut := tattle(t, nil, "policy", "extract", empty); code != ExitOK || !strings.Contains(errOut, "warning") || !strings.Contains(out, "version: 1") {
			t.Errorf("empty: exit %d, stderr %q", code, errOut)
		}
	})
}
