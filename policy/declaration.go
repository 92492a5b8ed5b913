package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tattle-audit/tattle/fingerprints"
)

// Declaration is what one privacy policy says, as a researcher wrote it
// down (docs/policy.md; JSON Schema docs/schema/declaration.schema.json).
type Declaration struct {
	Version    int       `yaml:"version" json:"version"`
	Vendor     string    `yaml:"vendor" json:"vendor"`
	PolicyURL  string    `yaml:"policy_url,omitempty" json:"policy_url,omitempty"`
	PolicyDate string    `yaml:"policy_date,omitempty" json:"policy_date,omitempty"`
	AppliesTo  AppliesTo `yaml:"applies_to" json:"applies_to"`
	// Devices binds the declaration to devices by MAC address, ahead of
	// any applies_to rule.
	Devices    []string   `yaml:"devices,omitempty" json:"devices,omitempty"`
	FirstParty FirstParty `yaml:"first_party,omitempty" json:"first_party,omitempty"`
	// Collects lists the data types the vendor says it collects.
	Collects []string `yaml:"collects,omitempty" json:"collects,omitempty"`
	// Collection lists collection statements with their data and quotes
	// (what `tattle policy extract` writes); no recipient needed.
	Collection       []Statement `yaml:"collection,omitempty" json:"collection,omitempty"`
	ServiceProviders []Statement `yaml:"service_providers,omitempty" json:"service_providers,omitempty"`
	ThirdParties     []Statement `yaml:"third_parties,omitempty" json:"third_parties,omitempty"`
	// Never lists negative statements: data never shared with these.
	Never      []Statement `yaml:"never,omitempty" json:"never,omitempty"`
	Encryption *Encryption `yaml:"encryption,omitempty" json:"encryption,omitempty"`

	// File is where the declaration came from; MUD marks one imported from
	// an RFC 8520 MUD file, whose allowed names are AllowedDomains.
	File           string   `yaml:"-" json:"-"`
	MUD            bool     `yaml:"-" json:"-"`
	AllowedDomains []string `yaml:"-" json:"-"`
	line           int
	collectsLine   int
	firstLine      int
}

// AppliesTo selects the devices a declaration covers.
type AppliesTo struct {
	Vendors []string `yaml:"vendors,omitempty" json:"vendors,omitempty"`
	Models  []string `yaml:"models,omitempty" json:"models,omitempty"`
	Types   []string `yaml:"types,omitempty" json:"types,omitempty"`
	OUIs    []string `yaml:"ouis,omitempty" json:"ouis,omitempty"` // "50:c7:bf"
}

// FirstParty names the vendor's own organisations and domains.
type FirstParty struct {
	Organizations []string `yaml:"organizations,omitempty" json:"organizations,omitempty"`
	Domains       []string `yaml:"domains,omitempty" json:"domains,omitempty"`
}

// Statement is one sentence of a policy: recipients (named organisations,
// categories such as "advertising partners", or generic terms such as
// "third parties") and the data types it concerns.
type Statement struct {
	Organizations []string `yaml:"organizations,omitempty" json:"organizations,omitempty"`
	Categories    []string `yaml:"categories,omitempty" json:"categories,omitempty"`
	Entities      []string `yaml:"entities,omitempty" json:"entities,omitempty"` // third parties, partners, service providers, affiliates, anyone
	Data          []string `yaml:"data,omitempty" json:"data,omitempty"`
	Purpose       string   `yaml:"purpose,omitempty" json:"purpose,omitempty"`
	Quote         string   `yaml:"quote,omitempty" json:"quote,omitempty"` // the policy's words
	// Source is where Quote stands in the policy text: "file.md:42" or
	// "file.html § Heading > Subheading, sentence 3".
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// Action is what the sentence says: collect, share or sell; Modality
	// is may, will or does. Both are informative (set by the extractor).
	Action   string `yaml:"action,omitempty" json:"action,omitempty"`
	Modality string `yaml:"modality,omitempty" json:"modality,omitempty"`
	Line     int    `yaml:"-" json:"-"`
}

// Encryption claims.
type Encryption struct {
	InTransit bool   `yaml:"in_transit" json:"in_transit"`
	Quote     string `yaml:"quote,omitempty" json:"quote,omitempty"`
	Source    string `yaml:"source,omitempty" json:"source,omitempty"`
	Line      int    `yaml:"-" json:"-"`
}

// Diagnostic is one lint message with its position.
type Diagnostic struct {
	File    string
	Line    int
	Column  int
	Message string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, d.Message)
}

// allowed keys per mapping, for line-numbered lint errors.
var schemaKeys = map[string][]string{
	"":            {"version", "vendor", "policy_url", "policy_date", "applies_to", "devices", "first_party", "collects", "collection", "service_providers", "third_parties", "never", "encryption"},
	"applies_to":  {"vendors", "models", "types", "ouis"},
	"first_party": {"organizations", "domains"},
	"statement":   {"organizations", "categories", "entities", "data", "purpose", "quote", "source", "action", "modality"},
	"encryption":  {"in_transit", "quote", "source"},
}

// Lint checks a declaration file and returns every problem with its line
// and column. An empty list means the file is valid.
func Lint(name string, data []byte) []Diagnostic {
	var diags []Diagnostic
	add := func(n *yaml.Node, format string, args ...any) {
		line, col := 1, 1
		if n != nil {
			line, col = n.Line, n.Column
		}
		diags = append(diags, Diagnostic{File: name, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 1
		fmt.Sscanf(strings.TrimPrefix(msg, "yaml: line "), "%d", &line)
		diags = append(diags, Diagnostic{File: name, Line: line, Column: 1, Message: msg})
		return diags
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		add(&doc, "a declaration is a YAML mapping")
		return diags
	}
	root := doc.Content[0]
	keys := checkKeys(root, "", add)
	if v := keys["version"]; v == nil || v.Value != "1" {
		add(orNode(v, root), "version must be 1")
	}
	if v := keys["vendor"]; v == nil || strings.TrimSpace(v.Value) == "" {
		add(orNode(v, root), "vendor is required")
	}
	if v := keys["policy_url"]; v != nil {
		if u, err := url.Parse(v.Value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(v, "policy_url %q is not an http(s) URL", v.Value)
		}
	}
	if v := keys["policy_date"]; v != nil {
		if _, err := time.Parse("2006-01-02", v.Value); err != nil {
			add(v, "policy_date %q is not a date (YYYY-MM-DD)", v.Value)
		}
	}
	if a := keys["applies_to"]; a == nil {
		if keys["devices"] == nil {
			add(root, "applies_to is required (vendors, models, types or ouis), or devices")
		}
	} else {
		ak := checkKeys(a, "applies_to", add)
		if len(ak) == 0 {
			add(a, "applies_to selects no device")
		}
		for _, t := range seq(ak["types"]) {
			if !slices.Contains(fingerprints.DeviceTypes, t.Value) {
				add(t, "unknown device type %q", t.Value)
			}
		}
		for _, o := range seq(ak["ouis"]) {
			if !ouiPrefix(o.Value) {
				add(o, "OUI %q is not a MAC prefix like 50:c7:bf", o.Value)
			}
		}
	}
	if fp := keys["first_party"]; fp != nil {
		checkKeys(fp, "first_party", add)
	}
	for _, d := range seq(keys["collects"]) {
		if !validDataType(d.Value) {
			add(d, "unknown data type %q", d.Value)
		}
	}
	for _, m := range seq(keys["devices"]) {
		if !macAddress(m.Value) {
			add(m, "device %q is not a MAC address like 8c:79:f5:12:34:56", m.Value)
		}
	}
	for _, section := range []string{"collection", "service_providers", "third_parties", "never"} {
		s := keys[section]
		if s == nil {
			continue
		}
		if s.Kind != yaml.SequenceNode {
			add(s, "%s is a list of statements", section)
			continue
		}
		for _, st := range s.Content {
			sk := checkKeys(st, "statement", add)
			if a := sk["action"]; a != nil && a.Value != "collect" && a.Value != "share" && a.Value != "sell" {
				add(a, "unknown action %q (collect, share, sell)", a.Value)
			}
			if m := sk["modality"]; m != nil && m.Value != "may" && m.Value != "will" && m.Value != "does" {
				add(m, "unknown modality %q (may, will, does)", m.Value)
			}
			if section == "collection" {
				if sk["data"] == nil {
					add(st, "collection statement names no data")
				}
			} else if sk["organizations"] == nil && sk["categories"] == nil && sk["entities"] == nil {
				add(st, "statement names no recipient (organizations, categories or entities)")
			}
			for _, c := range seq(sk["categories"]) {
				if _, ok := categoryAliases[strings.ToLower(c.Value)]; !ok {
					add(c, "unknown category %q", c.Value)
				}
			}
			for _, e := range seq(sk["entities"]) {
				switch strings.ToLower(e.Value) {
				case EntityThirdParties, EntityPartners, EntityServiceProviders, EntityAffiliates, EntityAnyone:
				default:
					add(e, "unknown entity %q (third parties, partners, service providers, affiliates, anyone)", e.Value)
				}
			}
			for _, d := range seq(sk["data"]) {
				if !validDataType(d.Value) {
					add(d, "unknown data type %q", d.Value)
				}
			}
		}
	}
	if e := keys["encryption"]; e != nil {
		checkKeys(e, "encryption", add)
	}
	return diags
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func checkKeys(m *yaml.Node, section string, add func(*yaml.Node, string, ...any)) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if m.Kind != yaml.MappingNode {
		add(m, "%s must be a mapping", strings.TrimSpace(section+" section"))
		return out
	}
	allowed := schemaKeys[section]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		ok := false
		for _, a := range allowed {
			if a == k.Value {
				ok = true
			}
		}
		if !ok {
			add(k, "unknown key %q (allowed: %s)", k.Value, strings.Join(allowed, ", "))
		}
		out[k.Value] = m.Content[i+1]
	}
	return out
}

func macAddress(s string) bool {
	parts := strings.Split(strings.ToLower(s), ":")
	if len(parts) != 6 {
		return false
	}
	for _, p := range parts {
		if len(p) != 2 || strings.Trim(p, "0123456789abcdef") != "" {
			return false
		}
	}
	return true
}

func ouiPrefix(s string) bool {
	parts := strings.Split(strings.ToLower(s), ":")
	if len(parts) < 3 || len(parts) > 5 {
		return false
	}
	for _, p := range parts {
		if len(p) != 2 || strings.Trim(p, "0123456789abcdef") != "" {
			return false
		}
	}
	return true
}

// Parse reads and lints one declaration (YAML) or MUD file (JSON).
func Parse(name string, data []byte) (*Declaration, error) {
	if looksLikeMUD(data) {
		return ParseMUD(name, data)
	}
	if diags := Lint(name, data); len(diags) > 0 {
		msgs := make([]string, len(diags))
		for i, d := range diags {
			msgs[i] = d.String()
		}
		return nil, fmt.Errorf("policy: invalid declaration:\n  %s", strings.Join(msgs, "\n  "))
	}
	var d Declaration
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("policy: %s: %w", name, err)
	}
	d.File = name
	// Statement line numbers, for findings that cite the declaration.
	var doc yaml.Node
	_ = yaml.Unmarshal(data, &doc)
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var list []Statement
		switch k.Value {
		case "service_providers":
			list = d.ServiceProviders
		case "third_parties":
			list = d.ThirdParties
		case "never":
			list = d.Never
		case "collection":
			list = d.Collection
			d.collectsLine = k.Line
		case "encryption":
			if d.Encryption != nil {
				d.Encryption.Line = k.Line
			}
			continue
		case "applies_to":
			d.line = k.Line
			continue
		case "collects":
			d.collectsLine = k.Line
			continue
		case "first_party":
			d.firstLine = k.Line
			continue
		default:
			continue
		}
		for j := range list {
			if j < len(v.Content) {
				list[j].Line = v.Content[j].Line
			}
		}
	}
	return &d, nil
}

// IsDeclarationFile reports whether a file found in a directory is read
// as a declaration: YAML, or JSON (MUD).
func IsDeclarationFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Files lists what path names: the file itself, or the files of the
// directory tree keep accepts (keep sees the path and the base name),
// sorted.
func Files(path string, keep func(path, name string) bool) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && keep(p, d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, nil
}

// Load reads declarations from files and directories (YAML declarations,
// and MUD files recognised by their content).
func Load(paths ...string) ([]*Declaration, error) {
	var out []*Declaration
	for _, p := range paths {
		files, err := Files(p, func(path, _ string) bool { return IsDeclarationFile(path) })
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("policy: %w", err)
			}
			d, err := Parse(f, b)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

func looksLikeMUD(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && bytes.Contains(b, []byte("ietf-mud:mud"))
}

// ParseMUD imports an RFC 8520 MUD file: the names its from-device access
// lists allow (ietf-acldns:dst-dnsname) become the declared destinations;
// contact with anything else is a finding of its own.
func ParseMUD(name string, data []byte) (*Declaration, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("policy: %s: MUD file: %w", name, err)
	}
	mud, _ := doc["ietf-mud:mud"].(map[string]any)
	str := func(k string) string { s, _ := mud[k].(string); return s }
	d := &Declaration{Version: 1, Vendor: str("mfg-name"), PolicyURL: str("mud-url"), File: name, MUD: true}
	if d.Vendor == "" {
		d.Vendor = str("systeminfo")
	}
	if m := str("model-name"); m != "" {
		d.AppliesTo.Models = []string{m}
	}
	if v := str("mfg-name"); v != "" {
		d.AppliesTo.Vendors = []string{v}
	}
	if lu := str("last-update"); len(lu) >= 10 {
		d.PolicyDate = lu[:10]
	}
	// The access lists the device's own traffic is held to.
	from := map[string]bool{}
	if fdp, ok := mud["from-device-policy"].(map[string]any); ok {
		walk(fdp, func(k string, v any) {
			if k == "name" {
				if s, ok := v.(string); ok {
					from[s] = true
				}
			}
		})
	}
	// RFC 8520 calls the container "acls"; the drafts it grew from
	// "access-lists". Both are read.
	var acls []any
	for k, v := range doc {
		if strings.HasSuffix(k, ":acls") || strings.HasSuffix(k, ":access-lists") {
			if m, ok := v.(map[string]any); ok {
				acls, _ = m["acl"].([]any)
			}
		}
	}
	seen := map[string]bool{}
	for _, a := range acls {
		acl, ok := a.(map[string]any)
		if !ok {
			continue
		}
		if n, _ := acl["name"].(string); len(from) > 0 && !from[n] {
			continue
		}
		walk(acl, func(k string, v any) {
			if k == "ietf-acldns:dst-dnsname" {
				if s, ok := v.(string); ok && s != "" && !seen[s] {
					seen[s] = true
					d.AllowedDomains = append(d.AllowedDomains, strings.ToLower(strings.TrimSuffix(s, ".")))
				}
			}
		})
	}
	sort.Strings(d.AllowedDomains)
	if d.Vendor == "" && len(d.AppliesTo.Models) == 0 {
		return nil, fmt.Errorf("policy: %s: MUD file names neither manufacturer nor model", name)
	}
	return d, nil
}

// walk calls fn for every key/value pair in a decoded JSON tree.
func walk(v any, fn func(k string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			fn(k, c)
			walk(c, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, fn)
		}
	}
}
