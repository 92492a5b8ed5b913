package extract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
)

// TestDump prints what the extractor reads from one shared policy, for
// rule writing: TATTLE_DUMP=ring.md go test ./policy/extract -run TestDump -v
func TestDump(t *testing.T) {
	name := os.Getenv("TATTLE_DUMP")
	if name == "" {
		t.Skip("TATTLE_DUMP not set")
	}
	dir := testutil.SharedPolicies(t)
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Extract(name, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.Explain())
}
