package fingerprints

import (
	"bytes"
	"strings"
	"testing"
)

func TestDefaultKnowledgeLoads(t *testing.T) {
	kb := DefaultKB()
	orgs, domains := kb.Size()
	if orgs < 100 || domains < 300 || kb.Date == "" {
		t.Fatalf("knowledge base too small or undated: %d orgs, %d domains, date %q", orgs, domains, kb.Date)
	}
	t.Logf("knowledge base dated %s: %d organisations, %d domains", kb.Date, orgs, domains)
}

func TestKnowledgeRejectsBadFiles(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad category", "version: 1\norganizations:\n  - id: a\n    name: A\n    domains: {a.com: spying}\n", "unknown category"},
		{"cycle", "version: 1\norganizations:\n  - {id: a, name: A, parent: b}\n  - {id: b, name: B, parent: a}\n", "cycle"},
		{"dangling parent", "version: 1\norganizations:\n  - {id: a, name: A, parent: zz}\n", "unknown parent"},
		{"unknown field", "version: 1\norganizations:\n  - {id: a, name: A, colour: red}\n", "colour"},
		{"version", "version: 2\norganizations: []\n", "version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := NewKB().Load(strings.NewReader(tc.yaml), "t.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLookupAndParty(t *testing.T) {
	kb := DefaultKB()
	tests := []struct {
		host, vendor    string
		org, cat, party string
	}{
		{"devs.tplinkcloud.com", "tp-link", "tp-link", CatIoTCloud, PartyFirst},
		{"ad.doubleclick.net", "samsung", "google", CatAdvertising, PartyThird},
		{"ad.doubleclick.net", "nest", "google", CatAdvertising, PartyFirst},
		{"home.nest.com", "google", "nest", CatIoTCloud, PartyFirst},
		{"n-devs.us-east-1.elb.amazonaws.com", "tp-link", "aws", CatCloud, PartySupport},
		{"wyze-device-alarm-file.s3.us-west-2.amazonaws.com", "wyze", "wyze", CatIoTCloud, PartyFirst},
		{"0.pool.ntp.org", "samsung", "ntppool", CatTime, PartySupport},
		{"pixel.tapad.com", "samsung", "tapad", CatDataBroker, PartyThird},
		{"log-config.samsungacr.com", "samsung", "samsung", CatTracking, PartyFirst},
		{"unknown.example", "samsung", "", "", PartyUnclassified},
		// a category belongs to a service, not to its owner as a whole
		{"mads.amazon-adsystem.com", "tp-link", "amazon", CatAdvertising, PartyThird},
		{"alexa.amazon.com", "tp-link", "amazon", CatService, PartyThird},
		{"mobileanalytics.us-east-1.amazonaws.com", "tp-link", "aws", CatAnalytics, PartyThird},
		{"s3.us-east-1.amazonaws.com", "tp-link", "aws", CatCloud, PartySupport},
		// public time and connectivity services are support, whoever runs them
		{"time3.google.com", "tp-link", "google", CatTime, PartySupport},
		{"time.android.com", "google", "google", CatTime, PartySupport},
		{"connectivitycheck.android.com", "samsung", "google", CatConnectivity, PartySupport},
		{"ntp1.dlink.com", "d-link", "d-link", CatTime, PartySupport},
		{"ntp.homematic.com", "eq-3", "eq-3", CatTime, PartySupport},
		{"s1a.time.edu.cn", "tp-link", "cernet", CatTime, PartySupport},
		{"ntp2.unheard-of-vendor.example", "tp-link", "", CatTime, PartySupport},
		{"timeline.example.com", "tp-link", "", "", PartyUnclassified},
		{"mqtt.2030.ltsapis.goog", "tp-link", "google", CatCloud, PartySupport},
		// country variants of one service
		{"adservice.google.fr", "tp-link", "google", CatAdvertising, PartyThird},
		{"adservice.google.co.uk", "tp-link", "google", CatAdvertising, PartyThird},
		{"www.google.it", "tp-link", "google", CatService, PartyThird},
		{"www.pinterest.fr", "tp-link", "pinterest", CatSocial, PartyThird},
		// resolvers by address
		{"8.8.4.4", "tp-link", "google", CatDNS, PartySupport},
		{"208.67.222.222", "tp-link", "opendns", CatDNS, PartySupport},
		{"2606:4700:4700::1111", "tp-link", "cloudflare", CatDNS, PartySupport},
	}
	for _, tc := range tests {
		t.Run(tc.host+"/"+tc.vendor, func(t *testing.T) {
			m, _ := kb.Lookup(tc.host)
			if m.Org != tc.org || m.Category != tc.cat {
				t.Errorf("lookup = %+v, want %s/%s", m, tc.org, tc.cat)
			}
			if p := kb.Party(tc.vendor, m); p != tc.party {
				t.Errorf("party = %s, want %s", p, tc.party)
			}
		})
	}
	if m, _ := kb.Lookup("www.Example.co.UK."); m.Domain != "example.co.uk" {
		t.Errorf("registrable domain = %q", m.Domain)
	}
}

func TestPatternsAndResolvers(t *testing.T) {
	kb := NewKB()
	err := kb.Load(strings.NewReader("version: 1\norganizations:\n  - id: a\n    name: A\n    domains: {a.com: cloud, \"x.*.a.com\": analytics, \"*.*.a.com\": cdn}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{"a.com": CatCloud, "x.eu.a.com": CatAnalytics, "y.x.eu.a.com": CatAnalytics,
		"q.eu.a.com": CatCDN, "eu.a.com": CatCloud} {
		if m, ok := kb.Lookup(host); !ok || m.Category != want {
			t.Errorf("%s: %+v, want %s", host, m, want)
		}
	}
	for _, r := range publicResolvers {
		if _, ok := DefaultKB().Org(r.org); !ok {
			t.Errorf("resolver organisation %q not in the knowledge base", r.org)
		}
	}
}

func TestOrgByName(t *testing.T) {
	kb := DefaultKB()
	for name, want := range map[string]string{
		"TP-LINK TECHNOLOGIES CO.,LTD.":       "tp-link",
		"Amazon Technologies Inc.":            "amazon",
		"Samsung Electronics Co.,Ltd":         "samsung",
		"Philips Lighting BV":                 "signify",
		"Belkin International Inc.":           "belkin",
		"Sonos, Inc.":                         "sonos",
		"Espressif Inc.":                      "espressif",
		"Wyze Labs Inc":                       "wyze",
		"SAMSUNG ELECTRO-MECHANICS(THAILAND)": "samsung",
	} {
		if o, ok := kb.OrgByName(name); !ok || o.ID != want {
			t.Errorf("OrgByName(%q) = %q, want %q", name, o.ID, want)
		}
	}
	if o, ok := kb.OrgByName("Unheard Of Widgets GmbH"); ok {
		t.Errorf("matched %q", o.ID)
	}
}

// OrgByName finds the longest alias a name starts with by trying its
// words up to each space: the same organisation as the walk over every
// alias it replaced, for every name of the OUI registry and for every
// alias with words after it.
func TestOrgByNamePrefixMatchesWalk(t *testing.T) {
	kb := DefaultKB()
	walk := func(name string) (string, bool) {
		n := NormalizeName(name)
		if n == "" {
			return "", false
		}
		if id, ok := kb.aliases[n]; ok {
			return id, true
		}
		best := ""
		for a := range kb.aliases {
			if len(a) > len(best) && len(a) >= 3 && strings.HasPrefix(n, a+" ") {
				best = a
			}
		}
		if best != "" {
			return kb.aliases[best], true
		}
		return "", false
	}
	ouiOnce.Do(loadOUI)
	var names []string
	for _, n := range oui.byPrefix {
		names = append(names, n)
	}
	for a := range kb.aliases {
		names = append(names, a+" devices", a+" home systems inc", "x "+a, a+"  co")
	}
	if len(names) < 1000 {
		t.Fatalf("only %d names", len(names))
	}
	found := 0
	for _, n := range names {
		want, wok := walk(n)
		o, ok := kb.OrgByName(n)
		if ok != wok || (ok && o.ID != want) {
			t.Fatalf("OrgByName(%q) = %q %v, the walk %q %v", n, o.ID, ok, want, wok)
		}
		if ok {
			found++
		}
	}
	if found == 0 {
		t.Fatal("no name found")
	}
}

func FuzzLookup(f *testing.F) {
	f.Add("a.b.example.com")
	f.Add("..")
	f.Add("8.8.8.8")
	kb := DefaultKB()
	f.Fuzz(func(t *testing.T, host string) {
		m, ok := kb.Lookup(host)
		if ok && m.Org == "" {
			t.Fatal("match without organisation")
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	kb := DefaultKB()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		kb.Lookup("n-devs-prod-123.us-east-1.elb.amazonaws.com")
	}
}

// TestAliasesNameSomething guards against an alias that folds to nothing:
// `aliases: [Roku, Inc]` (a comma YAML took for a separator) made "Inc"
// an alias of Roku, so that every "... Inc." in a privacy policy named it.
func TestAliasesNameSomething(t *testing.T) {
	for _, o := range DefaultKB().Orgs() {
		for _, a := range append([]string{o.Name}, o.Aliases...) {
			if n := NormalizeName(a); len(n) < 2 {
				t.Errorf("%s: alias %q folds to %q, which names nothing", o.ID, a, n)
			}
		}
	}
	if o, ok := DefaultKB().OrgByName("Acme Inc"); ok {
		t.Errorf("OrgByName(\"Acme Inc\") = %s", o.ID)
	}
}

// The generated tracker file is a knowledge file of its own (known
// categories, parents that exist, no cycles: Load checks them) and the
// hand-written one wins: no hand-written name changes owner, category or
// party because of it, and its organisations name no vendor.
func TestListedKnowledge(t *testing.T) {
	listed := NewKB()
	if err := listed.LoadListed(listedKnowledge, ListedSource); err != nil {
		t.Fatal(err)
	}
	hand := NewKB()
	if err := hand.Load(bytes.NewReader(defaultKnowledge), "tattle"); err != nil {
		t.Fatal(err)
	}
	kb := DefaultKB()
	for d, e := range hand.domains {
		if m, ok := kb.Lookup(d); !ok || m.Org != e.org || m.Category != e.category || m.Source != "tattle" {
			t.Errorf("%s: hand-written %s/%s, now %+v", d, e.org, e.category, m)
		}
	}
	checked := 0
	for d, e := range listed.domains {
		if m, ok := hand.Lookup(d); ok || m.Category != "" {
			t.Errorf("%s: listed as %s/%s, but the hand-written file decides (%s/%s)", d, e.org, e.category, m.Org, m.Category)
		}
		m, ok := kb.Lookup(d)
		if !ok || m.Org != e.org || m.Source != ListedSource {
			t.Errorf("%s: listed as %s, looked up as %+v", d, e.org, m)
		}
		if o, _ := kb.Org(e.org); !IsTracker(e.category) && e.category != CatService || o.ID == "" {
			t.Errorf("%s: category %s, organisation %q", d, e.category, o.ID)
		}
		checked++
	}
	for _, o := range kb.Orgs() {
		if !o.Listed {
			continue
		}
		if got, ok := kb.OrgByName(o.Name); ok && got.ID == o.ID {
			t.Errorf("listed organisation %s (%q) is found by name", o.ID, o.Name)
		}
	}
	orgs, domains := listed.Size()
	t.Logf("generated tracker knowledge: %d organisations, %d domains, %d bytes", orgs, domains, len(listedKnowledge))
	if checked == 0 {
		t.Fatal("no listed domains")
	}
}

// tattle starts on every scan: loading both embedded files is on that path.
func BenchmarkKnowledgeLoad(b *testing.B) {
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := NewKB().Load(bytes.NewReader(defaultKnowledge), "tattle"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with-lists", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			kb := NewKB()
			if err := kb.LoadListed(listedKnowledge, ListedSource); err != nil {
				b.Fatal(err)
			}
			if err := kb.Load(bytes.NewReader(defaultKnowledge), "tattle"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEndsWithLabels checks the pattern match against splitting both
// names into labels, as suffixMatch did, also for names with empty
// labels.
func TestEndsWithLabels(t *testing.T) {
	ref := func(host string, pl []string) bool {
		hl := strings.Split(host, ".")
		tail := hl[len(hl)-len(pl):]
		for i := range pl {
			if pl[i] != "*" && pl[i] != tail[i] {
				return false
			}
		}
		return true
	}
	hosts := []string{"a", "a.com", "x.y.a.com", "x..a.com", ".a.com", "a.com.", "..", ".", "google.co.uk", "adservice.google.de", "b.x.a.com"}
	patterns := []string{"*", "*.com", "x.*.a.com", "*.*.a.com", "google.*", "google.co.*", "adservice.google.*", "*..a.com", "*.", ".*", "*.*"}
	n := 0
	for _, h := range hosts {
		for _, p := range patterns {
			pl := strings.Split(p, ".")
			if len(pl) > strings.Count(h, ".")+1 {
				continue
			}
			n++
			if got, want := endsWithLabels(h, pl), ref(h, pl); got != want {
				t.Errorf("endsWithLabels(%q, %q) = %v, want %v", h, p, got, want)
			}
		}
	}
	if n < 60 {
		t.Fatalf("only %d cases compared", n)
	}
}

// TestSuffixMatchNumeric compares suffixMatch, which looks an address's
// suffixes up among the numeric domains only and skips the patterns when
// none is numeric, with the walk over every domain and pattern, on
// addresses, names and numeric look-alikes, before and after numeric
// domains and patterns are added to a clone of the default base.
func TestSuffixMatchNumeric(t *testing.T) {
	ref := func(kb *KB, host string) (string, domainEntry, bool) {
		rule, best, labels := "", domainEntry{}, 0
		hostLabels := strings.Count(host, ".") + 1
		for h, n := host, hostLabels; h != ""; n-- {
			if e, ok := kb.domains[h]; ok {
				rule, best, labels = h, e, n
				break
			}
			i := strings.IndexByte(h, '.')
			if i < 0 {
				break
			}
			h = h[i+1:]
		}
		fromPattern := false
		for _, e := range kb.patterns {
			p, pl := e.domain, e.labels
			if len(pl) > hostLabels || len(pl) < labels || (len(pl) == labels && (!fromPattern || !morePrecise(p, rule))) {
				continue
			}
			if endsWithLabels(host, pl) {
				rule, best, labels, fromPattern = p, e.domainEntry, len(pl), true
			}
		}
		return rule, best, rule != ""
	}
	hosts := []string{"8.8.8.8", "1.1.1.1", "9.8.8.8", "8.8.8", "8.8", "8", "1.2.3.4", "10.0.0.1", "17.5.6.7", "8.8.8.8.8",
		"1..1.1", ".1.1.1", "1.1.1.", "1.1.1.1a", "a.1.1.1", "2001:db8::1", "::ffff:8.8.8.8", "www.google.com", "google.de",
		"x.y.z", "", "*", "*.8.8", "12.34.56.78", "5.6.7.8", "20.7.8.9"}
	kb := DefaultKB().Clone()
	check := func(stage string) {
		for _, h := range hosts {
			gr, ge, gok := kb.suffixMatch(h)
			wr, we, wok := ref(kb, h)
			if gr != wr || ge != we || gok != wok {
				t.Errorf("%s: suffixMatch(%q) = %q %v %v, want %q %v %v", stage, h, gr, ge, gok, wr, we, wok)
			}
		}
	}
	check("default")
	if kb.numericPattern || len(kb.numeric) == 0 {
		t.Fatalf("default base: numeric patterns %v, %d numeric domains", kb.numericPattern, len(kb.numeric))
	}
	kb.AddDomain("7.8.9", "example", CatCloud, "test")
	kb.AddDomain("56.78", "example", CatCloud, "test")
	check("numeric domains")
	kb.AddDomain("5.*.7.8", "example", CatCloud, "test")
	kb.AddDomain("*.1.1", "example", CatCloud, "test")
	if !kb.numericPattern {
		t.Fatal("numeric patterns not noticed")
	}
	check("numeric patterns")
	for _, s := range []string{"1.2", "0", "1.*", "*", "*.*"} {
		if !numericLabels(s, true) || (strings.Contains(s, "*") && numericLabels(s, false)) {
			t.Errorf("numericLabels(%q) wrong", s)
		}
	}
	for _, s := range []string{"", ".", "1.", ".1", "1..2", "1a", "**", "1*", "*1.2", "a.*"} {
		if numericLabels(s, true) {
			t.Errorf("numericLabels(%q, true) = true", s)
		}
	}
}
