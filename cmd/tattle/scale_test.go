package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

// TestJobsAndMerge: scanning a directory with --jobs gives the same
// result for any number of jobs, and merging the files' own results
// gives it too.
func TestJobsAndMerge(t *testing.T) {
	root := testutil.ModuleRoot(t)
	dir := t.TempDir()
	caps := filepath.Join(dir, "caps")
	os.Mkdir(caps, 0o755)
	for _, n := range []string{"home.pcapng", "personal.pcapng", "injection.pcapng"} {
		b, err := os.ReadFile(filepath.Join(root, "testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(caps, n), b, 0o644)
	}
	scan := func(args ...string) string {
		t.Helper()
		code, out, errOut := tattle(t, nil, append([]string{"scan", "-f", "json", "--show-personal-data", "--policy", filepath.Join(root, "examples", "policies")}, args...)...)
		if code != ExitOK && code != ExitFindings {
			t.Fatalf("scan %v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	one := scan("--jobs", "1", caps)
	if three := scan("--jobs", "3", caps); three != one {
		t.Error("--jobs 3 and --jobs 1 differ")
	}
	var parts []string
	for _, n := range []string{"personal.pcapng", "home.pcapng", "injection.pcapng"} { // any order
		p := filepath.Join(dir, n+".json")
		os.WriteFile(p, []byte(scan(filepath.Join(caps, n))), 0o644)
		parts = append(parts, p)
	}
	code, merged, errOut := tattle(t, nil, append([]string{"merge", "-f", "json", "--show-personal-data", "--policy", filepath.Join(root, "examples", "policies")}, parts...)...)
	if code != ExitOK && code != ExitFindings {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	if merged != one {
		t.Error("merge of the files' results differs from scan --jobs")
	}
	var r result.Result
	if err := json.Unmarshal([]byte(merged), &r); err != nil || len(r.Inputs) != 3 || len(r.Devices) == 0 || r.Devices[0].Score == nil {
		t.Errorf("merged result: %v, %d inputs, %d devices", err, len(r.Inputs), len(r.Devices))
	}

	// A redacted result cannot be merged: devices are folded.
	red := filepath.Join(dir, "redacted.json")
	tattle(t, nil, "scan", "-f", "json", "-o", red, filepath.Join(caps, "home.pcapng"))
	if code, _, errOut := tattle(t, nil, "merge", red); code != ExitInput || !strings.Contains(errOut, "redacted") || !strings.Contains(errOut, "redacted.json") {
		t.Errorf("merge of a redacted result: exit %d, %q", code, errOut)
	}
	if code, _, _ := tattle(t, nil, "scan", "--jobs", "-2", caps); code != ExitUsage {
		t.Errorf("--jobs -2: exit %d", code)
	}
}

// TestScanZeekLogs: a directory of Zeek logs is scanned like a capture.
func TestScanZeekLogs(t *testing.T) {
	dir := t.TempDir()
	hdr := "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#fields\t%s\n#types\t%s\n"
	write := func(name, path, fields, row string) {
		n := strings.Count(fields, "\t") + 1
		types := strings.TrimSuffix(strings.Repeat("string\t", n), "\t")
		data := strings.Replace(strings.Replace(strings.Replace(hdr, "%s", path, 1), "%s", fields, 1), "%s", types, 1) + row + "\n"
		os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644)
	}
	write("a", "conn", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\torig_l2_addr\tresp_l2_addr",
		"1700000010.0\tC1\t192.168.1.20\t50000\t203.0.113.5\t443\ttcp\tssl\t1.0\t100\t200\t3\t300\t4\t400\t00:11:22:33:44:55\t66:77:88:99:aa:bb")
	write("b", "ssl", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tserver_name",
		"1700000010.1\tC1\t192.168.1.20\t50000\t203.0.113.5\t443\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\tapp-measurement.com")
	code, out, errOut := tattle(t, nil, "scan", "-f", "json", "--show-personal-data", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r result.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Devices) != 1 || r.Devices[0].ID != "00:11:22:33:44:55" || len(r.Devices[0].Destinations) != 1 {
		t.Fatalf("devices: %+v", r.Devices)
	}
	d := r.Devices[0].Destinations[0]
	if d.Name != "app-measurement.com" || d.Party != "third" || d.File != filepath.Join(dir, "a") || d.Packet != 8 || d.UID != "C1" || d.PacketsOut != 3 || d.TLS == nil || d.TLS.Version != "TLS 1.2" {
		t.Errorf("destination: %+v", d)
	}
	if len(r.NotChecked) == 0 || !strings.Contains(strings.Join(r.NotChecked, "\n"), "payload inspection") || r.Inputs[0].Format != "zeek-tsv" {
		t.Errorf("not checked %q, inputs %+v", r.NotChecked, r.Inputs)
	}
}

// TestParquetOut: -f parquet writes a file a Parquet reader opens, one
// row per (device, destination).
func TestParquetOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "flows.parquet")
	if code, _, errOut := tattle(t, nil, "scan", "--demo", "-f", "parquet", "-o", out); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := parquet.ReadFile[reports.FlowRow](out)
	if err != nil {
		t.Fatal(err)
	}
	_, js, _ := tattle(t, nil, "scan", "--demo", "-f", "json")
	var r result.Result
	json.Unmarshal([]byte(js), &r)
	if want := len(reports.FlowRows(&r)); len(rows) != want || want == 0 {
		t.Errorf("%d rows, want %d", len(rows), want)
	}
	if len(rows) > 0 && !strings.Contains(rows[0].Device, "~") { // a keyed pseudonym
		t.Errorf("rows not redacted: %s", rows[0].Device)
	}
}

// TestZeekLogsBesideCaptures: a directory with both is refused, naming
// the capture, rather than scanned as logs with the capture skipped.
func TestZeekLogsBesideCaptures(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dns.log"), []byte("#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n#types\ttime\tstring\tstring\n1.0\tC1\texample.com\n"), 0o644)
	b, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(t), "testdata", "home.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "home.pcapng"), b, 0o644)
	code, _, errOut := tattle(t, nil, "scan", dir)
	if code != ExitUsage || !strings.Contains(errOut, "home.pcapng is a capture among Zeek logs") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
