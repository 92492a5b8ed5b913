package extract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
)

// TestSharedPoliciesLint extracts every shared policy and checks that the
// draft is a declaration `tattle policy lint` accepts, that Parse reads it
// back, and that every statement keeps its sentence and place.
func TestSharedPoliciesLint(t *testing.T) {
	dir := testutil.SharedPolicies(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	n := 0
	for _, f := range files {
		if filepath.Base(f) == "README.md" {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Extract(filepath.Base(f), b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Statements) == 0 {
				t.Errorf("no statement extracted from %d sentences", r.Sentences)
			}
			y := r.YAML()
			for _, d := range policy.Lint(filepath.Base(f)+".yaml", y) {
				t.Errorf("lint: %s", d)
			}
			d, err := policy.Parse(filepath.Base(f)+".yaml", y)
			if err != nil {
				t.Fatal(err)
			}
			for _, list := range [][]policy.Statement{d.Collection, d.ThirdParties, d.ServiceProviders, d.Never} {
				for _, st := range list {
					if st.Quote == "" || st.Source == "" {
						t.Errorf("statement without quote or source: %+v", st)
					}
				}
			}
			t.Logf("vendor %q, %d sentences, %d statements", r.Vendor, r.Sentences, len(r.Statements))
		})
	}
	if n == 0 {
		t.Skip("no shared policies")
	}
}
