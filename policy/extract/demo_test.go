package extract

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
)

// verdicts scans the demo capture against one declaration and returns the
// disclosure findings of the devices it applies to, without their
// citations (which differ by design: a YAML line, a sentence's line).
func verdicts(t *testing.T, d *policy.Declaration) []string {
	t.Helper()
	name, data := demo.Capture()
	src, err := capture.OpenReader(name, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit.Scan(src, audit.Config{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	policy.Apply(res, []*policy.Declaration{d})
	var out []string
	for _, dev := range res.Devices {
		if dev.Policy == nil {
			continue
		}
		for _, f := range dev.Findings {
			if f.Disclosure != "" {
				out = append(out, fmt.Sprintf("%s %s %s %s %s %s", dev.ID, f.Kind, f.Severity, f.Organization, f.DataType, f.Destination))
			}
		}
		out = append(out, fmt.Sprintf("%s score %d", dev.ID, dev.Score.Value))
	}
	sort.Strings(out)
	return out
}

// TestDemoPolicyText checks that the demo's policy page, extracted, gives
// the verdicts of the hand-written declaration it was written to match,
// and that its findings quote the page's sentences.
func TestDemoPolicyText(t *testing.T) {
	root := testutil.ModuleRoot(t)
	yamlDecls, err := policy.Load(filepath.Join(root, "examples", "policies", "samsung-tv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(root, "examples", "policy-texts", "samsung-tv-privacy.md")
	textDecl, warns, err := LoadText(page, Options{}, "")
	if err != nil || textDecl == nil {
		t.Fatalf("%v %v", err, warns)
	}
	want, got := verdicts(t, yamlDecls[0]), verdicts(t, textDecl)
	if len(want) < 5 {
		t.Fatalf("the demo gives only %d verdicts against samsung-tv.yaml", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("verdicts differ\n got %q\nwant %q", got, want)
	}
	// Every disclosure finding that a statement decided quotes it and
	// cites the page, not a YAML line.
	name, data := demo.Capture()
	src, _ := capture.OpenReader(name, bytes.NewReader(data))
	res, _ := audit.Scan(src, audit.Config{Version: "test"})
	policy.Apply(res, []*policy.Declaration{textDecl})
	quoted := 0
	for _, dev := range res.Devices {
		for _, f := range dev.Findings {
			if f.Disclosure == "" || f.PolicyQuote == "" {
				continue
			}
			quoted++
			if !bytes.HasPrefix([]byte(f.PolicyRef), []byte(page+":")) {
				t.Errorf("%s cites %q, want a line of %s", f.Kind, f.PolicyRef, page)
			}
		}
	}
	if quoted < 4 {
		t.Errorf("%d findings quote the page, want every decided one (>= 4)", quoted)
	}
}
