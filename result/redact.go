package result

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"math/bits"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/tattle-audit/tattle/internal/par"
)

// Redact returns a deep copy of r with personal data replaced, for
// reports that will be shared. See RedactInPlace for what is replaced.
func Redact(r *Result, key []byte) *Result {
	c := clone(reflect.ValueOf(r)).Interface().(*Result)
	RedactInPlace(c, key)
	return c
}

// RedactInPlace redacts r itself, for callers that will not use the
// unredacted result again (it saves a copy of a large result).
//
// Replaced: the device half of MAC addresses (the vendor half stays: it
// identifies the product, not the household), by a pseudonym keyed with
// key, so that two devices never share a redacted ID and one device keeps
// its ID across runs redacted with the same key; local IP addresses and
// every IPv6 address of a device (an EUI-64 interface identifier gives
// back the MAC, and a global /64 prefix identifies the home); the names
// devices call themselves (DHCP and mDNS host names are often the
// owner's name); DHCP client ids; DNS-SD instance names; UPnP friendly
// names and serial numbers; URL query values; the excerpts of findings
// that hold personal data; finding IDs (a plain hash of the MAC, which a
// reader could reverse by trying the 2^24 addresses of one vendor).
//
// Every such value of every device is then replaced wherever else it
// appears in a string of the result (a host name inside a User-Agent, a
// neighbour's MAC inside an SSDP header), not only in its own field. Public
// destination names and addresses stay: they are the point of the report.
func RedactInPlace(c *Result, key []byte) {
	c.Redacted = true
	c.RedactionKey = KeyID(key)
	// Devices are redacted on all cores, each on its own, with one
	// redactor (keyed hash and buffers) per worker.
	// (Each its own allocation: workers writing their buffers' headers
	// do not share a cache line.)
	ks := make([]*redactor, par.Workers())
	ks[0] = &redactor{key: key}
	known := collectKnown(c, ks[0])
	for w := range ks {
		if ks[w] == nil {
			ks[w] = &redactor{key: key}
		}
		ks[w].known = known
	}
	par.ForEach(len(c.Devices), len(ks), func(w, i int) {
		k := ks[w]
		k.device(&c.Devices[i])
		k.rewrite(reflect.ValueOf(&c.Devices[i]).Elem())
	})
	for i := range c.Warnings {
		c.Warnings[i].Message = ks[0].text(c.Warnings[i].Message)
	}
	if c.Overview != nil {
		c.Overview = BuildOverview(c) // it names devices by their IDs
	}
}

// KeyID names a redaction key without revealing it, so that a baseline
// redacted with one key is not compared with a result redacted with
// another (every device would look new).
func KeyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("tattle redaction key id"))
	return hex.EncodeToString(m.Sum(nil)[:4])
}

// A redactor is used by one goroutine at a time: its keyed hash and
// buffers are reused for every pseudonym.
type redactor struct {
	key   []byte
	known *knownSet
	hmac  hash.Hash // HMAC-SHA256 keyed with key (made at first use), Reset before each value
	msg   []byte    // the hashed message: kind, 0, value
	sum   []byte    // the HMAC
	out   []byte    // a pseudonym being written
}

// appendPseudonym appends the first n hex digits (at most 16) of the
// pseudonym of one value: a keyed hash, stable for one key and
// unrecoverable without it. 64 bits: among a million devices of one vendor
// two share a pseudonym with a probability of about 3e-8.
func (k *redactor) appendPseudonym(dst []byte, kind, v string, n int) []byte {
	if k.hmac == nil {
		k.hmac = hmac.New(sha256.New, k.key)
		k.sum = make([]byte, 0, sha256.Size)
	}
	k.msg = append(append(append(k.msg[:0], kind...), 0), v...)
	k.hmac.Reset()
	k.hmac.Write(k.msg)
	k.sum = k.hmac.Sum(k.sum[:0])
	var hx [16]byte
	hex.Encode(hx[:], k.sum[:8])
	return append(dst, hx[:n]...)
}

// pseudonym is the whole pseudonym of one value (16 hex digits).
func (k *redactor) pseudonym(kind, v string) string {
	k.out = k.appendPseudonym(k.out[:0], kind, v, 16)
	return string(k.out)
}

// mac is the redacted form of a MAC address: its vendor half and a
// pseudonym of the whole, e.g. "50:c7:bf:~3f9a1c2b7d5e4f60".
func (k *redactor) mac(hw net.HardwareAddr) string {
	var whole [17]byte
	b := appendMAC(k.out[:0], hw[:3])
	b = append(b, ":~"...)
	k.out = k.appendPseudonym(b, "mac", string(appendMAC(whole[:0], hw)), 16)
	return string(k.out)
}

// appendMAC appends hw as net.HardwareAddr.String writes it
// ("50:c7:bf").
func appendMAC(dst []byte, hw net.HardwareAddr) []byte {
	const digits = "0123456789abcdef"
	for i, b := range hw {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, digits[b>>4], digits[b&0xf])
	}
	return dst
}

// RedactMAC redacts a device ID or MAC address: "aa:bb:cc:dd:ee:ff" or
// "ip:<addr>".
func RedactMAC(s string, key []byte) string {
	return (&redactor{key: key}).id(s)
}

func (k *redactor) id(s string) string {
	if a, ok := strings.CutPrefix(s, "ip:"); ok {
		return "ip:" + k.knownDeviceIP(a)
	}
	if hw, err := net.ParseMAC(s); err == nil && len(hw) == 6 && len(s) == 17 {
		if k.known != nil {
			if r, ok := k.known.macs[[6]byte(hw)]; ok {
				return r // made by collectKnown: k.mac(hw)
			}
		}
		return k.mac(hw)
	}
	return s
}

// findingID keeps a finding ID's kind and replaces its hash, which was
// made from the device's MAC, by a keyed one.
func (k *redactor) findingID(id string) string {
	if id == "" {
		return ""
	}
	kind, _, ok := strings.Cut(id, ":")
	if !ok {
		kind = "finding"
	}
	b := append(append(k.out[:0], kind...), ':')
	k.out = k.appendPseudonym(b, "finding", id, 12)
	return string(k.out)
}

func (k *redactor) device(d *Device) {
	d.ID = k.id(d.ID)
	d.MAC = k.id(d.MAC)
	for j := range d.IPs {
		d.IPs[j].IP = k.knownDeviceIP(d.IPs[j].IP)
	}
	o := &d.Observations
	for j := range o.DHCP {
		if o.DHCP[j].Hostname != "" {
			o.DHCP[j].Hostname = "[redacted]"
		}
		if o.DHCP[j].ClientID != "" {
			o.DHCP[j].ClientID = "[redacted]"
		}
	}
	for j := range o.Hostnames {
		o.Hostnames[j].Value = "[redacted]"
	}
	for j := range o.MDNS {
		o.MDNS[j].Instance = "[redacted]." + o.MDNS[j].Service
		if o.MDNS[j].Host != "" {
			o.MDNS[j].Host = "[redacted].local"
		}
		for n, t := range o.MDNS[j].TXT {
			if key, _, ok := strings.Cut(t, "="); ok {
				o.MDNS[j].TXT[n] = key + "=[redacted]"
			}
		}
	}
	for j := range o.SSDP {
		o.SSDP[j].Location = redactURL(o.SSDP[j].Location)
		if o.SSDP[j].USN != "" {
			o.SSDP[j].USN = "[redacted]"
		}
	}
	for j := range o.UPnP {
		u := &o.UPnP[j]
		u.URL = redactURL(u.URL)
		if u.FriendlyName != "" {
			u.FriendlyName = "[redacted]"
		}
		if u.SerialNumber != "" {
			u.SerialNumber = "[redacted]"
		}
	}
	for j := range d.Destinations {
		dst := &d.Destinations[j]
		if dst.Local {
			dst.IP = k.localIP(dst.IP)
			if isLocalName(dst.Name) {
				dst.Name = "[redacted]"
			}
			for n := range dst.Names {
				if isLocalName(dst.Names[n].Name) {
					dst.Names[n].Name = "[redacted]"
				}
			}
		}
	}
	for j := range d.Findings {
		f := &d.Findings[j]
		if f.Personal || f.Excerpt != "" {
			f.Excerpt = "[redacted]"
		}
		f.ID = k.findingID(f.ID)
	}
	if d.Score != nil {
		for j := range d.Score.Deductions {
			for n, id := range d.Score.Deductions[j].Finding {
				d.Score.Deductions[j].Finding[n] = k.findingID(id)
			}
		}
	}
	for n := range d.Identity.Conflicts {
		for e := range d.Identity.Conflicts[n].Evidence {
			d.Identity.Conflicts[n].Evidence[e].Detail = redactDetail(d.Identity.Conflicts[n].Evidence[e].Detail)
		}
	}
	for _, fld := range []*Field{&d.Identity.Vendor, &d.Identity.Model, &d.Identity.Type} {
		for e := range fld.Evidence {
			fld.Evidence[e].Detail = redactDetail(fld.Evidence[e].Detail)
		}
	}
	for e := range d.Identity.ClassEvidence {
		d.Identity.ClassEvidence[e].Detail = redactDetail(d.Identity.ClassEvidence[e].Detail)
	}
}

func isLocalName(n string) bool {
	return strings.HasSuffix(n, ".local") || strings.HasSuffix(n, ".lan")
}

// redactDetail hides host names quoted in identification evidence.
func redactDetail(s string) string {
	if strings.HasPrefix(s, "dhcp hostname ") || strings.HasPrefix(s, "mdns instance ") {
		return strings.SplitN(s, " \"", 2)[0] + " [redacted]"
	}
	return s
}

// redactIP redacts a local address: a private IPv4 address to its /16,
// a private, link-local or loopback IPv6 address entirely.
func redactIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || !(a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLoopback()) {
		return s
	}
	if a.Is4() {
		b := a.As4()
		return netip.AddrFrom4([4]byte{b[0], b[1], 0, 0}).String() + "/16"
	}
	return "[redacted-ipv6]"
}

// redactDeviceIP redacts an address a device used: local ones as
// redactIP does, and every IPv6 address, global ones included. A SLAAC
// address (EUI-64) holds the device's MAC; a temporary one does not, but
// its /64 prefix is the household's, so neither half may stay. A device's
// own public or carrier-grade-NAT IPv4 address (a capture taken without a
// home router's NAT, 100.64.0.0/10) is the household's address at its
// ISP: hidden whole.
func redactDeviceIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	if a.Is6() && !a.Is4In6() && !a.IsMulticast() && !a.IsUnspecified() {
		return "[redacted-ipv6]"
	}
	a = a.Unmap()
	if a.Is4() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsLoopback() && !a.IsMulticast() &&
		!a.IsUnspecified() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "[redacted-ipv4]"
	}
	return redactIP(s)
}

// localIP redacts a local address as redactIP does, followed by a keyed
// pseudonym ("192.168.0.0/16~3f9a1c2b7d5e"), so that two hosts of one
// home stay apart (a baseline sees a new local destination as new) and a
// destination can be told to be the device that used that address.
func (k *redactor) localIP(s string) string {
	if r := redactIP(s); r != s {
		return k.withIPPseudonym(r, s)
	}
	return s
}

// knownDeviceIP is deviceIP(s), taken from what collectKnown made when
// it made it.
func (k *redactor) knownDeviceIP(s string) string {
	if k.known != nil {
		if r, ok := k.known.ips[s]; ok {
			return r
		}
	}
	return k.deviceIP(s)
}

// deviceIP is localIP for an address a device used: every IPv6 address
// too (see redactDeviceIP).
func (k *redactor) deviceIP(s string) string {
	if r := redactDeviceIP(s); r != s {
		return k.withIPPseudonym(r, s)
	}
	return s
}

// withIPPseudonym is the redacted address r followed by "~" and the
// pseudonym of the address s it stands for.
func (k *redactor) withIPPseudonym(r, s string) string {
	b := append(append(k.out[:0], r...), '~')
	k.out = k.appendPseudonym(b, "ip", canonIP(s), 12)
	return string(k.out)
}

// canonIP writes an address one way, whichever way a field wrote it.
func canonIP(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return s
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return s
	}
	if h := u.Hostname(); h != "" {
		if a, err := netip.ParseAddr(h); err == nil && (a.IsPrivate() || a.IsLinkLocalUnicast() || (a.Is6() && !a.IsMulticast())) {
			u.Host = "[redacted]"
			if p := u.Port(); p != "" {
				u.Host += ":" + p
			}
		}
	}
	q := u.Query()
	for k := range q {
		q.Set(k, "redacted")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// keepFields are the string fields that hold tattle's own vocabulary or
// hashes, not text from a capture: the known-value pass leaves them
// alone, so that a device whose host name is its model ("HS110") keeps
// its identification, and a vendor's name stays in the organisation
// column. TestKeepFieldsExist checks that each still exists.
var keepFields = map[string]bool{
	"Device.OUIVendor": true, "Field.Value": true, "Identity.Name": true, "Identity.Class": true, "Conflict.Field": true, "Conflict.Values": true,
	"Evidence.Source": true, "Evidence.File": true, "Evidence.Rule": true,
	"Seen.File": true, "DHCPObs.File": true, "DHCPObs.ParamList": true, "MDNSObs.File": true, "MDNSObs.Service": true,
	"SSDPObs.File": true, "UPnPObs.File": true, "TLSObs.File": true, "TLSObs.JA4": true, "TLSObs.JA4R": true, "TLSObs.JA3": true, "TLSObs.JA3Raw": true,
	"Destination.Transport": true, "Destination.Protocols": true, "Destination.File": true, "Destination.Domain": true,
	"Destination.Organization": true, "Destination.Parent": true, "Destination.Category": true, "Destination.Party": true,
	"Destination.ClassifiedBy": true, "Destination.Entropy": true, "NameSeen.Source": true, "NameSeen.File": true,
	"TLSInfo.ALPN": true, "TLSInfo.Versions": true, "TLSInfo.JA3": true, "TLSInfo.JA4": true, "TLSInfo.Version": true,
	"TLSInfo.Cipher": true, "TLSInfo.WeakCiphers": true,
	"Finding.ID": true, "Finding.Kind": true, "Finding.Severity": true, "Finding.Organization": true, "Finding.DataType": true,
	"Finding.Disclosure": true, "Finding.PolicyRef": true, "Score.Grade": true, "Deduction.Reason": true, "Deduction.Finding": true,
	"PolicySummary.File": true, "PolicySummary.Vendor": true, "PolicySummary.URL": true, "PolicySummary.Date": true, "PolicySummary.Matched": true,
}

// rewrite applies the known-value pass to every string below v.
func (k *redactor) rewrite(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); s != "" {
			if r := k.text(s); r != s {
				v.SetString(r)
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			k.rewrite(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			k.rewrite(v.Index(i))
		}
	case reflect.Struct:
		for _, i := range rewriteFields(v.Type()) {
			k.rewrite(v.Field(i))
		}
	}
}

// rewritePlan caches, per struct type, the fields the known-value pass
// visits: exported, not in keepFields, and able to hold a string.
var rewritePlan sync.Map // reflect.Type -> []int

func rewriteFields(t reflect.Type) []int {
	if p, ok := rewritePlan.Load(t); ok {
		return p.([]int)
	}
	var idx []int
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.IsExported() && !keepFields[t.Name()+"."+f.Name] && holdsString(f.Type) {
			idx = append(idx, i)
		}
	}
	rewritePlan.Store(t, idx)
	return idx
}

func holdsString(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String:
		return true
	case reflect.Pointer, reflect.Slice:
		return holdsString(t.Elem())
	case reflect.Struct:
		if t.PkgPath() != reflect.TypeOf(Result{}).PkgPath() {
			return false // time.Time
		}
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && holdsString(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// text replaces every known personal value in s and every other string
// shaped like a MAC address.
func (k *redactor) text(s string) string {
	if len(s) < minKnown {
		return s // too short for a value replace looks for, or a MAC
	}
	return k.known.replace(redactMACsIn(s, k))
}

// clone deep-copies the exported fields of v (the result model has no
// cycles and nothing unexported but time.Time's insides, copied whole).
func clone(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Elem().Type())
		n.Elem().Set(clone(v.Elem()))
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			n.Index(i).Set(clone(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			n.SetMapIndex(clone(it.Key()), clone(it.Value()))
		}
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v)
		for _, i := range cloneFields(v.Type()) {
			n.Field(i).Set(clone(v.Field(i)))
		}
		return n
	}
	return v
}

// clonePlan caches, per struct type, the exported fields that hold a
// pointer, slice or map (the others are copied with the struct).
var clonePlan sync.Map // reflect.Type -> []int

func cloneFields(t reflect.Type) []int {
	if p, ok := clonePlan.Load(t); ok {
		return p.([]int)
	}
	var idx []int
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.IsExported() && holdsReference(f.Type) {
			idx = append(idx, i)
		}
	}
	clonePlan.Store(t, idx)
	return idx
}

func holdsReference(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return true
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && holdsReference(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// knownSet is every personal value of every device in a result, with its
// replacement, matched case-insensitively at word boundaries (a value is
// neither preceded nor followed by a letter or digit).
type knownSet struct {
	macs map[[6]byte]string // device MACs -> redacted form
	ips  map[string]string  // device addresses -> redacted form (deviceIP's), kept for device
	vals map[string]string  // lower-cased value -> replacement
	// pairs has bit b0<<8|b1 set when some value starts with the
	// lower-cased bytes b0 b1: most word starts fail it and are passed
	// over without a look-up.
	pairs [1 << 16 / 64]uint64
	// heads gives the lengths of the values that start with each
	// lower-cased first three bytes (head).
	heads headTable
	// shapes has the bit of shapeOf(head, last two bytes, length) of
	// every value set: a candidate that starts like a value but has no
	// value's shape (on big.pcap most of those replace would look up,
	// the values being mostly addresses and the texts full of other
	// addresses) is passed over without the look-up in vals.
	shapes [1 << shapeBits / 64]uint64
}

// shapeBits is the size of knownSet.shapes: 2^19 bits (64 KiB), a few
// per cent of them set by tens of thousands of values.
const shapeBits = 19

// shapeOf hashes what a candidate's shape is made of to a bit of
// knownSet.shapes.
func shapeOf(head uint32, e0, e1 byte, n int) uint32 {
	x := uint64(head)<<40 | uint64(e0)<<32 | uint64(e1)<<24 | uint64(uint32(n)&0xffffff)
	return uint32((x * 0x9e3779b97f4a7c15) >> (64 - shapeBits))
}

func (ks *knownSet) hasShape(head uint32, e0, e1 byte, n int) bool {
	b := shapeOf(head, e0, e1, n)
	return ks.shapes[b/64]&(1<<(b%64)) != 0
}

// A headTable maps a head to the lengths of the values starting with it:
// an open-addressed table probed in a few instructions (replace looks a
// head up at most word starts of a result's texts; a map took a quarter
// of its time).
type headTable struct {
	slots []headSlot // a power of two of them, at most half used
	shift uint       // 32 - log2(len(slots)): a hash's top bits pick the slot
	// long are the lengths of longHead bytes or more, longest first,
	// of the heads whose slot has bit 63 set.
	long map[uint32][]int
}

type headSlot struct {
	key  uint32 // the head | slotUsed; 0 for an empty slot
	lens uint64 // bit n-minKnown for each length n < longHead; bit 63 if longer ones
}

const (
	slotUsed = 1 << 24
	longHead = minKnown + 63
)

func newHeadTable(heads map[uint32][]int) headTable {
	n, shift := 8, uint(32-3)
	for n < 2*len(heads) {
		n, shift = n*2, shift-1
	}
	t := headTable{slots: make([]headSlot, n), shift: shift, long: map[uint32][]int{}}
	for h, lens := range heads {
		var m uint64
		for _, l := range lens {
			if l >= longHead {
				m |= 1 << 63
				t.long[h] = append(t.long[h], l)
				continue
			}
			m |= 1 << (l - minKnown)
		}
		slices.SortFunc(t.long[h], func(a, b int) int { return b - a })
		i := t.slot(h)
		for t.slots[i].key != 0 {
			i = (i + 1) & uint32(len(t.slots)-1)
		}
		t.slots[i] = headSlot{key: h | slotUsed, lens: m}
	}
	return t
}

func (t *headTable) slot(h uint32) uint32 {
	return (h * 0x9e3779b1) >> t.shift
}

// lens returns the lengths of the values that start with h: shorter
// than longHead as bits (bit n-minKnown for length n), bit 63 if there
// are longer ones (t.long[h]).
func (t *headTable) lens(h uint32) uint64 {
	if len(t.slots) == 0 {
		return 0
	}
	for i := t.slot(h); ; i = (i + 1) & uint32(len(t.slots)-1) {
		switch t.slots[i].key {
		case h | slotUsed:
			return t.slots[i].lens
		case 0:
			return 0
		}
	}
}

func head(b0, b1, b2 byte) uint32 { return uint32(b0)<<16 | uint32(b1)<<8 | uint32(b2) }

func (ks *knownSet) mayStart(b0, b1 byte) bool { return hasPair(&ks.pairs, b0, b1) }

func hasPair(set *[1 << 16 / 64]uint64, b0, b1 byte) bool {
	p := uint16(b0)<<8 | uint16(b1)
	return set[p/64]&(1<<(p%64)) != 0
}

func addPair(set *[1 << 16 / 64]uint64, b0, b1 byte) {
	p := uint16(b0)<<8 | uint16(b1)
	set[p/64] |= 1 << (p % 64)
}

// minKnown is the shortest value replaced elsewhere: shorter host names
// ("tv") would blank out unrelated words.
const minKnown = 3

func collectKnown(c *Result, k *redactor) *knownSet {
	ks := &knownSet{macs: map[[6]byte]string{}, ips: map[string]string{}, vals: map[string]string{}}
	heads := map[uint32][]int{} // the lengths of values of each head
	// A host name that is a device's model or vendor ("HS110",
	// "Pixel-7") names the product, not its owner: it stays elsewhere.
	seen := map[string]bool{}
	for i := range c.Devices {
		id := &c.Devices[i].Identity
		for _, v := range []string{id.Vendor.Value, id.Model.Value, id.Name} {
			seen[strings.ToLower(strings.TrimSpace(v))] = true
		}
	}
	add := func(v, repl string) {
		v = strings.TrimSpace(v)
		if len(v) < minKnown || v == repl || strings.Contains(v, "[redacted") {
			return
		}
		low := strings.ToLower(v)
		if seen[low] {
			return
		}
		seen[low] = true
		ks.vals[low] = repl
		h := head(low[0], low[1], low[2])
		if l := heads[h]; !slices.Contains(l, len(low)) {
			heads[h] = append(l, len(low))
		}
		addPair(&ks.pairs, low[0], low[1])
		b := shapeOf(h, low[len(low)-2], low[len(low)-1], len(low))
		ks.shapes[b/64] |= 1 << (b % 64)
	}
	for i := range c.Devices {
		d := &c.Devices[i]
		for _, s := range []string{d.ID, d.MAC} {
			if hw, err := net.ParseMAC(s); err == nil && len(hw) == 6 {
				ks.macs[[6]byte(hw)] = k.mac(hw)
			}
		}
		for _, ip := range d.IPs {
			r := k.deviceIP(ip.IP)
			ks.ips[ip.IP] = r
			if r != ip.IP {
				add(ip.IP, r)
			}
		}
		o := &d.Observations
		for _, h := range o.DHCP {
			add(h.Hostname, "[redacted]")
			add(h.ClientID, "[redacted]")
		}
		for _, h := range o.Hostnames {
			add(h.Value, "[redacted]")
			add(strings.TrimSuffix(h.Value, ".local"), "[redacted]")
		}
		for _, m := range o.MDNS {
			add(strings.TrimSuffix(strings.TrimSuffix(m.Instance, m.Service), "."), "[redacted]")
			add(strings.TrimSuffix(strings.TrimSuffix(m.Host, "."), ".local"), "[redacted]")
		}
		for _, s := range o.SSDP {
			if u, ok := strings.CutPrefix(s.USN, "uuid:"); ok {
				u, _, _ = strings.Cut(u, "::")
				add(u, "[redacted]")
			}
		}
		for _, u := range o.UPnP {
			add(u.FriendlyName, "[redacted]")
			add(u.SerialNumber, "[redacted]")
		}
	}
	ks.heads = newHeadTable(heads)
	return ks
}

func isAlnum(c byte) bool { return byteClass[c]&classAlnum != 0 }

func lower(c byte) byte { return byteLower[c] }

// byteClass and byteLower answer isAlnum, isHex and lower with one load
// each (replace and redactMACsIn ask at every byte of a result's texts).
var byteClass, byteLower = func() (class, low [256]byte) {
	for c := range 256 {
		b := byte(c)
		low[c] = b
		if 'A' <= b && b <= 'Z' {
			low[c] = b + 'a' - 'A'
		}
		if ('0' <= b && b <= '9') || ('a' <= low[c] && low[c] <= 'z') {
			class[c] |= classAlnum
		}
		if ('0' <= b && b <= '9') || ('a' <= low[c] && low[c] <= 'f') {
			class[c] |= classHex
		}
	}
	return class, low
}()

const (
	classAlnum = 1 << iota
	classHex
)

// replace swaps every known value in s for its replacement. Only
// positions at a word start are tried; one whose first two bytes start no
// value is passed over, the others cost one probe of heads for their
// first three bytes, then, for each length of value that starts so, from
// the longest, a test of the candidate's shape, and a look-up in vals of
// those that have a value's shape.
func (ks *knownSet) replace(s string) string {
	if len(ks.vals) == 0 {
		return s
	}
	var b strings.Builder
	var buf [64]byte
	last := 0
	for i := 0; i+minKnown <= len(s); i++ {
		if i > 0 && isAlnum(s[i-1]) && isAlnum(s[i]) {
			continue
		}
		b0, b1 := lower(s[i]), lower(s[i+1])
		if !ks.mayStart(b0, b1) {
			continue
		}
		h := head(b0, b1, lower(s[i+2]))
		lens := ks.heads.lens(h)
		if lens == 0 {
			continue
		}
		var long []int
		if lens&(1<<63) != 0 {
			long, lens = ks.heads.long[h], lens&^(1<<63)
		}
		for lens != 0 || len(long) > 0 {
			var n int
			if len(long) > 0 {
				n, long = long[0], long[1:]
			} else {
				bit := 63 - bits.LeadingZeros64(lens)
				n, lens = bit+minKnown, lens&^(1<<bit)
			}
			end := i + n
			if end > len(s) || (end < len(s) && isAlnum(s[end]) && isAlnum(s[end-1])) ||
				!ks.hasShape(h, lower(s[end-2]), lower(s[end-1]), n) {
				continue
			}
			low := buf[:0]
			for j := i; j < end; j++ {
				low = append(low, lower(s[j]))
			}
			repl, ok := ks.vals[string(low)]
			if !ok {
				continue
			}
			b.WriteString(s[last:i])
			b.WriteString(repl)
			last = end
			i = end - 1
			break
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactMACsIn replaces every MAC address written in s: a device's own
// (in any common form: aa:bb:.., aa-bb-.., aabb.ccdd.eeff, or twelve bare
// hex digits) by its redacted ID, and any other written with ':' or '-'
// by its vendor half and "xx:xx:xx".
func redactMACsIn(s string, k *redactor) string {
	var b strings.Builder
	last := 0
	for i := 0; i+12 <= len(s); i++ {
		if !isHex(s[i+1]) {
			// Neither i nor i+1 starts two hex digits: both passed
			// over at once (most bytes of a name or a message).
			i++
			continue
		}
		// Every form starts with two hex digits, then a separator
		// (aa:bb:.., aa-bb-..) or two more (aabb.ccdd.eeff,
		// aabbccddeeff), and within a run of hex digits only the forms
		// with separators can start (macAt would say no: this says it
		// without the call, for most of the bytes of a text).
		if !isHex(s[i]) || !isHex(s[i+1]) ||
			(s[i+2] != ':' && s[i+2] != '-' && (i > 0 && isHex(s[i-1]) || !isHex(s[i+2]) || !isHex(s[i+3]))) ||
			(i > 0 && isHex(s[i-1]) && i+17 > len(s)) {
			continue
		}
		hw, n := macAt(s, i)
		if n == 0 {
			continue
		}
		repl, known := k.known.macs[hw]
		if !known {
			if n != 17 {
				continue
			}
			repl = s[i:i+9] + "xx:xx:xx"
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + n
		i += n - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isHex(c byte) bool { return byteClass[c]&classHex != 0 }

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// macAt reads a MAC address at s[i:]: aa:bb:cc:dd:ee:ff or
// aa-bb-cc-dd-ee-ff (17 bytes, wherever they stand), or, at hex-digit
// boundaries, aabb.ccdd.eeff (14) or aabbccddeeff (12). It returns the
// address and its length, or a length of 0.
func macAt(s string, i int) (hw [6]byte, n int) {
	if i+17 <= len(s) && (s[i+2] == ':' || s[i+2] == '-') {
		sep := s[i+2]
		ok := true
		for j := 0; j < 17 && ok; j++ {
			if j%3 == 2 {
				ok = s[i+j] == sep
			} else {
				ok = isHex(s[i+j])
			}
		}
		if ok {
			for b := range hw {
				hw[b] = hexVal(s[i+3*b])<<4 | hexVal(s[i+3*b+1])
			}
			return hw, 17
		}
	}
	if i > 0 && isHex(s[i-1]) {
		return hw, 0
	}
	var d [12]byte
	j, m := i, 0
	for ; j < len(s) && m < 12; j++ {
		switch c := s[j]; {
		case isHex(c):
			d[m] = hexVal(c)
			m++
		case c == '.' && j-i == 4 || c == '.' && j-i == 9:
		default:
			return hw, 0
		}
	}
	if m < 12 || (j < len(s) && isHex(s[j])) || (j-i != 12 && !(j-i == 14 && s[i+4] == '.' && s[i+9] == '.')) {
		return hw, 0
	}
	for b := range hw {
		hw[b] = d[2*b]<<4 | d[2*b+1]
	}
	return hw, j - i
}
