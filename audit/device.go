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
	key devKey
	ips bounded[netip.Addr, *result.AddrSeen]
	// lastIP is the entry of ips seenIP saw last, of address lastAddr
	// (a device mostly has one).
	lastAddr netip.Addr
	lastIP   *result.AddrSeen
	names    *nameTable // DNS answers this device received
	dests    map[destKey]*destAgg
	dhcp     bounded[string, *result.DHCPObs]
	mdns     bounded[string, *result.MDNSObs]
	ssdp     bounded[string, *result.SSDPObs]
	uas      counter
	tls      bounded[string, *result.TLSObs]
	hosts    counter
	queries  counter
	over     *limitCounts // the builder's: what went past a bound
	packets  uint64
	out, in  uint64
	first    time.Time
	last     time.Time
	pdata    bounded[string, *pdAgg]      // personal data found, by destination+type+form
	listen   bounded[string, result.Seen] // "tcp/2081": ports peers opened on this device
	upnp     bounded[string, *result.UPnPObs]
	local    bounded[string, *result.LocalObs]
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

// part is one collection of what a device gathers.
type part struct {
	n     func(d *device) int
	fill  func(d *device, rd *result.Device) // puts it in the result (nil: result does it itself)
	shown bool                               // whether it alone makes the device one a result shows
}

// parts lists every collection of a device, each with how it fills the
// device's result: result assembles from this list and empty reads it, so
// neither can leave one out. A new collection goes here
// (TestPartsListEveryCollection fails until it is).
var parts = []part{
	{func(d *device) int { return len(d.dests) }, nil, true}, // destinations and personal data: see result
	{func(d *device) int { return d.pdata.len() }, nil, true},
	{func(d *device) int { return d.dhcp.len() }, func(d *device, rd *result.Device) {
		rd.Observations.DHCP = sortedValues(&d.dhcp, deref[result.DHCPObs])
	}, true},
	{func(d *device) int { return d.mdns.len() }, func(d *device, rd *result.Device) {
		rd.Observations.MDNS = sortedValues(&d.mdns, deref[result.MDNSObs])
	}, true},
	{func(d *device) int { return d.ssdp.len() }, func(d *device, rd *result.Device) {
		rd.Observations.SSDP = sortedValues(&d.ssdp, deref[result.SSDPObs])
	}, true},
	{func(d *device) int { return d.uas.len() }, func(d *device, rd *result.Device) {
		rd.Observations.UserAgents = sortedValues(&d.uas, deref[result.Seen])
	}, true},
	{func(d *device) int { return d.tls.len() }, func(d *device, rd *result.Device) {
		rd.Observations.JA4 = sortedValues(&d.tls, deref[result.TLSObs])
	}, true},
	{func(d *device) int { return d.hosts.len() }, func(d *device, rd *result.Device) {
		rd.Observations.Hostnames = sortedValues(&d.hosts, deref[result.Seen])
	}, true},
	{func(d *device) int { return d.upnp.len() }, func(d *device, rd *result.Device) {
		rd.Observations.UPnP = sortedValues(&d.upnp, deref[result.UPnPObs])
	}, true},
	{func(d *device) int { return d.local.len() }, func(d *device, rd *result.Device) {
		rd.Observations.Local = sortedValues(&d.local, deref[result.LocalObs])
	}, true},
	{func(d *device) int { return d.queries.len() }, func(d *device, rd *result.Device) {
		rd.Observations.DNSQueries = sortedValues(&d.queries, deref[result.Seen])
	}, true},
	// Addresses and the ports neighbours opened are shown, but a device
	// with nothing else (it only received) is none.
	{func(d *device) int { return d.ips.len() }, func(d *device, rd *result.Device) { rd.IPs = d.addrs() }, false},
	{func(d *device) int { return d.listen.len() }, func(d *device, rd *result.Device) {
		rd.Observations.Listening = sortedValues(&d.listen, same[result.Seen])
	}, false},
}

func deref[T any](p *T) T { return *p }
func same[T any](v T) T   { return v }

// empty reports whether the device did nothing a result shows: it sent
// nothing, only received DNS answers or had ports opened by neighbours.
func (d *device) empty() bool {
	for _, p := range parts {
		if p.shown && p.n(d) > 0 {
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
	s := d.lastIP
	if s == nil || d.lastAddr != ip {
		var ok bool
		if s, ok = d.ips.get(ip); ok {
			d.lastAddr, d.lastIP = ip, s
		}
	}
	if s != nil {
		if t.Before(s.First) {
			s.First = t
		}
		if t.After(s.Last) {
			s.Last = t
		}
		return
	}
	s = &result.AddrSeen{IP: ip.String(), First: t, Last: t}
	if d.ips.add(ip, s) {
		d.lastAddr, d.lastIP = ip, s
	}
}

func (d *device) touch(t time.Time) {
	if d.first.IsZero() || t.Before(d.first) {
		d.first = t
	}
	if t.After(d.last) {
		d.last = t
	}
}
