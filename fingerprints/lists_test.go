package fingerprints

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
)

func TestLoadListsFromSharedSamples(t *testing.T) {
	dir := testutil.SharedLists(t)
	tests := []struct {
		file, format string
		min          int
	}{
		{"perflyst-PiHoleBlocklist/SmartTV.txt", ListHosts, 50},
		{"disconnect-tracking-protection/services.json", ListDisconnect, 1000},
		{"duckduckgo-tracker-blocklists/web/v6/extension-tds.json", ListDDG, 1000},
		{"adguard-companiesdb/dist/trackers.json", ListAdGuard, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Skipf("%s not present", tc.file)
			}
			if got := sniffList(b); got != tc.format {
				t.Errorf("sniffed %s, want %s", got, tc.format)
			}
			_, before := DefaultKB().Size()
			kb := DefaultKB().Clone()
			n, err := kb.LoadList(path, "auto", "")
			if err != nil || n < tc.min {
				t.Fatalf("loaded %d domains (%v), want at least %d", n, err, tc.min)
			}
			t.Logf("%s: %d domains", tc.file, n)
			if _, after := DefaultKB().Size(); after != before {
				t.Fatal("loading into a clone changed the default knowledge base")
			}
		})
	}
	// Spot checks derived from the files themselves.
	ddg := filepath.Join(dir, "duckduckgo-tracker-blocklists/web/v6/extension-tds.json")
	if b, err := os.ReadFile(ddg); err == nil {
		var doc struct {
			Trackers map[string]struct {
				Owner struct{ DisplayName string } `json:"owner"`
			} `json:"trackers"`
		}
		json.Unmarshal(b, &doc)
		kb := NewKB()
		kb.LoadList(ddg, "", "")
		// Every owner's domains, in a fixed order. The loader folds an owner
		// into an organisation already known by a name its own begins with
		// ("Google Ads (Google)" into "Google"), so a domain's organisation
		// is the one its owner's name resolves to, under that name.
		checked := 0
		for _, dom := range sortedMapKeys(doc.Trackers) {
			name := doc.Trackers[dom].Owner.DisplayName
			if name == "" || strings.ContainsAny(dom, "*/") {
				continue
			}
			m, ok := kb.Lookup("x." + dom)
			o, named := kb.OrgByName(name)
			if !ok || !named || m.Org != o.ID || m.Source != ddg ||
				!strings.HasPrefix(NormalizeName(name), NormalizeName(m.OrgName)) {
				t.Errorf("x.%s: %+v, want the organisation of owner %q from the list", dom, m, name)
			}
			checked++
		}
		if checked < 1000 {
			t.Errorf("%d DuckDuckGo tracker domains checked, want at least 1000", checked)
		}
		t.Logf("%d DuckDuckGo tracker domains found under their owner's organisation", checked)
		if m, _ := kb.Lookup("www.googleoptimize.com"); m.OrgName != "Google" {
			t.Errorf("googleoptimize.com (owner \"Google Ads (Google)\"): organisation %q, want Google", m.OrgName)
		}
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("# comment\n0.0.0.0 ads.example.com\n127.0.0.1 localhost\ntracker.example.net # trailing\n"), 0o644)
	kb := NewKB()
	n, err := kb.LoadList(hosts, "", CatAdvertising)
	if err != nil || n != 2 {
		t.Fatalf("hosts: %d %v", n, err)
	}
	if m, ok := kb.Lookup("a.tracker.example.net"); !ok || m.Category != CatAdvertising {
		t.Errorf("hosts entry: %+v", m)
	}
}
