package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
)

// TestCommittedCapturesAreFresh regenerates every committed capture and
// compares it byte for byte with the file in the repository.
func TestCommittedCapturesAreFresh(t *testing.T) {
	root := testutil.ModuleRoot(t)
	names := make([]string, 0)
	files := Files()
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		want, err := files[n]()
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		again, _ := files[n]()
		if !bytes.Equal(want, again) {
			t.Errorf("%s: two generations differ: the generator is not deterministic", n)
		}
		got, err := os.ReadFile(filepath.Join(root, n))
		if err != nil {
			t.Errorf("%s: %v (run go run ./internal/gen/cmd/gencaptures)", n, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go run ./internal/gen/cmd/gencaptures", n)
		}
	}
}
