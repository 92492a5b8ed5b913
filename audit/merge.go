package audit

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// Merge combines results made apart (on several machines, by parallel
// jobs) into the one a single scan of all their inputs would make (each
// file its own capture: see Config.SeparateFiles; inputs taken in the
// order of their names) when no flow or DNS answer spans two inputs: a device
// seen in several is one device, its addresses, observations and
// destinations are merged (counts summed, first and last seen widened,
// first evidence kept from the earliest input), and what follows from
// them is made again from the merged facts: identity, classification,
// parties and the audit findings. Personal data found in payloads cannot
// be found again; those findings are merged by ID (counts summed,
// evidence appended). Policy verdicts and scores are left to
// policy.Apply, as after a scan.
//
// Results whose personal data was redacted cannot be merged: redaction
// folds different devices into one placeholder.
func Merge(results []*result.Result, know *Knowledge) (*result.Result, error) {
	if len(results) == 0 {
		return nil, errors.New("audit: merge: no results")
	}
	// The order of the inputs decides which evidence comes first; taking
	// them by their first input's name, as a scan of a directory reads
	// its files, makes the merge independent of the order given.
	sorted := append([]*result.Result(nil), results...)
	sort.SliceStable(sorted, func(i, j int) bool { return firstInput(sorted[i]) < firstInput(sorted[j]) })
	m := NewMerger(know)
	for _, r := range sorted {
		if err := m.Add(r); err != nil {
			return nil, err
		}
	}
	return m.Result(), nil
}

func firstInput(r *result.Result) string {
	if len(r.Inputs) == 0 {
		return ""
	}
	return r.Inputs[0].Name
}

// Merger merges results one by one, in order (see Merge).
type Merger struct {
	know       *Knowledge
	out        *result.Result
	devs       map[string]*mergeDev
	notChecked map[string]bool
	n          int
}

// NewMerger returns an empty Merger; nil knowledge means the embedded one.
func NewMerger(know *Knowledge) *Merger {
	if know == nil {
		know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	}
	return &Merger{know: know, out: &result.Result{Schema: result.SchemaVersion, Inputs: []result.Input{}},
		devs: map[string]*mergeDev{}, notChecked: map[string]bool{}}
}

// Add merges one more result.
func (mg *Merger) Add(r *result.Result) error {
	mg.n++
	if r.Redacted {
		return fmt.Errorf("audit: merge: result %d is redacted (personal data replaced, devices folded); merge results written with --show-personal-data", mg.n)
	}
	if r.Schema != result.SchemaVersion {
		return fmt.Errorf("audit: merge: result %d has schema %q, want %q", mg.n, r.Schema, result.SchemaVersion)
	}
	out := mg.out
	if mg.n == 1 {
		out.Tool = r.Tool
	}
	out.Inputs = append(out.Inputs, r.Inputs...)
	out.Warnings = append(out.Warnings, r.Warnings...)
	addStats(&out.Stats, &r.Stats)
	for _, n := range r.NotChecked {
		if !mg.notChecked[n] {
			mg.notChecked[n] = true
			out.NotChecked = append(out.NotChecked, n)
		}
	}
	for j := range r.Devices {
		d := &r.Devices[j]
		m := mg.devs[d.ID]
		if m == nil {
			m = newMergeDev(d)
			mg.devs[d.ID] = m
		}
		m.add(d)
	}
	return nil
}

// Result assembles the merged result. The Merger takes no more after it.
func (mg *Merger) Result() *result.Result {
	out := mg.out
	out.Devices = make([]result.Device, 0, len(mg.devs))
	for _, id := range sortedKeys(mg.devs) {
		out.Devices = append(out.Devices, mg.devs[id].result(mg.know))
	}
	mg.devs = nil
	return out
}

func addStats(a, b *result.Stats) {
	a.Packets += b.Packets
	a.Bytes += b.Bytes
	a.Flows += b.Flows
	a.Fragments += b.Fragments
	a.Undecoded += b.Undecoded
	a.Truncated += b.Truncated
	a.KernelDrops += b.KernelDrops
	a.ClockSteps += b.ClockSteps
	for k, v := range b.Malformed {
		if a.Malformed == nil {
			a.Malformed = map[string]uint64{}
		}
		a.Malformed[k] += v
	}
}

// mergeDev gathers one device from several results.
type mergeDev struct {
	rd       result.Device // ID, MAC, counters, first/last
	ips      map[string]*result.AddrSeen
	dhcp     map[string]*result.DHCPObs
	mdns     map[string]*result.MDNSObs
	ssdp     map[string]*result.SSDPObs
	uas      map[string]*result.Seen
	tls      map[string]*result.TLSObs
	hosts    map[string]*result.Seen
	queries  map[string]*result.Seen
	upnp     map[string]*result.UPnPObs
	local    map[string]*result.LocalObs
	listen   map[string]*result.Seen
	dests    map[string]*result.Destination
	personal map[string]*result.Finding
	counts   map[string]int
	gateway  []fingerprints.Signal // why a scan took the device for the gateway
}

func newMergeDev(d *result.Device) *mergeDev {
	return &mergeDev{
		rd:   result.Device{ID: d.ID, MAC: d.MAC, LocallyAdministered: d.LocallyAdministered, First: d.First, Last: d.Last},
		ips:  map[string]*result.AddrSeen{},
		dhcp: map[string]*result.DHCPObs{}, mdns: map[string]*result.MDNSObs{}, ssdp: map[string]*result.SSDPObs{},
		uas: map[string]*result.Seen{}, tls: map[string]*result.TLSObs{}, hosts: map[string]*result.Seen{},
		queries: map[string]*result.Seen{}, upnp: map[string]*result.UPnPObs{}, listen: map[string]*result.Seen{}, local: map[string]*result.LocalObs{},
		dests: map[string]*result.Destination{}, personal: map[string]*result.Finding{}, counts: map[string]int{},
	}
}

func mergeSeen(m map[string]*result.Seen, list []result.Seen) {
	for _, s := range list {
		if o := m[s.Value]; o != nil {
			o.Count += s.Count
			continue
		}
		c := s
		m[s.Value] = &c
	}
}

// destMergeKey is the Builder's destination key: the name, or for an
// unnamed destination its address, with port and transport.
func destMergeKey(d *result.Destination) string {
	ip := d.IP
	if d.Name != "" && d.Name != "(other addresses)" {
		ip = ""
	}
	return d.Name + "\x00" + ip + "\x00" + strconv.Itoa(int(d.Port)) + "\x00" + d.Transport
}

// timesCount is the count at the end of a personal-data finding's message.
var timesCount = regexp.MustCompile(`, (\d+) time\(s\)\.`)

func (m *mergeDev) add(d *result.Device) {
	rd := &m.rd
	rd.Packets += d.Packets
	rd.BytesOut += d.BytesOut
	rd.BytesIn += d.BytesIn
	if !d.First.IsZero() && (rd.First.IsZero() || d.First.Before(rd.First)) {
		rd.First = d.First
	}
	if d.Last.After(rd.Last) {
		rd.Last = d.Last
	}
	for _, a := range d.IPs {
		if o := m.ips[a.IP]; o != nil {
			if a.First.Before(o.First) {
				o.First = a.First
			}
			if a.Last.After(o.Last) {
				o.Last = a.Last
			}
			continue
		}
		c := a
		m.ips[a.IP] = &c
	}
	o := &d.Observations
	for _, x := range o.DHCP {
		k := fmt.Sprintf("%v|%s|%s|%s|%s|%s", x.V6, x.Hostname, x.VendorClass, x.ParamList, x.ClientID, x.MUDURL)
		if e := m.dhcp[k]; e != nil {
			e.Count += x.Count
		} else {
			c := x
			m.dhcp[k] = &c
		}
	}
	for _, x := range o.MDNS {
		k := x.Instance + "\x00" + x.Service
		if m.mdns[k] == nil {
			c := x
			m.mdns[k] = &c
		}
	}
	for _, x := range o.SSDP {
		k := strings.Join([]string{x.Server, x.UserAgent, x.Location, x.NT, x.ST, x.USN}, "\x00")
		if e := m.ssdp[k]; e != nil {
			e.Count += x.Count
		} else {
			c := x
			m.ssdp[k] = &c
		}
	}
	for _, x := range o.JA4 {
		k := x.JA4
		if k == "" {
			k = x.JA3
		}
		if e := m.tls[k]; e != nil {
			e.Count += x.Count
			for _, s := range x.SNIs {
				if len(e.SNIs) < 50 && !slices.Contains(e.SNIs, s) {
					e.SNIs = append(e.SNIs, s)
				}
			}
		} else {
			c := x
			c.SNIs = append([]string(nil), x.SNIs...)
			m.tls[k] = &c
		}
	}
	for _, x := range o.UPnP {
		k := x.Manufacturer + "\x00" + x.ModelName + "\x00" + x.DeviceType
		if m.upnp[k] == nil {
			c := x
			m.upnp[k] = &c
		}
	}
	for _, x := range o.Local {
		k := strings.Join([]string{x.Protocol, x.Model, x.Type, x.ProductKey, x.Version, strconv.FormatBool(x.Encrypted), strconv.FormatBool(x.Query)}, "\x00")
		if e := m.local[k]; e != nil {
			e.Count += x.Count
		} else {
			c := x
			m.local[k] = &c
		}
	}
	mergeSeen(m.uas, o.UserAgents)
	mergeSeen(m.hosts, o.Hostnames)
	mergeSeen(m.queries, o.DNSQueries)
	for _, x := range o.Listening {
		if m.listen[x.Value] == nil {
			c := x
			m.listen[x.Value] = &c
		}
	}
	for i := range d.Destinations {
		m.addDest(&d.Destinations[i])
	}
	// The gateway signals (it answered DHCP, internet addresses sit
	// behind its MAC) are not observations: they are read back from the
	// type evidence they gave, one of each kind, the first file's.
	evs := append(append([]result.Evidence(nil), d.Identity.Type.Evidence...), conflictEvidence(d.Identity.Conflicts)...)
	for _, e := range evs {
		if e.Source != "gateway" {
			continue
		}
		m.gateway = addGatewaySignals(m.gateway, fingerprints.Signal{Value: e.Detail, Ref: fingerprints.Ref{File: e.File, Packet: e.Packet}})
	}
	for _, f := range d.Findings {
		if f.Kind != KindCleartextPersonal && f.Kind != KindCredentials {
			continue // made again from the merged facts
		}
		n := 1
		if sm := timesCount.FindStringSubmatch(f.Message); sm != nil {
			n, _ = strconv.Atoi(sm[1])
		}
		if e := m.personal[f.ID]; e != nil {
			m.counts[f.ID] += n
			for _, ev := range f.Evidence {
				if len(e.Evidence) < maxEvidence {
					e.Evidence = append(e.Evidence, ev)
				}
			}
			continue
		}
		c := f
		c.Evidence = append([]result.Evidence(nil), f.Evidence...)
		m.personal[f.ID] = &c
		m.counts[f.ID] = n
	}
}

func (m *mergeDev) addDest(d *result.Destination) {
	k := destMergeKey(d)
	a := m.dests[k]
	if a == nil {
		c := *d
		c.Names = append([]result.NameSeen(nil), d.Names...)
		c.OtherIPs = append([]string(nil), d.OtherIPs...)
		c.Protocols = append([]string(nil), d.Protocols...)
		if d.TLS != nil {
			t := *d.TLS
			c.TLS = &t
		}
		m.dests[k] = &c
		return
	}
	addTraffic(a, d)
	a.OtherIPs = addOtherIPs(a.OtherIPs, a.IP, d.IP)
	a.OtherIPs = addOtherIPs(a.OtherIPs, a.IP, d.OtherIPs...)
	for _, p := range d.Protocols {
		if !slices.Contains(a.Protocols, p) {
			a.Protocols = append(a.Protocols, p)
		}
	}
	sort.Strings(a.Protocols)
	if a.TLS == nil && d.TLS != nil {
		t := *d.TLS
		a.TLS = &t
	} else if a.TLS != nil && d.TLS != nil && a.TLS.Version == "" && d.TLS.Version != "" {
		a.TLS.Version, a.TLS.Cipher = d.TLS.Version, d.TLS.Cipher
	}
	if a.TLS != nil && d.TLS != nil && a.TLS.CertSubject == "" && d.TLS.CertSubject != "" {
		a.TLS.CertSubject, a.TLS.CertIssuer, a.TLS.CertNotAfter, a.TLS.CertSelfSigned = d.TLS.CertSubject, d.TLS.CertIssuer, d.TLS.CertNotAfter, d.TLS.CertSelfSigned
	}
}

// result assembles the merged device as the Builder does, then makes
// identity, classification and findings again.
func (m *mergeDev) result(know *Knowledge) result.Device {
	rd := m.rd
	for _, a := range m.ips {
		rd.IPs = append(rd.IPs, *a)
	}
	sort.Slice(rd.IPs, func(i, j int) bool {
		if !rd.IPs[i].First.Equal(rd.IPs[j].First) {
			return rd.IPs[i].First.Before(rd.IPs[j].First)
		}
		return rd.IPs[i].IP < rd.IPs[j].IP
	})
	o := &rd.Observations
	o.DHCP = append(o.DHCP, valuesSorted(m.dhcp)...)
	o.MDNS = append(o.MDNS, valuesSorted(m.mdns)...)
	o.SSDP = append(o.SSDP, valuesSorted(m.ssdp)...)
	o.UserAgents = append(o.UserAgents, valuesSorted(m.uas)...)
	o.JA4 = append(o.JA4, valuesSorted(m.tls)...)
	o.Hostnames = append(o.Hostnames, valuesSorted(m.hosts)...)
	o.UPnP = append(o.UPnP, valuesSorted(m.upnp)...)
	o.Local = append(o.Local, valuesSorted(m.local)...)
	o.Listening = append(o.Listening, valuesSorted(m.listen)...)
	o.DNSQueries = append(o.DNSQueries, valuesSorted(m.queries)...)
	for _, d := range m.dests {
		// Classification is made again below.
		d.Domain, d.Organization, d.Parent, d.Category, d.ClassifiedBy = "", "", "", "", ""
		d.Party = result.PartyUnclassified
		if d.Local {
			d.Party = result.PartyLocal
		}
		rd.Destinations = append(rd.Destinations, *d)
	}
	sort.Slice(rd.Destinations, func(i, j int) bool { return destLess(&rd.Destinations[i], &rd.Destinations[j]) })
	var dev device
	if rd.ID == overflowID {
		dev.key.overflow = true
	} else if mac, err := parseMAC(rd.MAC); err == nil {
		dev.key.mac = mac
	} else if ip, err := netip.ParseAddr(strings.TrimPrefix(rd.ID, "ip:")); err == nil {
		dev.key.ip = ip
	}
	rd.Findings = dev.findings(&rd)
	for _, id := range sortedKeys(m.personal) {
		f := *m.personal[id]
		if n := m.counts[id]; n > 0 {
			f.Message = timesCount.ReplaceAllString(f.Message, ", "+strconv.Itoa(n)+" time(s).")
		}
		rd.Findings = append(rd.Findings, f)
	}
	rd.Findings = result.MergeFindings(rd.Findings, maxEvidence)
	if !dev.key.overflow { // the overflow device is many devices: no one identity
		know.identify(nil, &rd, &dev, m.gateway)
	}
	return rd
}

func conflictEvidence(cs []result.Conflict) []result.Evidence {
	var out []result.Evidence
	for _, c := range cs {
		out = append(out, c.Evidence...)
	}
	return out
}

func parseMAC(s string) (capture.MAC, error) {
	var m capture.MAC
	if len(s) != 17 {
		return m, errors.New("not a MAC address")
	}
	for i := 0; i < 6; i++ {
		v, err := strconv.ParseUint(s[3*i:3*i+2], 16, 8)
		if err != nil || (i < 5 && s[3*i+2] != ':') {
			return capture.MAC{}, errors.New("not a MAC address")
		}
		m[i] = byte(v)
	}
	return m, nil
}
