package audit

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

// captureFiles lists the captures under dir in the order a scan of dir
// reads them.
func captureFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// equalResults says where two results differ in what Merge promises to
// keep: the devices, each whole (addresses, identity, observations,
// destinations with their counts, names, times and parties, findings with
// their evidence), the inputs, and the packet statistics.
func equalResults(t *testing.T, want, got *result.Result) {
	t.Helper()
	js := func(v any) string {
		b, _ := json.MarshalIndent(v, "", " ")
		return string(b)
	}
	if a, b := js(want.Inputs), js(got.Inputs); a != b {
		t.Errorf("inputs differ")
	}
	ws, gs := want.Stats, got.Stats
	if a, b := js(ws), js(gs); a != b {
		t.Errorf("stats differ:\n%s\n%s", a, b)
	}
	if len(want.Devices) != len(got.Devices) {
		t.Errorf("%d devices, want %d", len(got.Devices), len(want.Devices))
	}
	for i := 0; i < len(want.Devices) && i < len(got.Devices); i++ {
		w, g := &want.Devices[i], &got.Devices[i]
		if a, b := js(w), js(g); a != b {
			t.Errorf("device %s differs:\n%s", w.ID, lineDiff(a, b))
		}
	}
}

func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			lo := max(0, i-6)
			return "want: " + strings.Join(al[lo:min(len(al), i+3)], "\n") + "\n got: " + strings.Join(bl[lo:min(len(bl), i+3)], "\n")
		}
	}
	return "lengths differ"
}

// roundTrip writes a result as JSON and reads it back, as a result made
// on another machine arrives.
func roundTrip(t *testing.T, r *result.Result) *result.Result {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out result.Result
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func scanEach(t *testing.T, jobs int, paths ...string) *result.Result {
	t.Helper()
	src, err := capture.Open(paths...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ScanEach(src, Config{Version: "test"}, jobs)
	if err != nil {
		t.Logf("scan: %v", err)
	}
	return res
}

// TestMergeIoTSentinel: merging the results of each capture of the IoT
// Sentinel folder, scanned alone (and passed as JSON, as from other
// machines), gives the result of scanning the folder at once, each file
// its own capture (SeparateFiles: one scanner and one Builder over all
// files), and so does ScanEach with three jobs. "Gives" is equality of the whole
// JSON of the devices (addresses, identity, observations, destinations
// with every counter, name and party, findings with their evidence and
// messages), of the inputs and of the statistics.
func TestMergeIoTSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("scans the IoT Sentinel folder three times: not with -short")
	}
	root := filepath.Join(testutil.SharedCaptures(t), "IoT_Sentinel", "captures_IoT_Sentinel", "captures_IoT-Sentinel")
	files := captureFiles(t, root)
	if len(files) == 0 {
		t.Skip("no IoT Sentinel captures")
	}
	var parts []*result.Result
	for _, f := range files {
		parts = append(parts, roundTrip(t, scanPaths(t, f)))
	}
	merged, err := Merge(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The folder scans also list the notes beside the captures (skipped
	// with a warning); the per-file scans were given captures only.
	src, err := capture.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := Scan(src, Config{Version: "test", SeparateFiles: true})
	src.Close()
	whole = capturesOnly(whole)
	equalResults(t, whole, merged)
	equalResults(t, whole, capturesOnly(scanEach(t, 3, root)))
	t.Logf("merge of %d per-file results of IoT Sentinel equals the folder scanned at once and with 3 jobs: %d devices, %d destinations, %d findings",
		len(parts), len(merged.Devices), countDests(merged), countFindings(merged))
}

func capturesOnly(r *result.Result) *result.Result {
	var in []result.Input
	for _, x := range r.Inputs {
		if x.Format != "" {
			in = append(in, x)
		}
	}
	r.Inputs = in
	return r
}

func countDests(r *result.Result) (n int) {
	for _, d := range r.Devices {
		n += len(d.Destinations)
	}
	return n
}

func countFindings(r *result.Result) (n int) {
	for _, d := range r.Devices {
		n += len(d.Findings)
	}
	return n
}

// TestMergeOneIsIdentity: merging a single result (through JSON) gives
// it back whole, for each of the repository's generated captures: what
// Merge rebuilds (identity, classification, findings) it rebuilds as the
// scan made it, and nothing is lost on the way.
func TestMergeOneIsIdentity(t *testing.T) {
	root := testutil.ModuleRoot(t)
	for _, n := range []string{"home.pcapng", "personal.pcapng", "injection.pcapng"} {
		r := scanPaths(t, filepath.Join(root, "testdata", n))
		m, err := Merge([]*result.Result{roundTrip(t, r)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Devices) == 0 {
			t.Fatalf("%s: no devices", n)
		}
		equalResults(t, r, m)
	}
}

// TestMergeTwiceDoublesCounts: a result merged with itself is one set of
// devices whose counters are doubled (the same capture seen twice), with
// the same destinations and findings.
func TestMergeTwiceDoublesCounts(t *testing.T) {
	r := scanPaths(t, filepath.Join(testutil.ModuleRoot(t), "testdata", "home.pcapng"))
	m, err := Merge([]*result.Result{roundTrip(t, r), roundTrip(t, r)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Devices) != len(r.Devices) || m.Stats.Packets != 2*r.Stats.Packets || len(m.Inputs) != 2 {
		t.Fatalf("%d devices (want %d), %d packets (want %d)", len(m.Devices), len(r.Devices), m.Stats.Packets, 2*r.Stats.Packets)
	}
	for i := range r.Devices {
		a, b := &r.Devices[i], &m.Devices[i]
		if b.Packets != 2*a.Packets || len(b.Destinations) != len(a.Destinations) || len(b.Findings) != len(a.Findings) {
			t.Errorf("%s: %d packets (want %d), %d destinations (want %d), %d findings (want %d)", a.ID, b.Packets, 2*a.Packets,
				len(b.Destinations), len(a.Destinations), len(b.Findings), len(a.Findings))
			continue
		}
		for j := range a.Destinations {
			if b.Destinations[j].Flows != 2*a.Destinations[j].Flows || b.Destinations[j].BytesOut != 2*a.Destinations[j].BytesOut {
				t.Errorf("%s %s: counters not doubled", a.ID, a.Destinations[j].Name)
			}
		}
	}
}
