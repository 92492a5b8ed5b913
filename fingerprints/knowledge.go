package fingerprints

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/publicsuffix"
)

// Categories of destinations.
const (
	CatIoTCloud     = "iot-cloud"
	CatCloud        = "cloud"
	CatCDN          = "cdn"
	CatDNS          = "dns"
	CatTime         = "time"
	CatAdvertising  = "advertising"
	CatAnalytics    = "analytics"
	CatTracking     = "tracking"
	CatCrash        = "crash-reporting"
	CatSocial       = "social"
	CatDataBroker   = "data-broker"
	CatPayment      = "payment"
	CatContent      = "content"
	CatConnectivity = "connectivity-check"
	CatUpdate       = "software-update"
	CatService      = "service"
)

// Categories lists every category a knowledge file may use.
var Categories = []string{CatIoTCloud, CatCloud, CatCDN, CatDNS, CatTime, CatAdvertising, CatAnalytics, CatTracking,
	CatCrash, CatSocial, CatDataBroker, CatPayment, CatContent, CatConnectivity, CatUpdate, CatService}

// IsTracker reports whether a category is about watching users:
// advertising, analytics, tracking, data brokers.
func IsTracker(cat string) bool {
	switch cat {
	case CatAdvertising, CatAnalytics, CatTracking, CatDataBroker:
		return true
	}
	return false
}

// IsSupport reports whether a category is infrastructure a vendor uses to
// run its service (and so a support party, whoever owns it).
func IsSupport(cat string) bool {
	switch cat {
	case CatCloud, CatCDN, CatDNS, CatTime, CatConnectivity:
		return true
	}
	return false
}

// Org is an organisation of the knowledge base.
type Org struct {
	ID       string            `yaml:"id"`
	Name     string            `yaml:"name"`
	Parent   string            `yaml:"parent,omitempty"`
	Aliases  []string          `yaml:"aliases,omitempty"`
	Category string            `yaml:"category,omitempty"`
	Domains  map[string]string `yaml:"domains,omitempty"`
	// Brands are organisations whose brand this one sells its products
	// under, by licence (Signify's Hue is "Philips Hue"): for this
	// organisation's devices the brand owner's services are the vendor's
	// own, a first party.
	Brands []string `yaml:"brands,omitempty"`
}

// KnowledgeFile is the YAML layout of a knowledge file.
type KnowledgeFile struct {
	Version       int    `yaml:"version"`
	Date          string `yaml:"date"`
	Organizations []Org  `yaml:"organizations"`
}

// Match is what the knowledge base says about a host.
type Match struct {
	Org        string // organisation id
	OrgName    string
	Parent     string // ultimate owner id
	ParentName string
	Category   string
	Domain     string // registrable domain (eTLD+1) of the host
	Rule       string // the domain entry that matched
	Source     string // where the entry came from ("tattle" or a user list path)
}

type domainEntry struct {
	org      string
	category string
	source   string
}

// KB is the destination knowledge base.
type KB struct {
	Date    string
	orgs    map[string]*Org
	domains map[string]domainEntry
	aliases map[string]string // normalised alias -> org id
	sources map[string]string // org id -> source
	// patterns are domain entries with "*" labels
	// ("mobileanalytics.*.amazonaws.com"): each "*" stands for one label.
	patterns map[string]domainEntry
}

//go:embed data/domains.yaml
var defaultKnowledge []byte

var (
	defaultKB     *KB
	defaultKBErr  error
	defaultKBOnce sync.Once
)

// DefaultKB returns the embedded knowledge base. It is parsed once; a
// parse failure is a bug caught by the package tests.
func DefaultKB() *KB {
	defaultKBOnce.Do(func() {
		defaultKB = NewKB()
		defaultKBErr = defaultKB.Load(bytes.NewReader(defaultKnowledge), "tattle")
	})
	if defaultKBErr != nil {
		panic("fingerprints: embedded knowledge: " + defaultKBErr.Error())
	}
	return defaultKB
}

// NewKB returns an empty knowledge base.
func NewKB() *KB {
	return &KB{orgs: map[string]*Org{}, domains: map[string]domainEntry{}, aliases: map[string]string{}, sources: map[string]string{},
		patterns: map[string]domainEntry{}}
}

// Clone returns a copy that can take user lists without changing kb.
func (kb *KB) Clone() *KB {
	c := NewKB()
	c.Date = kb.Date
	for k, v := range kb.orgs {
		o := *v
		c.orgs[k] = &o
	}
	for k, v := range kb.domains {
		c.domains[k] = v
	}
	for k, v := range kb.aliases {
		c.aliases[k] = v
	}
	for k, v := range kb.sources {
		c.sources[k] = v
	}
	for k, v := range kb.patterns {
		c.patterns[k] = v
	}
	return c
}

// Load adds a knowledge file (the format of data/domains.yaml). Later
// entries override earlier ones for the same domain.
func (kb *KB) Load(r io.Reader, source string) error {
	var f KnowledgeFile
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("fingerprints: %s: %w", source, err)
	}
	if f.Version != 1 {
		return fmt.Errorf("fingerprints: %s: unsupported knowledge version %d", source, f.Version)
	}
	if kb.Date == "" || f.Date > kb.Date {
		kb.Date = f.Date
	}
	for i := range f.Organizations {
		o := f.Organizations[i]
		if o.ID == "" || o.Name == "" {
			return fmt.Errorf("fingerprints: %s: organisation %d without id or name", source, i)
		}
		if o.Category != "" && !validCategory(o.Category) {
			return fmt.Errorf("fingerprints: %s: %s: unknown category %q", source, o.ID, o.Category)
		}
		kb.AddOrg(o, source)
		for d, cat := range o.Domains {
			if !validCategory(cat) {
				return fmt.Errorf("fingerprints: %s: %s: unknown category %q", source, d, cat)
			}
			kb.AddDomain(d, o.ID, cat, source)
		}
	}
	return kb.check()
}

func validCategory(c string) bool {
	for _, x := range Categories {
		if x == c {
			return true
		}
	}
	return false
}

// check rejects parent cycles and dangling parents.
func (kb *KB) check() error {
	for id, o := range kb.orgs {
		seen := map[string]bool{id: true}
		for p := o.Parent; p != ""; {
			po, ok := kb.orgs[p]
			if !ok {
				return fmt.Errorf("fingerprints: %s: unknown parent %q", id, p)
			}
			if seen[p] {
				return fmt.Errorf("fingerprints: %s: parent cycle through %q", id, p)
			}
			seen[p] = true
			p = po.Parent
		}
		for _, b := range o.Brands {
			if _, ok := kb.orgs[b]; !ok {
				return fmt.Errorf("fingerprints: %s: unknown brand %q", id, b)
			}
		}
	}
	return nil
}

// AddOrg adds or replaces an organisation.
func (kb *KB) AddOrg(o Org, source string) {
	if prev, ok := kb.orgs[o.ID]; ok && o.Parent == "" {
		o.Parent = prev.Parent
	}
	o.Domains = nil
	kb.orgs[o.ID] = &o
	kb.sources[o.ID] = source
	kb.aliases[NormalizeName(o.Name)] = o.ID
	kb.aliases[NormalizeName(o.ID)] = o.ID
	for _, a := range o.Aliases {
		kb.aliases[NormalizeName(a)] = o.ID
	}
}

// AddDomain maps a domain (and its subdomains) to an organisation. A "*"
// label in domain matches any one label.
func (kb *KB) AddDomain(domain, org, category, source string) {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	e := domainEntry{org: org, category: category, source: source}
	if strings.Contains(d, "*") {
		kb.patterns[d] = e
		return
	}
	kb.domains[d] = e
}

// Size returns the number of organisations and domains.
func (kb *KB) Size() (orgs, domains int) { return len(kb.orgs), len(kb.domains) + len(kb.patterns) }

// Org returns an organisation by id.
func (kb *KB) Org(id string) (Org, bool) {
	o, ok := kb.orgs[id]
	if !ok {
		return Org{}, false
	}
	return *o, true
}

// Ultimate returns the top of id's ownership chain.
func (kb *KB) Ultimate(id string) string {
	for i := 0; i < 32; i++ {
		o, ok := kb.orgs[id]
		if !ok || o.Parent == "" {
			return id
		}
		id = o.Parent
	}
	return id
}

// Lookup classifies a host name (or IP literal): the most specific known
// suffix or pattern wins. The category is that of the service the name
// stands for, not of its owner as a whole: a public time or connectivity
// service is recognised by its name whoever runs it, and an unknown
// owner's such service comes back with its category and ok false.
func (kb *KB) Lookup(host string) (Match, bool) {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if host == "" {
		return Match{}, false
	}
	m := Match{}
	addr, aerr := netip.ParseAddr(host)
	if aerr != nil {
		if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			m.Domain = d
		}
	}
	rule, e, found := kb.suffixMatch(host)
	if !found && aerr == nil {
		if r := resolverIndex[addr.Unmap()]; r != nil {
			rule, e, found = addr.Unmap().String(), domainEntry{org: r.org, category: CatDNS, source: "tattle"}, true
		}
	}
	svc := ""
	if aerr != nil {
		svc = publicServiceCategory(host, m.Domain)
	}
	if !found {
		if svc != "" {
			m.Category, m.Rule, m.Source = svc, svc+" name", "tattle"
		}
		return m, false
	}
	m.Org, m.Category, m.Rule, m.Source = e.org, e.category, rule, e.source
	if svc != "" && svc != e.category && e.category != CatDNS {
		m.Category, m.Rule = svc, rule+" ("+svc+" name)"
	}
	if o := kb.orgs[e.org]; o != nil {
		m.OrgName = o.Name
	}
	m.Parent = kb.Ultimate(e.org)
	if p := kb.orgs[m.Parent]; p != nil {
		m.ParentName = p.Name
	}
	return m, true
}

// suffixMatch finds the entry of the longest suffix of host, or the
// pattern covering more of its labels.
func (kb *KB) suffixMatch(host string) (string, domainEntry, bool) {
	rule, best, labels := "", domainEntry{}, 0
	for h, n := host, strings.Count(host, ".")+1; h != ""; n-- {
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
	if len(kb.patterns) > 0 {
		hl := strings.Split(host, ".")
		for p, e := range kb.patterns {
			pl := strings.Split(p, ".")
			if len(pl) > len(hl) || len(pl) < labels || (len(pl) == labels && (!fromPattern || !morePrecise(p, rule))) {
				continue // an exact suffix wins a tie; between patterns, the one with fewer "*"
			}
			tail := hl[len(hl)-len(pl):]
			ok := true
			for i := range pl {
				if pl[i] != "*" && pl[i] != tail[i] {
					ok = false
					break
				}
			}
			if ok {
				rule, best, labels, fromPattern = p, e, len(pl), true
			}
		}
	}
	return rule, best, rule != ""
}

// morePrecise orders patterns of as many labels: fewer "*" first, then
// alphabetically, so a lookup never depends on map order.
func morePrecise(p, q string) bool {
	if a, b := strings.Count(p, "*"), strings.Count(q, "*"); a != b {
		return a < b
	}
	return p < q
}

// legalSuffixes are dropped when names are compared.
var legalSuffixes = map[string]bool{"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true, "co": true,
	"corp": true, "corporation": true, "company": true, "gmbh": true, "ag": true, "bv": true, "b.v": true, "sa": true, "srl": true,
	"plc": true, "technologies": true, "technology": true, "electronics": true, "international": true, "holdings": true, "group": true}

// NormalizeName folds an organisation name for comparison: lower case,
// punctuation to spaces, legal-form words dropped.
func NormalizeName(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 127 {
			return r
		}
		return ' '
	}, s)
	var words []string
	for _, w := range strings.Fields(s) {
		if !legalSuffixes[w] {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// OrgByName finds the organisation a vendor name (from the OUI registry,
// DHCP, UPnP...) refers to: an exact alias, else the longest alias the
// name starts with.
func (kb *KB) OrgByName(name string) (Org, bool) {
	n := NormalizeName(name)
	if n == "" {
		return Org{}, false
	}
	if id, ok := kb.aliases[n]; ok {
		return *kb.orgs[id], true
	}
	best := ""
	for a := range kb.aliases {
		if len(a) > len(best) && len(a) >= 3 && strings.HasPrefix(n, a+" ") {
			best = a
		}
	}
	if best != "" {
		return *kb.orgs[kb.aliases[best]], true
	}
	return Org{}, false
}

// Parties.
const (
	PartyFirst        = "first"
	PartySupport      = "support"
	PartyThird        = "third"
	PartyLocal        = "local"
	PartyUnclassified = "unclassified"
)

// Party says who a destination is to a device whose vendor is the
// organisation vendorOrg ("" when unknown): public time, connectivity
// and DNS services are support whoever runs them; the vendor or anyone in
// its corporate family is the first party; other infrastructure (hosting,
// CDN) a support party; anyone else a third party.
func (kb *KB) Party(vendorOrg string, m Match) string {
	if m.Category == CatTime || m.Category == CatConnectivity || m.Category == CatDNS {
		// Public time, connectivity and name services are support
		// whoever runs them, the vendor included.
		return PartySupport
	}
	if m.Org == "" {
		return PartyUnclassified
	}
	if vendorOrg != "" && (m.Org == vendorOrg || kb.Ultimate(m.Org) == kb.Ultimate(vendorOrg) || kb.licensedBrand(vendorOrg, m.Org)) {
		return PartyFirst
	}
	if IsSupport(m.Category) {
		return PartySupport
	}
	return PartyThird
}

// licensedBrand reports whether the vendor sells under org's brand (or
// that of org's corporate family) by licence.
func (kb *KB) licensedBrand(vendorOrg, org string) bool {
	v, ok := kb.orgs[vendorOrg]
	if !ok {
		return false
	}
	for _, b := range v.Brands {
		if b == org || kb.Ultimate(b) == kb.Ultimate(org) {
			return true
		}
	}
	return false
}

// Orgs returns all organisations sorted by id.
func (kb *KB) Orgs() []Org {
	out := make([]Org, 0, len(kb.orgs))
	for _, o := range kb.orgs {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
