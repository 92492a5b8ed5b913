package fingerprints

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
)

// List formats LoadList reads. "auto" recognises them by content.
const (
	ListHosts      = "hosts"      // hosts files and plain domain lists
	ListDisconnect = "disconnect" // Disconnect services.json / entities.json
	ListDDG        = "ddg"        // DuckDuckGo tracker blocklist (tds.json)
	ListAdGuard    = "adguard"    // AdGuard companiesdb trackers.json
)

// LoadList adds a list the user supplies (tattle never downloads one) to
// the knowledge base. Its entries override the embedded ones for the same
// domain and are recorded with the file as their source. category applies
// to hosts files (default "tracking"); the other formats carry their own.
// It returns the number of domains added.
func (kb *KB) LoadList(path, format, category string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("fingerprints: %w", err)
	}
	if format == "" || format == "auto" {
		format = sniffList(data)
	}
	if category == "" {
		category = CatTracking
	}
	if !validCategory(category) {
		return 0, fmt.Errorf("fingerprints: %s: unknown category %q", path, category)
	}
	switch format {
	case ListHosts:
		return kb.loadHosts(path, data, category)
	case ListDisconnect:
		return kb.loadDisconnect(path, data)
	case ListDDG:
		return kb.loadDDG(path, data)
	case ListAdGuard:
		return kb.loadAdGuard(path, data)
	}
	return 0, fmt.Errorf("fingerprints: %s: unknown list format %q", path, format)
}

func sniffList(b []byte) string {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		return ListHosts
	}
	head := t[:min(len(t), 4096)]
	switch {
	case bytes.Contains(t, []byte(`"trackerDomains"`)):
		return ListAdGuard
	case bytes.Contains(head, []byte(`"_builtWith"`)) || (bytes.Contains(t, []byte(`"trackers"`)) && bytes.Contains(t, []byte(`"owner"`))):
		return ListDDG
	case bytes.Contains(head, []byte("Disconnect")) || bytes.Contains(t, []byte(`"categories"`)) || bytes.Contains(t, []byte(`"entities"`)):
		return ListDisconnect
	}
	return "unknown"
}

// userOrg returns the id of the organisation a list names: the embedded
// one when the name matches it (so parents still apply), else a new one.
func (kb *KB) userOrg(name, category, source string) string {
	if o, ok := kb.OrgByName(name); ok {
		return o.ID
	}
	id := "list:" + NormalizeName(name)
	if _, ok := kb.orgs[id]; !ok {
		kb.AddOrg(Org{ID: id, Name: name, Category: category}, source)
	}
	return id
}

func cleanDomain(d string) (string, bool) {
	d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(d, "*."), ".")))
	d = strings.TrimSuffix(d, ".")
	if d == "" || strings.ContainsAny(d, " /\\*:") || !strings.Contains(d, ".") {
		return "", false
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", false
	}
	return d, true
}

func (kb *KB) loadHosts(path string, data []byte, category string) (int, error) {
	org := kb.userOrg("listed in "+path, category, path)
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		d := f[0]
		if len(f) >= 2 {
			if _, err := netip.ParseAddr(f[0]); err == nil {
				d = f[1] // hosts file: address, then name
			}
		}
		if d, ok := cleanDomain(d); ok && d != "localhost" {
			kb.AddDomain(d, org, category, path)
			n++
		}
	}
	return n, sc.Err()
}

// disconnectCategory maps Disconnect's categories to tattle's.
func disconnectCategory(c string) string {
	switch strings.ToLower(c) {
	case "advertising":
		return CatAdvertising
	case "analytics", "anti-fraud":
		return CatAnalytics
	case "social":
		return CatSocial
	case "content":
		return CatContent
	case "consentmanagers":
		return CatService
	}
	return CatTracking // Email, EmailAggressive, Fingerprinting*, Cryptomining
}

func (kb *KB) loadDisconnect(path string, data []byte) (int, error) {
	var doc struct {
		Categories map[string][]map[string]map[string]any `json:"categories"`
		Entities   map[string]struct {
			Properties []string `json:"properties"`
			Resources  []string `json:"resources"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return 0, fmt.Errorf("fingerprints: %s: %w", path, err)
	}
	n := 0
	cats := sortedMapKeys(doc.Categories)
	for _, cat := range cats {
		for _, svc := range doc.Categories[cat] {
			for _, name := range sortedMapKeys(svc) {
				c := disconnectCategory(cat)
				org := kb.userOrg(name, c, path)
				for _, v := range svc[name] {
					list, _ := v.([]any)
					for _, x := range list {
						if s, ok := x.(string); ok {
							if d, ok := cleanDomain(s); ok {
								kb.AddDomain(d, org, c, path)
								n++
							}
						}
					}
				}
			}
		}
	}
	for _, name := range sortedMapKeys(doc.Entities) {
		e := doc.Entities[name]
		org := kb.userOrg(name, CatTracking, path)
		for _, s := range append(append([]string{}, e.Properties...), e.Resources...) {
			d, ok := cleanDomain(s)
			if !ok {
				continue
			}
			if m, known := kb.Lookup(d); known && m.Rule == d {
				continue // an entity list says who owns a domain, not what it is for
			}
			kb.AddDomain(d, org, CatService, path)
			n++
		}
	}
	return n, nil
}

func ddgCategory(cats []string) string {
	for _, c := range cats {
		switch strings.ToLower(c) {
		case "advertising", "ad motivated tracking", "ad fraud":
			return CatAdvertising
		case "analytics", "audience measurement", "third-party analytics marketing", "session replay", "action pixels":
			return CatAnalytics
		case "social network", "social - comment", "social - share":
			return CatSocial
		case "cdn":
			return CatCDN
		case "embedded content", "online payment":
			return CatContent
		}
	}
	return CatTracking
}

func (kb *KB) loadDDG(path string, data []byte) (int, error) {
	var doc struct {
		Trackers map[string]struct {
			Domain string `json:"domain"`
			Owner  struct {
				Name        string `json:"name"`
				DisplayName string `json:"displayName"`
			} `json:"owner"`
			Categories []string `json:"categories"`
		} `json:"trackers"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return 0, fmt.Errorf("fingerprints: %s: %w", path, err)
	}
	n := 0
	for _, dom := range sortedMapKeys(doc.Trackers) {
		t := doc.Trackers[dom]
		name := t.Owner.DisplayName
		if name == "" {
			name = t.Owner.Name
		}
		if name == "" {
			name = dom
		}
		c := ddgCategory(t.Categories)
		if d, ok := cleanDomain(dom); ok {
			kb.AddDomain(d, kb.userOrg(name, c, path), c, path)
			n++
		}
	}
	return n, nil
}

func adguardCategory(name string) string {
	switch name {
	case "advertising":
		return CatAdvertising
	case "site_analytics", "customer_interaction":
		return CatAnalytics
	case "social_media":
		return CatSocial
	case "cdn", "hosting":
		return CatCDN
	case "audio_video_player", "comments", "adult_advertising":
		return CatContent
	case "essential", "misc", "utilities", "extensions":
		return CatService
	}
	return CatTracking
}

func (kb *KB) loadAdGuard(path string, data []byte) (int, error) {
	var doc struct {
		Categories map[string]string `json:"categories"`
		Trackers   map[string]struct {
			Name       string `json:"name"`
			CategoryID int    `json:"categoryId"`
			CompanyID  string `json:"companyId"`
		} `json:"trackers"`
		TrackerDomains map[string]string `json:"trackerDomains"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return 0, fmt.Errorf("fingerprints: %s: %w", path, err)
	}
	n := 0
	for _, dom := range sortedMapKeys(doc.TrackerDomains) {
		t, ok := doc.Trackers[doc.TrackerDomains[dom]]
		if !ok {
			continue
		}
		c := adguardCategory(doc.Categories[fmt.Sprint(t.CategoryID)])
		owner := t.CompanyID
		if owner == "" {
			owner = t.Name
		}
		if d, ok := cleanDomain(dom); ok {
			kb.AddDomain(d, kb.userOrg(owner, c, path), c, path)
			n++
		}
	}
	return n, nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
