package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/result"
)

func TestRedactionKeyFile(t *testing.T) {
	dir := t.TempDir()
	io, _, _ := testIO()
	io.Getenv = func(string) string { return "" }
	io.ConfigDir = func() (string, error) { return dir, nil }
	k1, err := redactionKey(io, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "tattle", "redaction.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, st)
	}
	k2, err := redactionKey(io, "")
	if err != nil || !bytes.Equal(k1, k2) || len(k1) != 64 {
		t.Errorf("second run: key %q, first %q, %v", k2, k1, err)
	}
	if k, _ := redactionKey(io, "from-flag"); string(k) != "from-flag" {
		t.Errorf("--redaction-key ignored: %q", k)
	}
	io.Getenv = func(k string) string { return map[string]string{redactionKeyEnv: "from-env"}[k] }
	if k, _ := redactionKey(io, ""); string(k) != "from-env" {
		t.Errorf("$%s ignored: %q", redactionKeyEnv, k)
	}
	io.Getenv = func(string) string { return "" }
	io.ConfigDir = nil
	if _, err := redactionKey(io, ""); err == nil || !strings.Contains(err.Error(), "--redaction-key") {
		t.Errorf("no key anywhere: %v", err)
	}
}

// TestRedactedBaseline checks that a baseline saved redacted (the
// default) finds a device that is new, by its pseudonym, with scan
// --baseline, report --baseline and diff, and that a baseline redacted
// with another key is refused rather than showing every device as new.
func TestRedactedBaseline(t *testing.T) {
	dir := t.TempDir()
	code, full, errOut := tattle(t, nil, "scan", "--demo", "-f", "json")
	if code != ExitOK {
		t.Fatalf("scan: exit %d, %s", code, errOut)
	}
	var r result.Result
	if err := json.Unmarshal([]byte(full), &r); err != nil || !r.Redacted || len(r.Devices) < 2 {
		t.Fatalf("scan result: %v, redacted %v, %d devices", err, r.Redacted, len(r.Devices))
	}
	gone := r.Devices[1].ID
	r.Devices = append(r.Devices[:1], r.Devices[2:]...)
	old, next := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	b, _ := json.Marshal(&r)
	os.WriteFile(old, b, 0o644)
	os.WriteFile(next, []byte(full), 0o644)

	code, out, errOut := tattle(t, nil, "diff", old, next)
	if code != ExitFindings || !strings.Contains(out, "new devices: 1\n") {
		t.Errorf("diff: exit %d, %q %s", code, out, errOut)
	}
	for _, args := range [][]string{{"scan", "--demo"}, {"report", next}} {
		code, out, errOut = tattle(t, nil, append(args, "--baseline", old, "-f", "json")...)
		var f result.Result
		if err := json.Unmarshal([]byte(out), &f); err != nil || code != ExitOK {
			t.Fatalf("%v --baseline: exit %d, %v, %s", args, code, err, errOut)
		}
		if len(f.Devices) != 1 || f.Devices[0].ID != gone {
			t.Errorf("%v --baseline: devices %d, want only the new one %s", args, len(f.Devices), gone)
		}
	}
	code, _, errOut = tattle(t, nil, "scan", "--demo", "--baseline", old, "--redaction-key", "another key")
	if code != ExitUsage || !strings.Contains(errOut, "different keys") {
		t.Errorf("baseline of another key: exit %d, %s", code, errOut)
	}
	// An unredacted result against a redacted one: redacted with the key
	// before comparing, so only the new device is new.
	code, plain, errOut := tattle(t, nil, "scan", "--demo", "-f", "json", "--show-personal-data")
	if code != ExitOK {
		t.Fatalf("scan: exit %d, %s", code, errOut)
	}
	os.WriteFile(next, []byte(plain), 0o644)
	code, out, errOut = tattle(t, nil, "diff", old, next)
	if code != ExitFindings || !strings.Contains(out, "new devices: 1\n") {
		t.Errorf("diff of a redacted and an unredacted result: exit %d, %q %s", code, out, errOut)
	}
}

// TestDevicesRedacted checks that `tattle devices` shows pseudonyms.
func TestDevicesRedacted(t *testing.T) {
	code, out, errOut := tattle(t, nil, "devices", "--demo")
	if code != ExitOK || strings.Contains(out, "xx:xx:xx") || !strings.Contains(out, ":~") {
		t.Errorf("devices: exit %d, %s\n%s", code, errOut, out)
	}
}
