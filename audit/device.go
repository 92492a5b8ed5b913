package audit

import (
	"net/netip"
	"time"

	"github.com/tattle-audit/tattle/result"
)

// maxDistinct bounds each per-device list of distinct observations; what
// goes past it is counted and reported (see limits.go).
const maxDistinct = 2000

// maxUPnP and maxListen bound a device's UPnP descriptions and listening
// ports.
const (
	maxUPnP   = 64
	maxListen = 256
)

// device is what the Builder gathers about one device. Each bounded
// collection counts what went past its bound in the builder's limit
// counts (limits.go).
type device struct {
	key     devKey
	ips     bounded[netip.Addr, *result.AddrSeen]
	names   *nameTable // DNS answers this device received
	dests   map[destKey]*destAgg
	dhcp    bounded[string, *result.DHCPObs]
	mdns    bounded[string, *result.MDNSObs]
	ssdp    bounded[string, *result.SSDPObs]
	uas     counter
	tls     bounded[string, *result.TLSObs]
	hosts   counter
	queries counter
	over    *limitCounts // the builder's: what went past a bound
	packets uint64
	out, in uint64
	first   time.Time
	last    time.Time
	pdata   bounded[string, *pdAgg]      // personal data found, by destination+type+form
	listen  bounded[string, result.Seen] // "tcp/2081": ports peers opened on this device
	upnp    bounded[string, *result.UPnPObs]
	local   bounded[string, *result.LocalObs]
	// With SeparateFiles: whether the device did something a result
	// shows in the current file, and the listening ports the file added.
	active    bool
	newListen []string
}

func newDevice(k devKey, over *limitCounts) *device {
	return &device{
		key:     k,
		over:    over,
		ips:     newBounded[netip.Addr, *result.AddrSeen](limDeviceIPs, over),
		names:   newNameTable(over, false),
		dests:   map[destKey]*destAgg{},
		dhcp:    newBounded[string, *result.DHCPObs](limDeviceDHCP, over),
		mdns:    newBounded[string, *result.MDNSObs](limDeviceMDNS, over),
		ssdp:    newBounded[string, *result.SSDPObs](limDeviceSSDP, over),
		uas:     newBounded[string, *result.Seen](limDeviceUAs, over),
		tls:     newBounded[string, *result.TLSObs](limDeviceTLS, over),
		hosts:   newBounded[string, *result.Seen](limDeviceHosts, over),
		queries: newBounded[string, *result.Seen](limDeviceQueries, over),
		pdata:   newBounded[string, *pdAgg](limDevicePersonal, over),
		listen:  newBounded[string, result.Seen](limDeviceListen, over),
		upnp:    newBounded[string, *result.UPnPObs](limDeviceUPnP, over),
		local:   newBounded[string, *result.LocalObs](limDeviceLocal, over),
	}
}

// part is one collection of what a device did that its result shows.
type part struct {
	n     int    // how many it holds
	fill  func() // puts them in the result (nil: result does it itself)
	shown bool   // whether it alone makes the device one a result shows
}

// parts lists every collection of the device, each with how it fills rd:
// result assembles from this list and empty reads it, so neither can
// leave one out. A new collection goes here.
func (d *device) parts(rd *result.Device) []part {
	o := &rd.Observations
	return []part{
		{n: len(d.dests), shown: true}, // destinations and personal data: see result
		{n: d.pdata.len(), shown: true},
		{d.dhcp.len(), func() { o.DHCP = sortedValues(&d.dhcp, deref[result.DHCPObs]) }, true},
		{d.mdns.len(), func() { o.MDNS = sortedValues(&d.mdns, deref[result.MDNSObs]) }, true},
		{d.ssdp.len(), func() { o.SSDP = sortedValues(&d.ssdp, deref[result.SSDPObs]) }, true},
		{d.uas.len(), func() { o.UserAgents = sortedValues(&d.uas, deref[result.Seen]) }, true},
		{d.tls.len(), func() { o.JA4 = sortedValues(&d.tls, deref[result.TLSObs]) }, true},
		{d.hosts.len(), func() { o.Hostnames = sortedValues(&d.hosts, deref[result.Seen]) }, true},
		{d.upnp.len(), func() { o.UPnP = sortedValues(&d.upnp, deref[result.UPnPObs]) }, true},
		{d.local.len(), func() { o.Local = sortedValues(&d.local, deref[result.LocalObs]) }, true},
		{d.queries.len(), func() { o.DNSQueries = sortedValues(&d.queries, deref[result.Seen]) }, true},
		// Addresses and ports neighbours opened are shown, but a device
		// with nothing else (it only received) is none.
		{d.ips.len(), func() { rd.IPs = d.addrs() }, false},
		{d.listen.len(), func() { o.Listening = sortedValues(&d.listen, same[result.Seen]) }, false},
	}
}

func deref[T any](p *T) T { return *p }
func same[T any](v T) T   { return v }

// empty reports whether the device did nothing a result shows: it sent
// nothing, only received DNS answers or had ports opened by neighbours.
func (d *device) empty() bool {
	for _, p := range d.parts(&result.Device{}) {
		if p.shown && p.n > 0 {
			return false
		}
	}
	return true
}

func (d *device) seenIP(ip netip.Addr, t time.Time) {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() {
		return
	}
	if s, ok := d.ips.get(ip); ok {
		if t.Before(s.First) {
			s.First = t
		}
		if t.After(s.Last) {
			s.Last = t
		}
		return
	}
	d.ips.add(ip, &result.AddrSeen{IP: ip.String(), First: t, Last: t})
}

func (d *device) touch(t time.Time) {
	if d.first.IsZero() || t.Before(d.first) {
		d.first = t
	}
	if t.After(d.last) {
		d.last = t
	}
}
