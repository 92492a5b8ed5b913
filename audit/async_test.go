package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// scanJSON scans paths and returns the result as JSON.
func scanJSON(t *testing.T, cfg Config, paths ...string) []byte {
	t.Helper()
	src, err := capture.Open(paths...)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, _ := Scan(src, cfg)
	if res == nil {
		t.Fatal("no result")
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConcurrentInspectionSameResult: payload inspection on its own
// goroutine gives byte for byte the result of running it on the scanner's
// goroutine, and the same result from run to run — on the generated
// personal-data capture (segments out of order, host names learned from
// DHCP) and on every shared capture read as one input.
func TestConcurrentInspectionSameResult(t *testing.T) {
	root := testutil.ModuleRoot(t)
	known, err := inspect.LoadKnown(filepath.Join(root, "testdata", "personal-data.known.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Version: "t", Known: known}
	for _, name := range []string{"personal.pcapng", "home.pcapng"} {
		t.Run(name, func(t *testing.T) { sameResult(t, cfg, filepath.Join(root, "testdata", name)) })
	}
	t.Run("shared", func(t *testing.T) {
		dir := testutil.SharedCaptures(t)
		var files []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				switch strings.ToLower(filepath.Ext(p)) {
				case ".pcap", ".pcapng", ".cap":
					files = append(files, p)
				}
			}
			return nil
		})
		res := sameResult(t, cfg, files...)
		// The inspector's entropy classes (EntropyEvent, joined to
		// their flows by the Builder) are part of what was compared.
		if n := bytes.Count(res, []byte(`"entropy"`)); n == 0 {
			t.Fatal("no destination has an entropy class: the inspector's EntropyEvents were lost")
		} else {
			t.Logf("%d destinations with an entropy class", n)
		}
	})
}

func sameResult(t *testing.T, cfg Config, paths ...string) []byte {
	async := scanJSON(t, cfg, paths...)
	again := scanJSON(t, cfg, paths...)
	cfg.Workers = 1
	inline := scanJSON(t, cfg, paths...)
	if !bytes.Equal(inline, async) {
		t.Errorf("concurrent inspection differs from inline: %s", firstDiff(inline, async))
	}
	if !bytes.Equal(async, again) {
		t.Errorf("two runs differ: %s", firstDiff(async, again))
	}
	n := bytes.Count(async, []byte(`"data_type"`))
	if n == 0 {
		t.Fatalf("no personal data found: nothing was compared")
	}
	t.Logf("%d files: %d bytes of result, %d personal-data records, equal", len(paths), len(async), n)
	return async
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-120)
	return "at byte " + strconv.Itoa(i) + ":\n  " + string(a[lo:min(len(a), i+120)]) + "\n  " + string(b[lo:min(len(b), i+120)])
}
