package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/repeat"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// TestRepeatCachesSameResult: the caches that skip repeated input (DNS
// messages, quiet payloads, certificates, JA3/JA4) change nothing in the
// result: with TATTLE_NO_REPEAT_CACHES (repeat.Off) the result is byte
// for byte the same, on a generated home and on every shared capture
// read as one input.
func TestRepeatCachesSameResult(t *testing.T) {
	if testing.Short() {
		t.Skip("scans the shared captures twice")
	}
	root := testutil.ModuleRoot(t)
	cfg := Config{Version: "t"}
	run := func(t *testing.T, paths ...string) {
		defer func(v bool) { repeat.Off = v }(repeat.Off)
		repeat.Off = false
		on := scanJSON(t, cfg, paths...)
		repeat.Off = true
		off := scanJSON(t, cfg, paths...)
		if !bytes.Equal(on, off) {
			t.Errorf("result with the repeat caches differs from without: %s", firstDiff(on, off))
		}
		if !bytes.Contains(on, []byte(`"ja4"`)) {
			t.Fatal("no TLS fingerprint in the result: nothing was compared")
		}
	}
	t.Run("home", func(t *testing.T) { run(t, filepath.Join(root, "testdata", "home.pcapng")) })
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
		run(t, files...)
	})
}
