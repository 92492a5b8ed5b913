package audit

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
)

// maxBehind bounds the internet addresses counted per MAC.
const maxBehind = 1024

// gateways gathers the signals that single out the network's gateway:
// the MACs that answered DHCP, and the MAC behind which the internet
// addresses the LAN talks to sit (on a LAN every off-link packet goes to
// the default router's MAC).
type gateways struct {
	dhcp   map[capture.MAC]fingerprints.Ref
	behind map[capture.MAC]*behindMAC
	last   *behindMAC // the one internet saw last: mostly the gateway's
	// routers are the MACs that sent IPv6 router advertisements as the
	// default router, with what the first one said.
	routers map[capture.MAC]fingerprints.Signal
}

type behindMAC struct {
	mac capture.MAC
	ips map[netip.Addr]struct{}
	// lastIP is the address internet added last: flows through a MAC
	// mostly reach the address the one before reached (on big.pcap
	// two in five).
	lastIP netip.Addr
	ref    fingerprints.Ref
}

func (g *gateways) dhcpServer(e *capture.DHCPEvent) {
	if e.V6 || !unicastMAC(e.SrcMAC) {
		return
	}
	if g.dhcp == nil {
		g.dhcp = map[capture.MAC]fingerprints.Ref{}
	}
	if _, ok := g.dhcp[e.SrcMAC]; !ok && len(g.dhcp) < 64 {
		g.dhcp[e.SrcMAC] = fingerprints.Ref{File: e.File, Packet: e.Packet}
	}
}

// maxRouters bounds the MACs kept as IPv6 routers (as for DHCP servers:
// a network has one or two).
const maxRouters = 64

// router records an IPv6 router advertisement in which the sender
// offers itself as the default router (a lifetime above zero). One with
// lifetime 0 names a router that is not the way out: Thread border
// routers, built into smart speakers and hubs, advertise their mesh
// prefixes so, and they are not the network's gateway.
func (g *gateways) router(e *capture.RouterEvent) {
	mac := e.SrcMAC
	if !unicastMAC(mac) {
		mac = e.LinkAddr // no link layer (raw IP): the MAC the message states
	}
	if e.Lifetime == 0 || !unicastMAC(mac) {
		return
	}
	if g.routers == nil {
		g.routers = map[capture.MAC]fingerprints.Signal{}
	}
	if _, seen := g.routers[mac]; seen || len(g.routers) >= maxRouters {
		return
	}
	g.routers[mac] = fingerprints.Signal{Value: routerDetail(e), Ref: fingerprints.Ref{File: e.File, Packet: e.Packet}}
}

// routerDetail says what a default router's advertisement states: its
// lifetime, the prefixes, MTU and DNS servers it announces.
func routerDetail(e *capture.RouterEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent IPv6 router advertisements as the default router (RFC 4861), for %d s", e.Lifetime)
	if len(e.Prefixes) > 0 {
		ps := make([]string, len(e.Prefixes))
		for i, p := range e.Prefixes {
			ps[i] = p.String()
		}
		fmt.Fprintf(&b, "; prefixes %s", strings.Join(ps, ", "))
	}
	if e.MTU > 0 {
		fmt.Fprintf(&b, "; MTU %d", e.MTU)
	}
	if len(e.DNS) > 0 {
		ds := make([]string, len(e.DNS))
		for i, a := range e.DNS {
			ds[i] = a.String()
		}
		fmt.Fprintf(&b, "; DNS %s", strings.Join(ds, ", "))
	}
	switch {
	case e.Managed:
		b.WriteString("; addresses from DHCPv6")
	case e.OtherConfig:
		b.WriteString("; other configuration from DHCPv6")
	}
	return b.String()
}

// internet records that ip, an internet address, was reached through mac.
func (g *gateways) internet(mac capture.MAC, ip netip.Addr, file string, pkt uint64, over *limitCounts) {
	if !unicastMAC(mac) || isLocal(ip) {
		return
	}
	b := g.last
	if b == nil || b.mac != mac {
		if g.behind == nil {
			g.behind = map[capture.MAC]*behindMAC{}
		}
		b = g.behind[mac]
		if b == nil {
			if len(g.behind) >= maxGatewayMACs {
				over.add(limGatewayMACs)
				return
			}
			b = &behindMAC{mac: mac, ips: map[netip.Addr]struct{}{}, ref: fingerprints.Ref{File: file, Packet: pkt}}
			g.behind[mac] = b
		}
		g.last = b
	}
	if ip = ip.Unmap(); ip != b.lastIP && len(b.ips) < maxBehind {
		b.ips[ip] = struct{}{}
		b.lastIP = ip
	}
}

// signals returns, by MAC, why the audit takes it for the gateway.
func (g *gateways) signals() map[capture.MAC][]fingerprints.Signal {
	out := map[capture.MAC][]fingerprints.Signal{}
	for mac, ref := range g.dhcp {
		out[mac] = append(out[mac], fingerprints.Signal{Value: "answered DHCP requests (a DHCP server: the network's router)", Ref: ref})
	}
	for mac, sig := range g.routers {
		out[mac] = append(out[mac], sig)
	}
	// The default route: the one MAC most internet addresses sit behind,
	// if at least two do and no other MAC has as many.
	var best capture.MAC
	n, tie := 0, false
	for mac, b := range g.behind {
		switch {
		case len(b.ips) > n:
			best, n, tie = mac, len(b.ips), false
		case len(b.ips) == n:
			tie = true
		}
	}
	if n >= 2 && !tie {
		out[best] = append(out[best], fingerprints.Signal{Value: fmt.Sprintf("%d internet addresses are reached through its MAC (the default route)", n), Ref: g.behind[best].ref})
	}
	return out
}

// gatewayKind is what a gateway signal says without its count, so the
// signals of several files (merged results, SeparateFiles) are kept one
// of each kind, the first file's.
func gatewayKind(v string) string { return strings.TrimLeft(v, "0123456789") }

// addGatewaySignals adds to into the signals of from whose kind it lacks.
func addGatewaySignals(into []fingerprints.Signal, from ...fingerprints.Signal) []fingerprints.Signal {
	for _, sig := range from {
		if !slices.ContainsFunc(into, func(g fingerprints.Signal) bool { return gatewayKind(g.Value) == gatewayKind(sig.Value) }) {
			into = append(into, sig)
		}
	}
	return into
}
