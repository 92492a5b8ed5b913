package policy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

const tvDecl = `version: 1
vendor: Acme
policy_url: https://acme.example/privacy
policy_date: "2025-01-01"
applies_to:
  vendors: [Acme]
  types: [tv]
first_party:
  organizations: [Acme]
collects: [device identifier]
service_providers:
  - categories: [cloud]
third_parties:
  - organizations: [Google]
    data: [advertising identifier]
  - categories: [analytics providers]
    data: [device identifier]
  - entities: [partners]
    data: [usage data]
never:
  - organizations: [Tapad]
    quote: "We never share data with Tapad."
  - categories: [data brokers]
    data: [geolocation]
encryption:
  in_transit: true
`

func dest(name, org, cat, party string) result.Destination {
	return result.Destination{Name: name, IP: "203.0.113.1", Port: 443, Transport: "tcp", Organization: org, Category: cat, Party: party,
		BytesOut: 100, File: "t.pcap", Packet: 7}
}

func ev(p uint64) []result.Evidence {
	return []result.Evidence{{Source: "http", File: "t.pcap", Packet: p}}
}

func testDevice() *result.Device {
	return &result.Device{ID: "aa:bb:cc:00:00:01", MAC: "aa:bb:cc:00:00:01",
		Identity: result.Identity{Vendor: result.Field{Value: "Acme"}, Type: result.Field{Value: "tv"}},
		Destinations: []result.Destination{
			dest("ads.google.example", "Google", "advertising", "third"),
			dest("m.analytics.example", "Mixpanel", "analytics", "third"),
			dest("x.tapad.example", "Tapad", "data-broker", "third"),
			dest("geo.broker.example", "Acxiom", "data-broker", "third"),
			dest("api.stranger.example", "Stranger Corp", "service", "third"),
			dest("s3.cloud.example", "Amazon Web Services", "cloud", "support"),
			dest("api.acme.example", "Acme", "iot-cloud", "first"),
			dest("mystery.example", "", "", "unclassified"),
		},
		Findings: []result.Finding{
			{ID: "pd1", Kind: "cleartext-personal-data", Severity: "high", DataType: "advertising identifier", Destination: "ads.google.example", Evidence: ev(11)},
			{ID: "pd2", Kind: "cleartext-personal-data", Severity: "high", DataType: "mac address", Destination: "m.analytics.example", Evidence: ev(12)},
			{ID: "pd3", Kind: "cleartext-personal-data", Severity: "high", DataType: "geolocation", Destination: "geo.broker.example", Evidence: ev(13)},
			{ID: "pd4", Kind: "cleartext-personal-data", Severity: "high", DataType: "email address", Destination: "api.acme.example", Evidence: ev(14)},
			{ID: "ct1", Kind: "cleartext-protocol", Severity: "medium", Destination: "api.acme.example", Evidence: []result.Evidence{{File: "t.pcap", Packet: 9}}},
		},
	}
}

func parse(t *testing.T, y string) *Declaration {
	t.Helper()
	d, err := Parse("acme.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDisclosureLabels(t *testing.T) {
	d := parse(t, tvDecl)
	fs := Check(d, testDevice())
	got := map[string]result.Finding{}
	for _, f := range fs {
		got[f.Organization+"/"+f.DataType] = f
	}
	tests := []struct {
		key, label string
		line       int // of the statement cited; 0: not checked
	}{
		{"Google/advertising identifier", Clear, 14},
		{"Google/unknown encrypted data", Clear, 14},
		{"Mixpanel/mac address", Vague, 16},             // category + broader data term
		{"Tapad/unknown encrypted data", Ambiguous, 21}, // "partners" vs "never Tapad"
		{"Acxiom/geolocation", Incorrect, 23},
		{"Stranger Corp/unknown encrypted data", Vague, 18}, // only "partners" covers it
		{"Amazon Web Services/unknown encrypted data", Vague, 12},
		{"Acme/email address", Omitted, 0}, // first party collects only device identifier
		{"mystery.example/unknown encrypted data", Unclassified, 0},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			f, ok := got[tc.key]
			if !ok {
				t.Fatalf("no finding for %s; have %v", tc.key, keys(got))
			}
			if f.Disclosure != tc.label {
				t.Errorf("label %s, want %s (%s)", f.Disclosure, tc.label, f.Message)
			}
			if tc.line != 0 && f.PolicyRef != "acme.yaml:"+itoa(tc.line) {
				t.Errorf("cites %s, want line %d", f.PolicyRef, tc.line)
			}
			if f.ID == "" || len(f.Evidence) == 0 {
				t.Errorf("finding without id or evidence: %+v", f)
			}
		})
	}
	var enc *result.Finding
	for i := range fs {
		if fs[i].Kind == KindEncryption {
			enc = &fs[i]
		}
	}
	if enc == nil || enc.PolicyRef != "acme.yaml:25" || enc.Disclosure != Incorrect {
		t.Errorf("encryption claim finding = %+v", enc)
	}
}

func TestOmittedThirdParty(t *testing.T) {
	d := parse(t, strings.Replace(tvDecl, "  - entities: [partners]\n    data: [usage data]\n", "", 1))
	for _, f := range Check(d, testDevice()) {
		if f.Organization == "Stranger Corp" {
			if f.Disclosure != Omitted || f.Severity != result.SeverityHigh {
				t.Errorf("undeclared third party = %s/%s", f.Disclosure, f.Severity)
			}
			return
		}
	}
	t.Fatal("no finding for an undeclared third party")
}

func keys(m map[string]result.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestLintLineNumbers(t *testing.T) {
	bad := `version: 1
vendor: Acme
policy_date: "last year"
applies_to:
  types: [toaster]
third_parties:
  - organizations: [Google]
    data: [gps]
  - purpose: none
colour: red
`
	diags := Lint("bad.yaml", []byte(bad))
	want := []string{
		"bad.yaml:3:14: policy_date",
		"bad.yaml:5:11: unknown device type \"toaster\"",
		"bad.yaml:8:12: unknown data type \"gps\"",
		"bad.yaml:9:5: statement names no recipient",
		"bad.yaml:10:1: unknown key \"colour\"",
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing diagnostic %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
	if d := Lint("ok.yaml", []byte(tvDecl)); len(d) != 0 {
		t.Errorf("valid declaration has diagnostics: %v", d)
	}
	if d := Lint("broken.yaml", []byte("version: [1\n")); len(d) != 1 {
		t.Errorf("YAML syntax error: %v", d)
	}
}

func TestExampleDeclarationsAreValid(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testutil.ModuleRoot(t), "examples", "policies", "*.yaml"))
	if len(files) < 3 {
		t.Fatalf("only %d example declarations", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if d := Lint(f, b); len(d) > 0 {
			t.Errorf("%v", d)
		}
	}
}

func TestMUDImport(t *testing.T) {
	dir := filepath.Join(testutil.SharedLists(t), "mud", "osmud")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !looksLikeMUD(b) {
			continue
		}
		d, err := Parse(f, b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		n++
		t.Logf("%s: vendor %q, %d allowed names %v", filepath.Base(f), d.Vendor, len(d.AllowedDomains), d.AllowedDomains)
		if !d.MUD || len(d.AllowedDomains) == 0 {
			t.Errorf("%s: no allowed names read", f)
		}
	}
	if n == 0 {
		t.Fatal("no MUD file read")
	}
	mud := &Declaration{MUD: true, File: "x.json", AllowedDomains: []string{"api.acme.example"}}
	fs := Check(mud, testDevice())
	var names []string
	for _, f := range fs {
		if f.Kind != KindMUD {
			t.Errorf("unexpected kind %s", f.Kind)
		}
		names = append(names, f.Destination)
	}
	if len(fs) != 7 || strings.Contains(strings.Join(names, ","), "api.acme.example") {
		t.Errorf("MUD violations = %v", names)
	}
}

func TestMatch(t *testing.T) {
	acme := parse(t, tvDecl)
	model := parse(t, strings.Replace(tvDecl, "  vendors: [Acme]\n  types: [tv]\n", "  models: [QN65]\n  vendors: [Acme]\n", 1))
	other := parse(t, strings.Replace(tvDecl, "vendors: [Acme]", "vendors: [Other]", 1))
	dev := testDevice()
	if m := Match([]*Declaration{other, acme}, dev); m != acme {
		t.Error("vendor+type declaration not matched")
	}
	dev.Identity.Model.Value = "QN65Q80C"
	if m := Match([]*Declaration{acme, model, other}, dev); m != model {
		t.Error("model-specific declaration should win")
	}
	if m := Match([]*Declaration{other}, dev); m != nil {
		t.Error("another vendor's declaration matched")
	}
}

func TestScore(t *testing.T) {
	dev := &result.Device{}
	if s := Score(dev); s.Value != 100 || s.Grade != "A" || len(s.Deductions) != 0 {
		t.Errorf("clean device: %+v", s)
	}
	add := func(kind, sev string, n int) {
		for i := 0; i < n; i++ {
			dev.Findings = append(dev.Findings, result.Finding{ID: kind + itoa(i+1), Kind: kind, Severity: sev})
		}
	}
	add("tracker-contact", "medium", 6)       // 6*5 = 30, capped at 20
	add(KindOmitted, "high", 1)               // 15
	add(KindOmitted, "low", 3)                // support omissions: free
	add("cleartext-personal-data", "info", 4) // local: free
	s := Score(dev)
	if s.Value != 100-20-15 || s.Grade != "C" {
		t.Errorf("score %d %s, want 65 C; %+v", s.Value, s.Grade, s.Deductions)
	}
	total := 0
	for _, d := range s.Deductions {
		total += d.Points
		if len(d.Finding) == 0 {
			t.Errorf("deduction without findings: %+v", d)
		}
	}
	if total != 100-s.Value {
		t.Errorf("deductions add to %d, score lost %d", total, 100-s.Value)
	}
	// More findings never raise the score.
	prev := s.Value
	add(KindIncorrect, "critical", 3)
	if s2 := Score(dev); s2.Value > prev || s2.Value != max(prev-50, 0) {
		t.Errorf("score rose or cap ignored: %d -> %d", prev, s2.Value)
	}
}

func TestDraftLints(t *testing.T) {
	dev := testDevice()
	b := Draft(dev)
	if d := Lint("draft.yaml", b); len(d) != 0 {
		t.Fatalf("draft does not lint:\n%s\n%v", b, d)
	}
	for _, want := range []string{"TO VERIFY", "Mixpanel", "Amazon Web Services", "service_providers:", "third_parties:"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("draft lacks %q:\n%s", want, b)
		}
	}
}

func FuzzLint(f *testing.F) {
	f.Add([]byte(tvDecl))
	f.Add([]byte(`{"ietf-mud:mud": {"mfg-name": "x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		Lint("f.yaml", b)
		_, _ = Parse("f.yaml", b)
	})
}

// TestScoreClassesCoverKinds: every score class a finding kind names in
// result.Kinds has points in the score table, so no kind that should
// cost points is silently free.
func TestScoreClassesCoverKinds(t *testing.T) {
	known := map[string]bool{}
	for _, c := range scoreClasses {
		known[c.name] = true
	}
	for k, info := range result.Kinds {
		if info.Class != result.ClassNone && !known[info.Class] {
			t.Errorf("kind %s counts in class %q, which the score table lacks", k, info.Class)
		}
	}
}

// An organisation's tracking hosts and its other hosts are separate
// findings, each with its own category: all of Amazon is not advertising
// because one of its hosts is.
func TestCategoryPerService(t *testing.T) {
	d := parse(t, tvDecl)
	dev := &result.Device{ID: "aa:bb:cc:00:00:02", Identity: result.Identity{Vendor: result.Field{Value: "Acme"}},
		Destinations: []result.Destination{
			dest("alexa.amazon.example", "Amazon", "service", "third"),
			dest("mads.amazon-adsystem.example", "Amazon", "advertising", "third"),
		}}
	dev.Destinations[1].IP = "203.0.113.2"
	var got []result.Finding
	ids := map[string]bool{}
	for _, f := range Check(d, dev) {
		if f.Organization == "Amazon" {
			got = append(got, f)
			if ids[f.ID] {
				t.Errorf("duplicate id %s", f.ID)
			}
			ids[f.ID] = true
		}
	}
	if len(got) != 2 {
		t.Fatalf("got %d Amazon findings, want 2: %+v", len(got), got)
	}
	for _, f := range got {
		ads := strings.Contains(f.Destination, "adsystem")
		if ads != strings.Contains(f.Message, "advertising") || strings.Contains(f.Destination, ",") {
			t.Errorf("finding mixes services: %s / %s", f.Destination, f.Message)
		}
	}
}

// TestSameOrgAsKnowledgeBase: a declared organisation compares with an
// observed one as the knowledge base normalises names (legal suffixes
// dropped), so "Tapad LLC" in a declaration is the "Tapad, Inc." the
// registry names.
func TestSameOrgAsKnowledgeBase(t *testing.T) {
	for _, tc := range []struct {
		declared, observed string
		want               bool
	}{
		{"Tapad LLC", "Tapad, Inc.", true},
		{"Google", "Google LLC", true},
		{"Comscore", "Tapad", false},
	} {
		if got := sameOrg(tc.declared, tc.observed); got != tc.want {
			t.Errorf("sameOrg(%q, %q) = %v, want %v", tc.declared, tc.observed, got, tc.want)
		}
	}
}
