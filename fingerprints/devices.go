package fingerprints

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tattle-audit/tattle/internal/repeat"
	"go.yaml.in/yaml/v3"
)

// Device types.
const (
	TypeSpeaker     = "speaker"
	TypeCamera      = "camera"
	TypeTV          = "tv"
	TypePlug        = "plug"
	TypeSwitch      = "switch"
	TypeBulb        = "bulb"
	TypeHub         = "hub"
	TypeSensor      = "sensor"
	TypeThermostat  = "thermostat"
	TypeAppliance   = "appliance"
	TypePrinter     = "printer"
	TypeRouter      = "router"
	TypeMediaPlayer = "media-player"
	TypePhone       = "phone"
	TypeComputer    = "computer"
	TypeTablet      = "tablet"
	TypeConsole     = "game-console"
	TypeWearable    = "wearable"
	TypeLock        = "lock"
)

// DeviceTypes lists the types a rule may assign.
var DeviceTypes = []string{TypeSpeaker, TypeCamera, TypeTV, TypePlug, TypeSwitch, TypeBulb, TypeHub, TypeSensor, TypeThermostat,
	TypeAppliance, TypePrinter, TypeRouter, TypeMediaPlayer, TypePhone, TypeComputer, TypeTablet, TypeConsole, TypeWearable, TypeLock}

// IsGeneralPurpose reports whether a type is a phone, tablet or computer:
// devices audits usually set aside to focus on the IoT ones.
func IsGeneralPurpose(t string) bool {
	return t == TypePhone || t == TypeComputer || t == TypeTablet
}

// IsInfrastructure reports whether a type is network infrastructure (a
// router, gateway or access point): never an IoT device.
func IsInfrastructure(t string) bool { return t == TypeRouter }

// Device classes: what kind of device tattle says a device is. A device
// is IoT only on positive evidence; one of unknown type without any is
// ClassUnknown, never presumed IoT.
const (
	ClassIoT            = "iot"
	ClassGeneralPurpose = "general-purpose" // phones, tablets, computers, virtual machines
	ClassInfrastructure = "infrastructure"  // routers, gateways, access points
	ClassUnknown        = "unknown"
)

// Classes lists the device classes.
var Classes = []string{ClassIoT, ClassGeneralPurpose, ClassInfrastructure, ClassUnknown}

// ClassOfType is the class a known type puts a device in ("" for no type).
func ClassOfType(t string) string {
	switch {
	case t == "":
		return ""
	case IsInfrastructure(t):
		return ClassInfrastructure
	case IsGeneralPurpose(t):
		return ClassGeneralPurpose
	}
	return ClassIoT
}

// Ref points at the packet a signal came from.
type Ref struct {
	File   string
	Packet uint64
}

// Signal is one observed value of one kind.
type Signal struct {
	Value string
	Ref   Ref
}

// Signals are what a device said about itself, by kind. Kinds are the
// `match` keys of rule files: dhcp_hostname, dhcp_vendor_class,
// dhcp_params, mdns_service, mdns_txt, mdns_instance, ssdp_server,
// ssdp_type, user_agent, domain, listen_port, ja4.
type Signals struct {
	MAC     [6]byte
	HasMAC  bool
	ByKind  map[string][]Signal
	Domains []Signal // names the device resolved or sent as SNI/Host
	// Gateway holds why the audit took the device for the network's
	// gateway (it answered DHCP, internet addresses sit behind its MAC);
	// empty when it did not.
	Gateway []Signal
	// Label is the user's own statement of what the device is, if any.
	Label *Label
}

// Label is what a user says a device is (--label, --labels): it wins over
// every signal and shows as user evidence.
type Label struct {
	Vendor, Type, Model string
	Source              string // where the label was given: "--label", "labels.txt:3"
}

// Add records a signal.
func (s *Signals) Add(kind, value string, ref Ref) {
	if value == "" {
		return
	}
	if s.ByKind == nil {
		s.ByKind = map[string][]Signal{}
	}
	for _, x := range s.ByKind[kind] {
		if x.Value == value {
			return
		}
	}
	s.ByKind[kind] = append(s.ByKind[kind], Signal{Value: value, Ref: ref})
}

// Evidence supports one identity claim.
type Evidence struct {
	Source string // signal kind, "oui" or "cloud"
	Detail string
	Rule   string
	Ref    Ref
}

// Claim is a value for an identity field with its confidence (0..1).
type Claim struct {
	Value      string
	Confidence float64
	Evidence   []Evidence
}

// Conflict records differing values for one field.
type Conflict struct {
	Field  string
	Claims []Claim
}

// Identity is the conclusion about one device.
type Identity struct {
	Vendor, Model, Type Claim
	// Module is the maker of the Wi-Fi module or chipset the MAC address
	// names (Espressif, Hi-Flying...): evidence of the chip, not the brand.
	Module    Claim
	Conflicts []Conflict
	// Apps are the vendors whose clouds a phone, tablet or computer
	// contacts: the apps it runs, not its maker.
	Apps []Claim
	// Class is ClassIoT, ClassGeneralPurpose, ClassInfrastructure or
	// ClassUnknown; ClassEvidence says why (empty for unknown).
	Class          string
	ClassEvidence  []Evidence
	IsIoT          bool // Class == ClassIoT
	Infrastructure bool
	Name           string
}

// Rule is one identification rule of a rule file.
type Rule struct {
	ID     string            `yaml:"id"`
	Match  map[string]string `yaml:"match"` // signal kind -> regular expression
	Vendor string            `yaml:"vendor,omitempty"`
	Model  string            `yaml:"model,omitempty"` // may use $1.. from the first match's groups
	Type   string            `yaml:"type,omitempty"`
	// Module names the maker of the Wi-Fi module the signal reveals (a
	// module SDK's default host name): evidence of the chip, not the brand.
	Module string `yaml:"module,omitempty"`
	// GeneralPurpose says the signal marks a phone, tablet or computer
	// without telling which: the device is then not counted as IoT while
	// no rule gives it an IoT type.
	GeneralPurpose bool `yaml:"general_purpose,omitempty"`
	// IoT says the signal marks an IoT device without telling its type
	// (an IoT service it announces, a local IoT protocol it answers).
	IoT    bool    `yaml:"iot,omitempty"`
	Weight float64 `yaml:"weight,omitempty"`
	Note   string  `yaml:"note"`
	re     map[string]*regexp.Regexp
	kinds  []string // keys of re, sorted: evidence reads the same every run
	// kindRe and kindIdx are, for each of kinds, its pattern and its
	// index in kindOrder; needs has the bit of each index: a device
	// without a value of one of them is passed over without a look-up.
	kindRe  []*regexp.Regexp
	kindIdx []uint8
	needs   uint32
	// kindText is each of kinds as evidence names it ("dhcp hostname").
	kindText []string
	// groups says Model refers to match groups ($1): only then are a
	// match's groups worth finding.
	groups bool
	line   int
}

// RuleFile is the layout of a device rule file.
type RuleFile struct {
	Version int    `yaml:"version"`
	Date    string `yaml:"date,omitempty"`
	// Weights of the built-in signals, by name (see Weights); a later
	// file overrides an earlier one's.
	Weights map[string]float64 `yaml:"weights,omitempty"`
	// Modules are the makers of Wi-Fi modules and chips whose OUI names
	// the chip, not the product (matched as a prefix of the registry name,
	// normalised), each with the public fact it rests on.
	Modules []ModuleMaker `yaml:"modules,omitempty"`
	Rules   []Rule        `yaml:"rules"`
}

// ModuleMaker is one entry of a rule file's modules list.
type ModuleMaker struct {
	Name string `yaml:"name"`
	// Embedded says the maker's modules and chips go into embedded
	// devices only (not phones' or computers' network adapters): its OUI
	// is then evidence the device is IoT.
	Embedded bool   `yaml:"embedded,omitempty"`
	Note     string `yaml:"note"`
}

// Weights are the confidences of the signals that are not rules: the
// IEEE registry owner of the MAC, the vendor clouds a device contacts,
// its UPnP description, the gateway signals. They live in the rule data
// (fingerprints/data/devices.yaml), each with a note of why.
type Weights struct {
	OUI             float64 // the MAC block's owner is a brand
	Module          float64 // the MAC block's owner makes Wi-Fi modules
	Cloud           float64 // contacts a vendor's IoT cloud
	CloudOtherBrand float64 // ... when the MAC names another brand
	UPnP            float64 // the device's own UPnP description
	Gateway         float64 // the audit took it for the gateway
}

var weightKeys = map[string]func(*Weights) *float64{
	"oui":               func(w *Weights) *float64 { return &w.OUI },
	"oui_module":        func(w *Weights) *float64 { return &w.Module },
	"cloud":             func(w *Weights) *float64 { return &w.Cloud },
	"cloud_other_brand": func(w *Weights) *float64 { return &w.CloudOtherBrand },
	"upnp":              func(w *Weights) *float64 { return &w.UPnP },
	"gateway":           func(w *Weights) *float64 { return &w.Gateway },
}

// DB identifies devices.
type DB struct {
	rules    []Rule
	memo     matchMemo
	kb       *KB
	w        Weights
	modules  []string // normalised module makers' names
	embedded []string // ... of those whose modules go into embedded devices only
}

//go:embed data/devices.yaml
var defaultRules []byte

var (
	defaultDB     *DB
	defaultDBErr  error
	defaultDBOnce sync.Once
)

// DefaultDB returns the embedded rules with the embedded knowledge base.
func DefaultDB() *DB {
	defaultDBOnce.Do(func() {
		defaultDB = &DB{kb: DefaultKB()}
		defaultDBErr = defaultDB.Load(bytes.NewReader(defaultRules), "devices.yaml")
	})
	if defaultDBErr != nil {
		panic("fingerprints: embedded device rules: " + defaultDBErr.Error())
	}
	return defaultDB
}

// NewDB returns a DB with the embedded rules plus the user's rule files.
func NewDB(kb *KB, paths ...string) (*DB, error) {
	db := &DB{kb: kb}
	if err := db.Load(bytes.NewReader(defaultRules), "devices.yaml"); err != nil {
		return nil, err
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("fingerprints: %w", err)
		}
		err = db.Load(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return db, nil
}

var signalKinds = map[string]bool{"dhcp_hostname": true, "dhcp_vendor_class": true, "dhcp_params": true, "mdns_service": true,
	"mdns_txt": true, "mdns_instance": true, "ssdp_server": true, "ssdp_type": true, "user_agent": true, "domain": true,
	"listen_port": true, "ja4": true, "oui": true, "mac_prefix": true, "upnp_manufacturer": true, "upnp_model": true,
	"kasa_model": true, "kasa_type": true, "tuya_product": true, "local_app": true, "ssdp_announce": true}

// kindOrder numbers the signal kinds (kindIndex gives a kind's number):
// Identify gathers a device's values by number once, its rules then find
// them without a map look-up each.
var kindOrder, kindIndex = func() ([]string, map[string]uint8) {
	var order []string
	for k := range signalKinds {
		order = append(order, k)
	}
	sort.Strings(order)
	if len(order) > len(kindValues{}.vals) {
		panic("fingerprints: more signal kinds than kindValues holds")
	}
	idx := map[string]uint8{}
	for i, k := range order {
		idx[k] = uint8(i)
	}
	return order, idx
}()

// kindValues are a device's signal values by kind number.
type kindValues struct {
	vals    [32][]Signal
	present uint32 // the bit of each kind that has a value
}

// fill gathers s's values.
func (kv *kindValues) fill(s *Signals) {
	for k, v := range s.ByKind {
		if i, ok := kindIndex[k]; ok && k != "domain" && len(v) > 0 {
			kv.vals[i] = v
			kv.present |= 1 << i
		}
	}
	if i := kindIndex["domain"]; len(s.Domains) > 0 {
		kv.vals[i] = s.Domains
		kv.present |= 1 << i
	}
}

// Load adds the rules of one file, checking them: known signal kinds,
// regular expressions that compile, known types, unique ids.
func (db *DB) Load(r io.Reader, name string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("fingerprints: %s: %w", name, err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return fmt.Errorf("fingerprints: %s: %w", name, err)
	}
	var f RuleFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("fingerprints: %s: %w", name, err)
	}
	if f.Version != 1 {
		return fmt.Errorf("fingerprints: %s: unsupported rule file version %d", name, f.Version)
	}
	for k, v := range f.Weights {
		ref := weightKeys[k]
		if ref == nil {
			return fmt.Errorf("fingerprints: %s: unknown weight %q", name, k)
		}
		if v < 0 || v > 1 {
			return fmt.Errorf("fingerprints: %s: weight %s %v outside 0..1", name, k, v)
		}
		*ref(&db.w) = v
	}
	for _, m := range f.Modules {
		if NormalizeName(m.Name) == "" || m.Note == "" {
			return fmt.Errorf("fingerprints: %s: module maker %q needs a name and a note", name, m.Name)
		}
		db.modules = append(db.modules, NormalizeName(m.Name))
		if m.Embedded {
			db.embedded = append(db.embedded, NormalizeName(m.Name))
		}
	}
	lines := ruleLines(&node)
	ids := map[string]bool{}
	for _, r := range db.rules {
		ids[r.ID] = true
	}
	for i := range f.Rules {
		r := f.Rules[i]
		if i < len(lines) {
			r.line = lines[i]
		}
		where := fmt.Sprintf("%s:%d", name, r.line)
		if r.ID == "" || ids[r.ID] {
			return fmt.Errorf("fingerprints: %s: rule id %q missing or repeated", where, r.ID)
		}
		ids[r.ID] = true
		if len(r.Match) == 0 {
			return fmt.Errorf("fingerprints: %s: rule %s matches nothing", where, r.ID)
		}
		if r.Vendor == "" && r.Type == "" && r.Model == "" && r.Module == "" && !r.GeneralPurpose && !r.IoT {
			return fmt.Errorf("fingerprints: %s: rule %s concludes nothing", where, r.ID)
		}
		if r.GeneralPurpose && r.IoT {
			return fmt.Errorf("fingerprints: %s: rule %s says both general_purpose and iot", where, r.ID)
		}
		if r.Type != "" && !validType(r.Type) {
			return fmt.Errorf("fingerprints: %s: rule %s: unknown type %q", where, r.ID, r.Type)
		}
		if r.Weight == 0 {
			r.Weight = 0.8
		}
		if r.Weight < 0 || r.Weight > 1 {
			return fmt.Errorf("fingerprints: %s: rule %s: weight %v outside 0..1", where, r.ID, r.Weight)
		}
		r.re = map[string]*regexp.Regexp{}
		for k, expr := range r.Match {
			if !signalKinds[k] {
				return fmt.Errorf("fingerprints: %s: rule %s: unknown signal %q", where, r.ID, k)
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return fmt.Errorf("fingerprints: %s: rule %s: %w", where, r.ID, err)
			}
			r.re[k] = re
			r.kinds = append(r.kinds, k)
		}
		sort.Strings(r.kinds)
		for _, k := range r.kinds {
			r.kindText = append(r.kindText, strings.ReplaceAll(k, "_", " "))
			r.kindRe = append(r.kindRe, r.re[k])
			r.kindIdx = append(r.kindIdx, kindIndex[k])
			r.needs |= 1 << kindIndex[k]
		}
		r.groups = groupRef.MatchString(r.Model)
		db.rules = append(db.rules, r)
	}
	return nil
}

func ruleLines(doc *yaml.Node) []int {
	if len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "rules" {
			var out []int
			for _, r := range m.Content[i+1].Content {
				out = append(out, r.Line)
			}
			return out
		}
	}
	return nil
}

func validType(t string) bool { return slices.Contains(DeviceTypes, t) }

// Rules returns the number of rules loaded.
func (db *DB) Rules() int { return len(db.rules) }

type vote struct {
	value string
	ws    []float64
	ev    []Evidence
}

type tally map[string]*vote

func (t tally) add(value string, w float64, ev Evidence) {
	// "Hi-Flying" (a rule) and "Hi Flying" (the registry name tidied)
	// are one value.
	key := strings.ReplaceAll(strings.ToLower(value), "-", " ")
	v := t[key]
	if v == nil {
		v = &vote{value: value}
		t[key] = v
	} else if len(v.ev) > 0 && v.ev[0].Source == "oui" && ev.Source != "oui" {
		// A registry name is tidied from capitals ("Vmware"); a rule's
		// or description's spelling is the brand's own.
		v.value = value
	}
	v.ws = append(v.ws, w)
	if len(v.ev) < 8 {
		v.ev = append(v.ev, ev)
	}
}

// merge adds another tally's votes to t.
func (t tally) merge(o tally) {
	for _, v := range o {
		for i, w := range v.ws {
			ev := Evidence{}
			if i < len(v.ev) {
				ev = v.ev[i]
			}
			t.add(v.value, w, ev)
		}
	}
}

// claims combines the votes: independent pieces of evidence for one value
// combine by noisy-OR (1 - prod(1 - w)); values are ranked by that.
func (t tally) claims() []Claim {
	var out []Claim
	for _, v := range t {
		p := 1.0
		for _, w := range v.ws {
			p *= 1 - w
		}
		out = append(out, Claim{Value: v.value, Confidence: math.Round((1-p)*100) / 100, Evidence: v.ev})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Confidence != out[j].Confidence {
			return out[i].Confidence > out[j].Confidence
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// Identify concludes vendor, model and type from a device's signals.
func (db *DB) Identify(s *Signals) Identity {
	vendors, models, types, module := tally{}, tally{}, tally{}, tally{}
	w := db.w
	// The registry: who the IEEE assigned the address block to. A maker
	// of Wi-Fi modules names the chip, not the product: that is the
	// module, never the vendor.
	brandOUI := ""
	if s.HasMAC {
		const hx = "0123456789abcdef"
		s.Add("mac_prefix", string([]byte{hx[s.MAC[0]>>4], hx[s.MAC[0]&15], ':', hx[s.MAC[1]>>4], hx[s.MAC[1]&15], ':', hx[s.MAC[2]>>4], hx[s.MAC[2]&15]}), Ref{})
		if org, ok := LookupOUI(s.MAC); ok {
			s.Add("oui", org, Ref{})
			name, detail := db.vendorName(org), fmt.Sprintf("OUI registered to %q", org)
			if db.isModuleMaker(org) {
				module.add(name, w.Module, Evidence{Source: "oui", Detail: detail + " (a maker of Wi-Fi modules and chips: the product's brand may differ)", Rule: "oui-module"})
			} else {
				brandOUI = name
				vendors.add(name, w.OUI, Evidence{Source: "oui", Detail: detail, Rule: "oui"})
			}
		}
	}
	// The device's own UPnP description names its maker and model.
	for _, m := range s.ByKind["upnp_manufacturer"] {
		vendors.add(db.vendorName(m.Value), w.UPnP, Evidence{Source: "upnp", Detail: fmt.Sprintf("UPnP description: manufacturer %q", m.Value), Rule: "upnp", Ref: m.Ref})
	}
	for _, m := range s.ByKind["upnp_model"] {
		models.add(m.Value, w.UPnP, Evidence{Source: "upnp", Detail: fmt.Sprintf("UPnP description: model %q", m.Value), Rule: "upnp", Ref: m.Ref})
	}
	for _, g := range s.Gateway {
		types.add(TypeRouter, w.Gateway, Evidence{Source: "gateway", Detail: g.Value, Rule: "gateway", Ref: g.Ref})
	}
	// Rules vote into their own vendor tally, merged after the clouds so
	// evidence lists read registry, description, cloud, rules.
	ruleVendors := tally{}
	var generalEv, iotEv []Evidence
	var kv kindValues
	kv.fill(s)
	for i := range db.rules {
		r := &db.rules[i]
		if r.needs&^kv.present != 0 {
			continue // a kind it matches has no value: it cannot apply
		}
		if e, ok := r.apply(&db.memo, &kv, ruleVendors, types, models, module); ok {
			if r.GeneralPurpose {
				generalEv = append(generalEv, e)
			}
			if r.IoT {
				iotEv = append(iotEv, e)
			}
		}
	}
	general := len(generalEv) > 0
	// Vendor clouds the device talks to. On a phone, tablet or computer
	// they are the apps it runs; where the MAC names another brand, the
	// device may be that brand's and merely run the app, so the cloud
	// weighs less than the registry.
	var cvs []cloudVote
	clouds := map[string]bool{}
	for _, d := range s.Domains {
		m, ok := db.kb.Lookup(d.Value)
		if !ok || m.Category != CatIoTCloud || clouds[m.Org] {
			continue
		}
		clouds[m.Org] = true
		cw := w.Cloud
		if brandOUI != "" && !strings.EqualFold(brandOUI, m.OrgName) {
			cw = w.CloudOtherBrand
		}
		cvs = append(cvs, cloudVote{m.OrgName, cw, Evidence{Source: "cloud", Detail: fmt.Sprintf("contacts %s, %s's IoT cloud", d.Value, m.OrgName), Rule: "cloud:" + m.Rule, Ref: d.Ref}})
	}
	var id Identity
	var typeConflicts []Conflict
	id.Type, typeConflicts = pick("type", types.claims(), nil)
	general = IsGeneralPurpose(id.Type.Value) || (general && id.Type.Value == "")
	for _, c := range cvs {
		if general {
			id.Apps = append(id.Apps, Claim{Value: c.name, Confidence: c.w, Evidence: []Evidence{c.ev}})
			continue
		}
		vendors.add(c.name, c.w, c.ev)
	}
	for _, a := range s.ByKind["local_app"] {
		// A device that sends a vendor's local control queries runs that
		// vendor's app or software: shown as an app, never its vendor.
		if name, ok := localApps[a.Value]; ok && !hasApp(id.Apps, name) {
			id.Apps = append(id.Apps, Claim{Value: name, Confidence: 0.9, Evidence: []Evidence{{Source: "local_app",
				Detail: fmt.Sprintf("sends %s's local control queries (%s)", name, a.Value), Rule: "local-app:" + a.Value, Ref: a.Ref}}})
		}
	}
	sort.Slice(id.Apps, func(i, j int) bool { return id.Apps[i].Value < id.Apps[j].Value })
	vendors.merge(ruleVendors)
	id.Vendor, id.Conflicts = pick("vendor", vendors.claims(), id.Conflicts)
	id.Model, id.Conflicts = pick("model", models.claims(), id.Conflicts)
	id.Conflicts = append(id.Conflicts, typeConflicts...)
	id.Module, _ = pick("module", module.claims(), nil)
	if l := s.Label; l != nil {
		ev := []Evidence{{Source: "user", Detail: "labelled by the user (" + l.Source + ")", Rule: "user-label"}}
		if l.Vendor != "" {
			id.Vendor = Claim{Value: l.Vendor, Confidence: 1, Evidence: ev}
		}
		if l.Type != "" {
			id.Type = Claim{Value: l.Type, Confidence: 1, Evidence: ev}
		}
		if l.Model != "" {
			id.Model = Claim{Value: l.Model, Confidence: 1, Evidence: ev}
		}
	}
	id.Class, id.ClassEvidence = db.class(&id, generalEv, iotEv, cvs)
	id.Infrastructure = id.Class == ClassInfrastructure
	id.IsIoT = id.Class == ClassIoT
	id.Name = displayName(id)
	return id
}

// maxClassEvidence bounds the evidence listed for a class.
const maxClassEvidence = 4

// class concludes the device's class, each step a positive fact: a type
// (the user's label or the signals') says it; else a rule marking a
// phone or computer without saying which (its vendor clouds are then
// apps); else what only IoT devices do: announce an IoT service or answer
// a local IoT protocol (rules with iot: true), carry a module whose maker
// supplies embedded devices only, or contact a vendor's IoT cloud as a
// device. Without any, the class is unknown: a device of a maker that
// sells phones, laptops and routers as well as IoT products is not
// presumed IoT.
func (db *DB) class(id *Identity, generalEv, iotEv []Evidence, clouds []cloudVote) (string, []Evidence) {
	if c := ClassOfType(id.Type.Value); c != "" {
		// The type's own evidence is listed with it: one line here.
		e := Evidence{Source: "type", Detail: fmt.Sprintf("type %s", id.Type.Value)}
		if len(id.Type.Evidence) > 0 {
			e.Rule, e.Ref = id.Type.Evidence[0].Rule, id.Type.Evidence[0].Ref
		}
		return c, []Evidence{e}
	}
	if len(generalEv) > 0 {
		return ClassGeneralPurpose, firstEvidence(generalEv)
	}
	ev := append([]Evidence(nil), iotEv...)
	if id.Module.Value != "" && db.isEmbeddedModule(id.Module.Value) {
		if len(id.Module.Evidence) > 0 {
			e := id.Module.Evidence[0]
			e.Detail = id.Module.Value + " module: its maker supplies embedded devices only"
			ev = append(ev, e)
		}
	}
	for _, c := range clouds {
		ev = append(ev, c.ev)
	}
	if len(ev) == 0 {
		return ClassUnknown, nil
	}
	return ClassIoT, firstEvidence(ev)
}

func firstEvidence(ev []Evidence) []Evidence {
	if len(ev) > maxClassEvidence {
		ev = ev[:maxClassEvidence]
	}
	return append([]Evidence(nil), ev...)
}

// isEmbeddedModule reports whether a module maker's modules and chips go
// into embedded devices only.
func (db *DB) isEmbeddedModule(name string) bool {
	n := NormalizeName(name)
	for _, m := range db.embedded {
		if m != "" && strings.HasPrefix(n, m) {
			return true
		}
	}
	return false
}

// cloudVote is a vendor IoT cloud a device contacts.
type cloudVote struct {
	name string
	w    float64
	ev   Evidence
}

// localApps names the vendor whose local control protocol a query
// speaks.
var localApps = map[string]string{"kasa": "TP-Link", "tuya": "Tuya"}

func hasApp(apps []Claim, name string) bool {
	for _, a := range apps {
		if strings.EqualFold(a.Value, name) {
			return true
		}
	}
	return false
}

// apply adds the rule's conclusions when all its patterns match, and
// reports whether they did, with the evidence.
func (r *Rule) apply(memo *matchMemo, kv *kindValues, vendors, types, models, module tally) (Evidence, bool) {
	var groups []string
	var ev []Evidence
	for k, kind := range r.kinds {
		hit := false
		for _, v := range kv.vals[r.kindIdx[k]] {
			g, ok := memo.match(r, k, v.Value)
			if !ok {
				continue
			}
			if r.groups && groups == nil && len(g) > 1 {
				// The groups of the first match that has any.
				groups = g
			}
			hit = true
			ev = append(ev, Evidence{Source: kind, Detail: r.kindText[k] + " " + strconv.Quote(v.Value), Rule: r.ID, Ref: v.Ref})
			break
		}
		if !hit {
			return Evidence{}, false
		}
	}
	e := ev[0]
	if len(ev) > 1 {
		parts := make([]string, len(ev))
		for i, x := range ev {
			parts[i] = x.Detail
		}
		e.Detail = strings.Join(parts, " and ")
	}
	if r.Vendor != "" {
		vendors.add(r.Vendor, r.Weight, e)
	}
	if r.Type != "" {
		types.add(r.Type, r.Weight, e)
	}
	if r.Module != "" {
		module.add(r.Module, r.Weight, e)
	}
	if m := expand(r.Model, groups); m != "" {
		models.add(m, r.Weight, e)
	}
	return e, true
}

// pick takes the best claim; a runner-up that is itself well supported
// (confidence 0.5 or more) is a conflict the report shows.
func pick(field string, cs []Claim, conflicts []Conflict) (Claim, []Conflict) {
	if len(cs) == 0 {
		return Claim{}, conflicts
	}
	if len(cs) > 1 && cs[1].Confidence >= 0.5 {
		var strong []Claim
		for _, c := range cs {
			if c.Confidence >= 0.5 {
				strong = append(strong, c)
			}
		}
		conflicts = append(conflicts, Conflict{Field: field, Claims: strong})
	}
	return cs[0], conflicts
}

// groupRef is a rule template's reference to a match group ($1).
var groupRef = regexp.MustCompile(`\$(\d)`)

func expand(tmpl string, groups []string) string {
	out := groupRef.ReplaceAllStringFunc(tmpl, func(s string) string {
		n, _ := strconv.Atoi(s[1:])
		if n < len(groups) {
			return groups[n]
		}
		return ""
	})
	return strings.TrimSpace(out)
}

// vendorName maps a registry organisation name to the knowledge base's
// name for it, or a tidied form of it.
func (db *DB) vendorName(org string) string {
	if o, ok := db.kb.OrgByName(org); ok {
		return o.Name
	}
	n := NormalizeName(org)
	if n == "" {
		return org
	}
	words := strings.Fields(n)
	if len(words) > 3 {
		words = words[:3]
	}
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

func displayName(id Identity) string {
	var parts []string
	if id.Vendor.Value != "" {
		parts = append(parts, id.Vendor.Value)
	}
	if id.Vendor.Value == "" && id.Type.Value == "" && id.Model.Value == "" && id.Module.Value != "" {
		article := "a"
		if strings.ContainsRune("AEIOUaeiou", rune(id.Module.Value[0])) {
			article = "an"
		}
		return "unknown device with " + article + " " + id.Module.Value + " module"
	}
	if id.Type.Value != "" {
		t := id.Type.Value
		switch t {
		case TypePlug:
			t = "smart plug"
		case TypeTV:
			t = "TV"
		case TypeHub:
			t = "hub"
		}
		parts = append(parts, t)
	}
	if id.Model.Value != "" {
		parts = append(parts, id.Model.Value)
	}
	return strings.Join(parts, " ")
}

// matchMemo remembers whether a rule's pattern matched a value (and, for
// a rule whose model uses match groups, the groups): the devices of one
// model send the same host names, user agents and announcements, which
// the rules would otherwise match again for each. The answer depends on
// the pattern and the value alone. It holds at most maxMemoEntries
// answers and maxMemoBytes of values, and starts again when full; it is
// off with TATTLE_NO_REPEAT_CACHES (repeat.Off). Identify runs on all
// cores: a mutex guards it.
type matchMemo struct {
	mu    sync.Mutex
	m     map[memoKey][]string
	bytes int
}

type memoKey struct {
	r     *Rule
	kind  int
	value string
}

const (
	maxMemoEntries = 1 << 15
	maxMemoBytes   = 4 << 20
)

// matched stands for a match of a rule without groups (or whose pattern
// has none): not nil, as no match is.
var matched = []string{}

// match reports whether r's pattern for its kind number k (of r.kinds)
// matches v, with the match's groups when r.groups.
func (m *matchMemo) match(r *Rule, k int, v string) ([]string, bool) {
	if repeat.Off {
		return matchRule(r, k, v)
	}
	key := memoKey{r, k, v}
	m.mu.Lock()
	g, ok := m.m[key]
	m.mu.Unlock()
	if ok {
		return g, g != nil
	}
	g, hit := matchRule(r, k, v)
	m.mu.Lock()
	if m.m == nil || len(m.m) >= maxMemoEntries || m.bytes+len(v) > maxMemoBytes {
		m.m, m.bytes = map[memoKey][]string{}, 0
	}
	m.m[key] = g
	m.bytes += len(v)
	m.mu.Unlock()
	return g, hit
}

// matchRule is match without the memo: the groups of a rule that wants
// them (FindStringSubmatch), else whether the pattern matches.
func matchRule(r *Rule, k int, v string) ([]string, bool) {
	re := r.kindRe[k]
	if r.groups {
		g := re.FindStringSubmatch(v)
		if g == nil {
			return nil, false
		}
		if len(g) == 1 {
			return matched, true
		}
		return g, true
	}
	if re.MatchString(v) {
		return matched, true
	}
	return nil, false
}
