package dissect_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/dissect"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// appsSeen counts each Flow.App the scanner hands over.
type appsSeen map[string]int

func (appsSeen) Event(capture.Event)    {}
func (s appsSeen) Flow(f *capture.Flow) { s[f.App]++ }

// TestDissectedAppsDeclared: every App the dissectors set on the
// project's own captures is one of capture.Apps (TestNoLiteralApps in
// capture checks the code; this checks what running it yields).
func TestDissectedAppsDeclared(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(testutil.ModuleRoot(t), "testdata", "*.pcapng"))
	if len(paths) == 0 {
		t.Fatal("no captures in testdata")
	}
	seen := appsSeen{}
	for _, path := range paths {
		src, err := capture.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_ = capture.NewScanner(seen, capture.Options{Dissectors: dissect.Default()}).Run(src)
		src.Close()
	}
	named := 0
	for app, n := range seen {
		if app == "" {
			continue
		}
		named++
		if !slices.Contains(capture.Apps, app) {
			t.Errorf("%d flows with App %q, which capture.Apps does not list", n, app)
		}
	}
	t.Logf("flows by app: %v", seen)
	if named < 5 {
		t.Errorf("only %d apps named across testdata: %v", named, seen)
	}
}
