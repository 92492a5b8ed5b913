package extract

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
)

// annotation is the project's hand annotation of one shared policy
// (testdata/annotations/*.yaml).
type annotation struct {
	File       string `yaml:"file"`
	Vendor     string `yaml:"vendor"`
	Statements []struct {
		Action string   `yaml:"action"`
		Actor  string   `yaml:"actor"`
		Data   []string `yaml:"data"`
		Line   int      `yaml:"line"`
	} `yaml:"statements"`
}

// annotatedActor folds an annotation's actor the way Actor.Key does.
func annotatedActor(s string) (string, error) {
	switch {
	case s == ActorFirst:
		return ActorFirst, nil
	case entities[s]:
		return s, nil
	case policy.CanonicalCategory(s) != "":
		return "category:" + policy.CanonicalCategory(s), nil
	case strings.HasPrefix(s, "org:"):
		return Actor{Kind: ActorOrg, Name: strings.TrimPrefix(s, "org:")}.Key(), nil
	}
	return "", fmt.Errorf("unknown actor %q (first party, an entity, a category, or org:NAME)", s)
}

func loadAnnotations(t *testing.T) []annotation {
	t.Helper()
	files, _ := filepath.Glob("testdata/annotations/*.yaml")
	var out []annotation
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var a annotation
		if err := yaml.Unmarshal(b, &a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, a)
	}
	return out
}

// TestAnnotationsValid checks the fixtures themselves: known actions,
// actors and data types.
func TestAnnotationsValid(t *testing.T) {
	as := loadAnnotations(t)
	if len(as) < 5 {
		t.Fatalf("%d annotated policies, want at least 5", len(as))
	}
	for _, a := range as {
		for _, s := range a.Statements {
			switch s.Action {
			case "collect", "share", "sell", "not collect", "not share", "not sell":
			default:
				t.Errorf("%s line %d: unknown action %q", a.File, s.Line, s.Action)
			}
			if _, err := annotatedActor(s.Actor); err != nil {
				t.Errorf("%s line %d: %v", a.File, s.Line, err)
			}
			for _, d := range s.Data {
				if !validData(d) {
					t.Errorf("%s line %d: unknown data type %q", a.File, s.Line, d)
				}
			}
		}
	}
}

// TestPrecisionRecall extracts every annotated shared policy and compares
// its (action, actor, data type) triples with the hand annotation. The
// figures are printed; the test fails below 90 % precision or 80 % recall
// over all annotated policies.
func TestPrecisionRecall(t *testing.T) {
	dir := testutil.SharedPolicies(t)
	tp, fp, fn := 0, 0, 0
	var report strings.Builder
	fmt.Fprintf(&report, "%-22s %5s %5s %5s %9s %7s\n", "policy", "tp", "fp", "fn", "precision", "recall")
	for _, a := range loadAnnotations(t) {
		b, err := os.ReadFile(filepath.Join(dir, a.File))
		if err != nil {
			t.Errorf("%s: %v", a.File, err)
			continue
		}
		r, err := Extract(a.File, b, Options{})
		if err != nil {
			t.Errorf("%s: %v", a.File, err)
			continue
		}
		want := map[Triple]int{}
		for _, s := range a.Statements {
			actor, _ := annotatedActor(s.Actor)
			for _, d := range s.Data {
				want[Triple{s.Action, actor, d}] = s.Line
			}
		}
		got := map[Triple]int{}
		for _, s := range r.Statements {
			for _, tr := range s.Triples() {
				if _, dup := got[tr]; !dup {
					got[tr] = s.Line
				}
			}
		}
		ptp, pfp, pfn := 0, 0, 0
		var misses []string
		for tr, line := range got {
			if _, ok := want[tr]; ok {
				ptp++
			} else {
				pfp++
				misses = append(misses, fmt.Sprintf("  extra   %s:%d %s / %s / %s", a.File, line, tr.Action, tr.Actor, tr.Data))
			}
		}
		for tr, line := range want {
			if _, ok := got[tr]; !ok {
				pfn++
				misses = append(misses, fmt.Sprintf("  missed  %s:%d %s / %s / %s", a.File, line, tr.Action, tr.Actor, tr.Data))
			}
		}
		sort.Strings(misses)
		if len(misses) > 0 {
			t.Log("\n" + strings.Join(misses, "\n"))
		}
		tp, fp, fn = tp+ptp, fp+pfp, fn+pfn
		fmt.Fprintf(&report, "%-22s %5d %5d %5d %8.1f%% %6.1f%%\n", a.File, ptp, pfp, pfn, pct(ptp, ptp+pfp), pct(ptp, ptp+pfn))
	}
	p, rc := pct(tp, tp+fp), pct(tp, tp+fn)
	fmt.Fprintf(&report, "%-22s %5d %5d %5d %8.1f%% %6.1f%%\n", "all", tp, fp, fn, p, rc)
	// Printed, not only logged: the figures belong in every test run's output.
	fmt.Print("policy text extraction against the project's annotations:\n" + report.String())
	if p < 90 || rc < 80 {
		t.Errorf("precision %.1f%% (want >= 90), recall %.1f%% (want >= 80)", p, rc)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}
