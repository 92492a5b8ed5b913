package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

// TestLabels: --label and --labels name devices, shown as user evidence
// in the report; a bad label or a MAC labelled twice is a usage error.
func TestLabels(t *testing.T) {
	local := filepath.Join(testutil.ModuleRoot(t), "testdata", "local.pcapng")
	file := filepath.Join(t.TempDir(), "labels.txt")
	os.WriteFile(file, []byte("# my home\n50:c7:bf:0a:bc:e0=//Hall lamp plug\n"), 0o644)
	code, out, errOut := tattle(t, nil, "scan", "-f", "json", "--show-personal-data", "--labels", file,
		"--label", "5c:cf:7f:10:20:30=Acme/plug/SP-1", local)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r result.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	got := map[string]result.Identity{}
	for _, d := range r.Devices {
		got[d.ID] = d.Identity
	}
	tuya := got["5c:cf:7f:10:20:30"]
	if tuya.Vendor.Value != "Acme" || tuya.Type.Value != "plug" || tuya.Model.Value != "SP-1" || tuya.Vendor.Evidence[0].Source != "user" {
		t.Errorf("labelled Tuya plug %+v", tuya)
	}
	kasa := got["50:c7:bf:0a:bc:e0"]
	if kasa.Model.Value != "Hall lamp plug" || !strings.Contains(kasa.Model.Evidence[0].Detail, "labels.txt:2") || kasa.Vendor.Value != "TP-Link" {
		t.Errorf("labels file: Kasa plug %+v (the vendor stays what the signals say)", kasa)
	}
	for _, bad := range [][]string{
		{"--label", "5c:cf:7f:10:20:30=Acme/kettle"},
		{"--label", "5c:cf:7f:10:20:30=A", "--label", "5c:cf:7f:10:20:30=B"},
		{"--labels", filepath.Join(t.TempDir(), "missing.txt")},
	} {
		if code, _, errOut := tattle(t, nil, append(append([]string{"scan"}, bad...), local)...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errOut)
		}
	}
}
