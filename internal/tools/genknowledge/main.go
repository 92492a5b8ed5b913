// Command genknowledge regenerates fingerprints/data/trackers.txt, the
// tracker domains tattle embeds beside its hand-written knowledge
// (fingerprints/data/domains.yaml), from permissively licensed lists:
//
//	go run ./internal/tools/genknowledge [-lists ../shared/lists] [-out fingerprints/data/trackers.txt]
//
// It reads AdGuard companiesdb (adguard-companiesdb/dist/trackers.json and
// companies.json, CC BY-SA 4.0) and Perflyst's PiHoleBlocklist
// (perflyst-PiHoleBlocklist/android-tracking.txt and SessionReplay.txt,
// MIT). Lists whose licence forbids
// commercial use (DuckDuckGo's, Disconnect's: CC BY-NC-SA) or asks for
// share-alike of a database (Fingerbank, ODbL) are never read here; users
// pass them with tattle scan --list.
//
// What is imported, and why (the rules, not the file, decide):
//
//   - Only tracker categories: AdGuard's advertising and pornvertising
//     (advertising), site_analytics and mobile_analytics (analytics),
//     telemetry (tracking). Its cdn, hosting, essential, misc, social,
//     audio/video, customer-interaction and other categories say what a
//     web page embeds, not that a host watches anyone.
//   - The hand-written file wins: a name it classifies, or a domain above
//     one of its entries (android.com above connectivitycheck.android.com),
//     is left to it, so no list changes a hand-written owner, category or
//     party (tattle also loads the generated file first).
//   - Owners are matched to hand-written organisations by normalised name:
//     the tracker's, then its company's. An organisation the hand-written
//     file knows gets domains from a list only when that file calls its
//     business tracking (its default category is advertising, analytics,
//     tracking or data-broker). AdGuard files platforms' own services under
//     their trackers (google.de under Google's advertising, aibixby.com and
//     samsungdm.com under Samsung's mobile analytics); which of Google's or
//     Samsung's domains track is the hand-written file's call.
//   - mobile_analytics and telemetry of a company that makes hardware (its
//     name is in the IEEE OUI registry) are left out: AdGuard files device
//     makers' clouds there (OPPO's heytapdl.com downloads, Qualcomm's GPS
//     assistance servers).
//   - A company AdGuard files a CDN or hosting tracker under (Akamai,
//     Sina, Shopify, Wix) runs infrastructure for others: none of its
//     domains is imported. A few it files under tracker categories only
//     are named in infrastructure below, each with the public fact.
//   - The web site of a company whose trackers have domains of their own
//     (ebay.com, hubspot.com, xing.com) is its front door: it is kept, with
//     its owner, as a service, not a tracker. So are a few consumer
//     services named in consumerServices below (eBay's shop domains), whose
//     site AdGuard gives elsewhere; domains whose AdGuard owner is stale
//     (staleOwners: weather.com) are left out.
//   - Perflyst's lists say a host is blocked, not who owns it: a host is
//     imported, as tracking (session replay: analytics), only where AdGuard names the owner of its
//     domain and that owner passes the rules above; a host under a CDN or
//     hosting domain (cloudfront.net, akamaihd.net) is someone's rented
//     name and is left out.
//
// The output is sorted, and dated by AdGuard's timeUpdated, so the same
// lists give the same bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/net/publicsuffix"

	"go.yaml.in/yaml/v3"

	"github.com/tattle-audit/tattle/fingerprints"
)

func main() {
	lists := flag.String("lists", "../shared/lists", "directory holding adguard-companiesdb and perflyst-PiHoleBlocklist")
	known := flag.String("knowledge", "fingerprints/data/domains.yaml", "hand-written knowledge, which wins")
	oui := flag.String("oui", "fingerprints/data/oui.tsv.gz", "embedded OUI registry (hardware makers)")
	out := flag.String("out", "fingerprints/data/trackers.txt", "output file")
	flag.Parse()
	in, err := ReadInputs(*lists, *known, *oui)
	if err == nil {
		var b []byte
		var st Stats
		if b, st, err = Generate(in); err == nil {
			err = os.WriteFile(*out, b, 0o644)
			fmt.Fprintln(os.Stderr, st)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genknowledge:", err)
		os.Exit(1)
	}
}

// Inputs are the files Generate reads.
type Inputs struct {
	Trackers, Companies []byte            // AdGuard companiesdb dist/trackers.json, dist/companies.json
	Perflyst            map[string][]byte // Perflyst list file name -> content
	HandWritten         []byte            // fingerprints/data/domains.yaml
	OUI                 []byte            // fingerprints/data/oui.tsv.gz
}

// perflystLists are the Perflyst lists read, with the category their
// titles give every entry: Android apps' tracking SDKs and session-replay
// scripts. Its SmartTV.txt and AmazonFireTV.txt are not read: they block
// a TV's own services too (updates, app stores, XMPP), and say so.
var perflystLists = []struct{ file, category string }{
	{"android-tracking.txt", fingerprints.CatTracking},
	{"SessionReplay.txt", fingerprints.CatAnalytics},
}

// ReadInputs reads the lists from dir and the two committed files.
func ReadInputs(dir, handWritten, oui string) (Inputs, error) {
	var in Inputs
	var err error
	read := func(p string) []byte {
		if err != nil {
			return nil
		}
		var b []byte
		b, err = os.ReadFile(p)
		return b
	}
	in.Trackers = read(filepath.Join(dir, "adguard-companiesdb", "dist", "trackers.json"))
	in.Companies = read(filepath.Join(dir, "adguard-companiesdb", "dist", "companies.json"))
	in.Perflyst = map[string][]byte{}
	for _, l := range perflystLists {
		in.Perflyst[l.file] = read(filepath.Join(dir, "perflyst-PiHoleBlocklist", l.file))
	}
	in.HandWritten = read(handWritten)
	in.OUI = read(oui)
	return in, err
}

// Stats counts what was imported and what was left out, by rule.
type Stats struct {
	Orgs, Domains, MappedOrgs                         int
	Category, HandWritten, KnownOrg, Maker, NotDomain int
	Site, Infra, Stale                                int
	PerflystAdded, PerflystNoOwner, PerflystRented    int
}

func (s Stats) String() string {
	return fmt.Sprintf("%d organisations (%d of them hand-written ones), %d domains; left out: %d not a tracker category, %d the hand-written file's, %d of a hand-written non-tracker organisation, %d analytics/telemetry of a hardware maker, %d of a CDN or hosting company, %d not a registrable name, %d with a stale owner; %d companies' own web sites kept as service; Perflyst: %d hosts added, %d with no owner named, %d rented names on a CDN or host",
		s.Orgs, s.MappedOrgs, s.Domains, s.Category, s.HandWritten, s.KnownOrg, s.Maker, s.Infra, s.NotDomain, s.Stale, s.Site, s.PerflystAdded, s.PerflystNoOwner, s.PerflystRented)
}

// infrastructure are companies (or single trackers) AdGuard files under
// a tracker category whose business is serving others' content or logins
// (found by hand checks of the names the lists classified).
var infrastructure = map[string]string{
	"highwinds":           "a CDN (hwcdn.net), part of StackPath",
	"squarespace.com":     "web site hosting",
	"auth0":               "a login service (Okta)",
	"adobe_dynamic_media": "Adobe's image and video serving for its customers (Scene7), filed under advertising",
}

// consumerServices are whole registrable domains of consumer services
// that AdGuard files under a tracker whose web site is elsewhere, so the
// web-site rule misses them (found by hand checks); they are kept, as
// services, because their owner is right.
var consumerServices = map[string]string{
	"orange.fr":      "Orange's French consumer portal and ISP services (AdGuard's Orange tracker names orange.co.uk)",
	"ebay.de":        "eBay's German shop",
	"ebayimg.com":    "eBay's listing images",
	"ebaystatic.com": "eBay's page assets",
	"ebaydesc.com":   "eBay's listing descriptions",
}

// staleOwners are trackers whose AdGuard company no longer owns them:
// their domains are left out, since a wrong owner is worse than none.
var staleOwners = map[string]string{
	"the_weather_company":     "The Weather Company (weather.com, whose forecasts TVs, speakers and thermostats query), filed under IBM, which sold it to Francisco Partners in 2024",
	"ibm_customer_experience": "IBM Digital Analytics (Coremetrics), sold with IBM's marketing software to Acoustic in 2019",
}

// trackerCategory maps an AdGuard category to tattle's, "" for those not
// imported.
func trackerCategory(c string) string {
	switch c {
	case "advertising", "pornvertising":
		return fingerprints.CatAdvertising
	case "site_analytics", "mobile_analytics":
		return fingerprints.CatAnalytics
	case "telemetry":
		return fingerprints.CatTracking
	}
	return ""
}

type adTracker struct {
	Name       string `json:"name"`
	CategoryID *int   `json:"categoryId"`
	URL        string `json:"url"`
	CompanyID  string `json:"companyId"`
}

// owner is who AdGuard says a tracker belongs to: its company, or the
// tracker itself when it names none.
type owner struct {
	key, name  string
	trackerID  string
	tracker    string          // the tracker's own name (a product: "Adjust", "Yahoo!")
	adCategory string          // AdGuard's category of the tracker
	category   string          // tattle's, "" when not a tracker category
	sites      map[string]bool // registrable domains of the tracker's and company's web sites
	domains    int             // how many registrable domains the company's trackers use
	infra      bool            // the company runs a CDN or hosting
}

type generator struct {
	hand      *fingerprints.KB
	handOrgs  map[string]fingerprints.Org // id -> hand-written organisation
	handNames map[string]string           // normalised name, alias or id -> hand-written id
	above     map[string]bool             // proper suffixes of hand-written domain entries
	patterns  []string                    // hand-written entries with "*" labels
	makers    map[string]bool             // normalised OUI organisation names
	orgs      map[string]*fingerprints.Org
	st        Stats
}

// Generate returns the generated knowledge file and what it left out.
func Generate(in Inputs) ([]byte, Stats, error) {
	g := &generator{hand: fingerprints.NewKB(), handOrgs: map[string]fingerprints.Org{}, handNames: map[string]string{},
		above: map[string]bool{}, makers: map[string]bool{}, orgs: map[string]*fingerprints.Org{}}
	if err := g.readHandWritten(in.HandWritten); err != nil {
		return nil, g.st, err
	}
	if err := g.readOUI(in.OUI); err != nil {
		return nil, g.st, err
	}
	var doc struct {
		TimeUpdated    string               `json:"timeUpdated"`
		Categories     map[string]string    `json:"categories"`
		Trackers       map[string]adTracker `json:"trackers"`
		TrackerDomains map[string]string    `json:"trackerDomains"`
	}
	if err := json.Unmarshal(in.Trackers, &doc); err != nil {
		return nil, g.st, fmt.Errorf("trackers.json: %w", err)
	}
	var companies struct {
		Companies map[string]struct {
			Name       string `json:"name"`
			WebsiteURL string `json:"websiteUrl"`
		} `json:"companies"`
	}
	if err := json.Unmarshal(in.Companies, &companies); err != nil {
		return nil, g.st, fmt.Errorf("companies.json: %w", err)
	}
	if len(doc.TimeUpdated) < 10 || len(doc.TrackerDomains) == 0 {
		return nil, g.st, fmt.Errorf("trackers.json: no timeUpdated or no trackerDomains")
	}
	// The registrable domains each company's (or company-less tracker's)
	// trackers use.
	used := map[string]map[string]bool{}
	for dom, id := range doc.TrackerDomains {
		key := id
		if t, ok := doc.Trackers[id]; ok && t.CompanyID != "" {
			key = t.CompanyID
		}
		if d, err := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(dom)); err == nil {
			if used[key] == nil {
				used[key] = map[string]bool{}
			}
			used[key][d] = true
		}
	}
	infra := map[string]bool{}
	for id, t := range doc.Trackers {
		key := id
		if t.CompanyID != "" {
			key = t.CompanyID
		}
		if t.CategoryID != nil {
			if c := doc.Categories[fmt.Sprint(*t.CategoryID)]; c == "cdn" || c == "hosting" {
				infra[key] = true
			}
		}
	}
	for k := range infrastructure {
		infra[k] = true
	}
	ownerOf := func(trackerID string) (owner, bool) {
		t, ok := doc.Trackers[trackerID]
		if !ok {
			return owner{}, false
		}
		o := owner{key: trackerID, name: t.Name, trackerID: trackerID, tracker: t.Name, sites: map[string]bool{}}
		site(o.sites, t.URL)
		if c, ok := companies.Companies[t.CompanyID]; ok && c.Name != "" {
			o.key, o.name = t.CompanyID, c.Name
			site(o.sites, c.WebsiteURL)
		}
		k := trackerID
		if t.CompanyID != "" {
			k = t.CompanyID
		}
		o.domains, o.infra = len(used[k]), infra[k] || infra[trackerID]
		if t.CategoryID != nil {
			o.adCategory = doc.Categories[fmt.Sprint(*t.CategoryID)]
		}
		o.category = trackerCategory(o.adCategory)
		return o, true
	}
	for _, dom := range sortedKeys(doc.TrackerDomains) {
		o, ok := ownerOf(doc.TrackerDomains[dom])
		if !ok {
			continue
		}
		if o.category == "" {
			g.st.Category++
			continue
		}
		g.add(dom, o, o.category)
	}
	// Perflyst: hosts whose owner AdGuard names.
	adOwner := func(host string) (owner, bool) {
		for h := host; ; {
			if id, ok := doc.TrackerDomains[h]; ok {
				return ownerOf(id)
			}
			i := strings.IndexByte(h, '.')
			if i < 0 {
				return owner{}, false
			}
			h = h[i+1:]
		}
	}
	for _, l := range perflystLists {
		for _, host := range hosts(in.Perflyst[l.file]) {
			if g.handWritten(host) {
				g.st.HandWritten++
				continue
			}
			o, ok := adOwner(host)
			switch {
			case !ok:
				g.st.PerflystNoOwner++
				continue
			case o.adCategory == "cdn" || o.adCategory == "hosting":
				g.st.PerflystRented++
				continue
			case o.category != "":
				continue // the AdGuard entry above it says as much
			}
			if g.add(host, o, l.category) {
				g.st.PerflystAdded++
			}
		}
	}
	return g.render(doc.TimeUpdated[:10]), g.st, nil
}

// site adds the registrable domain of a web site's address.
func site(set map[string]bool, url string) {
	h := strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://")
	if i := strings.IndexAny(h, "/:?#"); i >= 0 {
		h = h[:i]
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(h)); err == nil {
		set[d] = true
	}
}

func (g *generator) readHandWritten(b []byte) error {
	if err := g.hand.Load(bytes.NewReader(b), "tattle"); err != nil {
		return err
	}
	var f fingerprints.KnowledgeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return err
	}
	for _, o := range f.Organizations {
		g.handOrgs[o.ID] = o
		for _, n := range append([]string{o.ID, o.Name}, o.Aliases...) {
			g.handNames[fingerprints.NormalizeName(n)] = o.ID
		}
		for d := range o.Domains {
			d = strings.ToLower(d)
			if strings.Contains(d, "*") {
				g.patterns = append(g.patterns, d)
				continue
			}
			for i := strings.IndexByte(d, '.'); i >= 0; i = strings.IndexByte(d, '.') {
				d = d[i+1:]
				g.above[d] = true
			}
		}
	}
	sort.Strings(g.patterns)
	return nil
}

func (g *generator) readOUI(b []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("oui: %w", err)
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if _, org, ok := strings.Cut(sc.Text(), "\t"); ok {
			g.makers[fingerprints.NormalizeName(org)] = true
		}
	}
	return sc.Err()
}

// maker reports whether a company name is, or begins, the name of an
// organisation in the OUI registry ("OPPO" and "OPPO Digital").
func (g *generator) maker(names ...string) bool {
	for _, n := range names {
		n = fingerprints.NormalizeName(n)
		if len(n) < 3 {
			continue
		}
		if g.makers[n] {
			return true
		}
		for m := range g.makers {
			if strings.HasPrefix(m, n+" ") {
				return true
			}
		}
	}
	return false
}

// handWritten reports whether the hand-written file decides about a name:
// it classifies it (a domain, a pattern or a public-service name), or has
// an entry beneath it.
func (g *generator) handWritten(d string) bool {
	if m, ok := g.hand.Lookup(d); ok || m.Category != "" {
		return true
	}
	if g.above[d] {
		return true
	}
	dl := strings.Split(d, ".")
	for _, p := range g.patterns {
		pl := strings.Split(p, ".")
		if len(pl) <= len(dl) {
			continue
		}
		tail, ok := pl[len(pl)-len(dl):], true
		for i := range dl {
			if tail[i] != "*" && tail[i] != dl[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// add records dom, a tracker of category for the owner AdGuard names,
// under the rules of the package comment; it reports whether dom was
// added.
func (g *generator) add(dom string, ow owner, category string) bool {
	d, ok := cleanDomain(dom)
	if !ok {
		g.st.NotDomain++
		return false
	}
	if g.handWritten(d) {
		g.st.HandWritten++
		return false
	}
	if _, ok := staleOwners[ow.trackerID]; ok {
		g.st.Stale++
		return false
	}
	// The tracker's own name first: a product the hand-written file knows
	// by name (Adjust, Yahoo!) is that organisation, whoever owns it now.
	var id string
	known := false
	for _, n := range []string{ow.tracker, ow.name, ow.key} {
		if id, known = g.handNames[fingerprints.NormalizeName(n)]; known {
			break
		}
	}
	if ow.infra {
		g.st.Infra++
		return false
	}
	if known && !fingerprints.IsTracker(g.handOrgs[id].Category) {
		g.st.KnownOrg++
		return false
	}
	if (ow.adCategory == "mobile_analytics" || ow.adCategory == "telemetry") && !known && g.maker(ow.name, ow.key) {
		g.st.Maker++
		return false
	}
	if _, ok := consumerServices[d]; ok || (ow.sites[d] && ow.domains > 1) {
		// The web site of a company whose trackers have domains of their
		// own (ebay.com, xing.com, hubspot.com) is its front door: who
		// owns it is a fact, that it is a tracker is not.
		category = fingerprints.CatService
		g.st.Site++
	}
	if !known {
		id = orgID(ow.key)
		if _, clash := g.handOrgs[id]; clash {
			id = "adguard-" + id
		}
	}
	o := g.orgs[id]
	if o == nil {
		o = &fingerprints.Org{ID: id, Name: ow.name, Category: ow.category, Domains: map[string]string{}}
		if o.Category == "" {
			o.Category = category
		}
		if known {
			o.Name = g.handOrgs[id].Name
			o.Category = g.handOrgs[id].Category
			g.st.MappedOrgs++
		}
		g.orgs[id] = o
		g.st.Orgs++
	}
	if _, dup := o.Domains[d]; !dup {
		g.st.Domains++
	}
	o.Domains[d] = category
	return true
}

func (g *generator) render(date string) []byte {
	var buf bytes.Buffer
	buf.WriteString(header)
	fmt.Fprintf(&buf, "date %s\n", date)
	for _, id := range sortedKeys(g.orgs) {
		o := g.orgs[id]
		fmt.Fprintf(&buf, "@%s %s %s\n", o.ID, o.Category, strings.Join(strings.Fields(o.Name), " "))
		for _, d := range sortedKeys(o.Domains) {
			if c := o.Domains[d]; c != o.Category {
				fmt.Fprintf(&buf, "%s %s\n", d, c)
			} else {
				fmt.Fprintf(&buf, "%s\n", d)
			}
		}
	}
	return buf.Bytes()
}

const header = `# Tracker domains for tattle, generated by go run ./internal/tools/genknowledge from permissively
# licensed lists; do not edit (fix the rules in internal/tools/genknowledge instead). tattle loads this
# file before the hand-written fingerprints/data/domains.yaml, which wins on every name it knows.
# Format (a compact form of domains.yaml, read in a millisecond): "date YYYY-MM-DD"; "@ID CATEGORY NAME"
# starts an organisation (CATEGORY its default); each following line is a domain it owns (and its
# subdomains), with its category when not the default.
#
# Sources:
# - AdGuard companiesdb, https://github.com/AdguardTeam/companiesdb (dist/trackers.json, dist/companies.json),
#   Copyright AdGuard Software Ltd and contributors, licensed under the Creative Commons
#   Attribution-ShareAlike 4.0 International licence, https://creativecommons.org/licenses/by-sa/4.0/.
#   Changes made: only its tracker categories are kept, mapped to tattle's (advertising and pornvertising:
#   advertising; site_analytics and mobile_analytics: analytics; telemetry: tracking), owners matched to
#   tattle's organisations by name, and domains tattle's own knowledge decides about left out.
# - Perflyst PiHoleBlocklist, https://github.com/Perflyst/PiHoleBlocklist (android-tracking.txt,
#   SessionReplay.txt), Copyright (c) 2018 Perflyst, MIT licence: "Permission is
#   hereby granted, free of charge, to any person obtaining a copy of this software and associated
#   documentation files (the "Software"), to deal in the Software without restriction, including without
#   limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
#   of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
#   following conditions: The above copyright notice and this permission notice shall be included in all
#   copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF
#   ANY KIND." Its hosts are kept only where AdGuard names their owner.
#
# As an adaptation of AdGuard companiesdb, this file is licensed under CC BY-SA 4.0; the rest of tattle
# keeps its own licence.
`

// orgID makes an organisation id of an AdGuard key.
func orgID(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, key)
}

func cleanDomain(d string) (string, bool) {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" || strings.ContainsAny(d, " /\\*:_") || !strings.Contains(d, ".") {
		return "", false
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return "", false
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil {
		return "", false // a public suffix itself (com.au, cloudfront.net)
	}
	return d, true
}

// hosts reads a hosts file or plain domain list.
func hosts(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		h := f[0]
		if _, err := netip.ParseAddr(h); err == nil && len(f) > 1 {
			h = f[1]
		}
		if d, ok := cleanDomain(h); ok {
			out = append(out, d)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
