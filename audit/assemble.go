package audit

import (
	"github.com/tattle-audit/tattle/internal/bigsort"
	"github.com/tattle-audit/tattle/internal/par"
	"github.com/tattle-audit/tattle/result"
)

// Devices turns what the Builder saw into result devices, sorted by ID,
// each with sorted destinations and observations. Devices are assembled
// on all cores (each from its own state; the knowledge is read-only).
// It ends the build: the Builder takes no events after it, and a second
// call returns nothing.
func (b *Builder) Devices() []result.Device { return b.assemble(0) }

// assemble is Devices on at most workers goroutines (below 1: par.Workers()).
func (b *Builder) assemble(workers int) []result.Device {
	devs := make([]*device, 0, len(b.devices))
	for _, d := range b.devices {
		if d.empty() {
			// A receiver of DNS answers that never sent anything itself
			// (a capture cut mid-conversation) is not a device we can say
			// anything about; its names still served the global table.
			continue
		}
		devs = append(devs, d)
	}
	for _, d := range devs {
		b.nameLate(d)
	}
	// What the builder gathered is let go as the result is made, so
	// the two are not both held at their largest (a scan's peak memory).
	gw := b.gw.signals()
	if b.SeparateFiles {
		gw = b.gatewaySignals()
	}
	b.devices, b.global, b.flowNames, b.doneNames = nil, nil, nil, nil
	out := make([]result.Device, len(devs))
	if workers < 1 {
		workers = par.Workers()
	}
	lks := make([]lookups, workers) // each worker's names looked up
	par.ForEach(len(devs), workers, func(w, i int) {
		out[i] = devs[i].result()
		if b.Know != nil && !devs[i].key.overflow {
			// The overflow device is many devices: no one identity.
			b.Know.identify(&lks[w], &out[i], devs[i], gw[devs[i].key.mac])
		}
		devs[i] = nil
	})
	bigsort.Slice(out, func(a, b *result.Device) bool { return a.ID < b.ID })
	return out
}

func (d *device) result() result.Device {
	rd := result.Device{
		ID:       d.key.String(),
		Packets:  d.packets,
		BytesOut: d.out,
		BytesIn:  d.in,
		First:    d.first,
		Last:     d.last,
	}
	if !d.key.mac.IsZero() {
		rd.MAC = d.key.mac.String()
		rd.LocallyAdministered = d.key.mac[0]&2 != 0
	}
	for _, p := range parts {
		if p.fill != nil {
			p.fill(d, &rd)
		}
	}
	if len(d.dests) > 0 {
		rd.Destinations = make([]result.Destination, 0, len(d.dests))
	}
	for _, a := range d.dests {
		rd.Destinations = append(rd.Destinations, a.result())
	}
	bigsort.Slice(rd.Destinations, destLess)
	rd.Findings = d.findings(&rd)
	return rd
}

// addrs returns the device's addresses, the first seen first.
func (d *device) addrs() []result.AddrSeen {
	if d.ips.len() == 0 {
		return nil
	}
	out := make([]result.AddrSeen, 0, d.ips.len())
	for _, s := range d.ips.m {
		out = append(out, *s)
	}
	bigsort.Slice(out, func(a, b *result.AddrSeen) bool {
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		return a.IP < b.IP
	})
	return out
}

func destLess(a, b *result.Destination) bool {
	if a.Name != b.Name {
		// named destinations first, then by name
		if a.Name == "" || b.Name == "" {
			return b.Name == ""
		}
		return a.Name < b.Name
	}
	if a.IP != b.IP {
		return a.IP < b.IP
	}
	if a.Port != b.Port {
		return a.Port < b.Port
	}
	return a.Transport < b.Transport
}

func (a *destAgg) result() result.Destination {
	rd := a.rd
	rd.Name = a.key.name
	rd.Names = append([]result.NameSeen(nil), a.rd.Names...)
	rd.IP = a.ip.String()
	rd.Port = a.key.port
	rd.Transport = a.key.transport.String()
	rd.Local = isLocal(a.ip)
	rd.TLS = a.tls
	rd.Party = result.PartyUnclassified
	if rd.Local {
		rd.Party = result.PartyLocal
	}
	if c := a.cert; c != nil && rd.TLS != nil {
		rd.TLS.CertSubject, rd.TLS.CertIssuer, rd.TLS.CertNotAfter, rd.TLS.CertSelfSigned = c.Subject, c.Issuer, c.NotAfter, c.SelfSigned
	}
	for _, ip := range a.otherIPs {
		rd.OtherIPs = append(rd.OtherIPs, ip.String())
	}
	if !a.key.ip.IsValid() && a.key.name == "" {
		rd.IP, rd.Name = "*", "(other addresses)"
	}
	if len(a.protocols) > 0 {
		rd.Protocols = a.protocols // sorted; the destination is let go after
	}
	return rd
}

// nameLate names the destinations a device reached by address before any
// DNS answer named that address: a flow that ended before the answer came
// (or was read from an earlier file) belongs with the named destination
// its address turned out to be.
func (b *Builder) nameLate(d *device) {
	var unnamed []destKey
	for k, a := range d.dests {
		if k.name == "" && k.ip.IsValid() && !a.rd.Inbound && !isLocal(k.ip) {
			unnamed = append(unnamed, k)
		}
	}
	bigsort.Slice(unnamed, func(a, b *destKey) bool { // merge order decides first-seen ties
		if c := a.ip.Compare(b.ip); c != 0 {
			return c < 0
		}
		if a.port != b.port {
			return a.port < b.port
		}
		return a.transport < b.transport
	})
	for _, k := range unnamed {
		a := d.dests[k]
		src := "dns"
		r, ok := d.names.best(k.ip, a.rd.First)
		if !ok {
			if r, ok = b.global.best(k.ip, a.rd.First); !ok {
				continue
			}
			src = "dns-other-client"
		}
		a.rd.Names = appendName(a.rd.Names, result.NameSeen{Name: r.name, Source: src, File: r.file, Packet: r.packet})
		if r.cname != "" {
			a.rd.Names = appendName(a.rd.Names, result.NameSeen{Name: r.cname, Source: "dns-cname", File: r.file, Packet: r.packet})
		}
		nk := destKey{name: r.name, port: k.port, transport: k.transport}
		delete(d.dests, k)
		if into := d.dests[nk]; into != nil {
			into.merge(a)
			continue
		}
		a.key = nk
		d.dests[nk] = a
	}
}

// merge adds what o saw to a (the same endpoint under one name).
func (a *destAgg) merge(o *destAgg) {
	addTraffic(&a.rd, &o.rd)
	a.otherIPs = addOtherIPs(a.otherIPs, a.ip, o.ip)
	a.otherIPs = addOtherIPs(a.otherIPs, a.ip, o.otherIPs...)
	for _, p := range o.protocols {
		a.addProtocol(p)
	}
	if a.tls == nil {
		a.tls = o.tls
	}
	if a.cert == nil {
		a.cert = o.cert
	}
}
