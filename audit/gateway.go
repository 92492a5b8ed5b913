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
}

type behindMAC struct {
	ips map[netip.Addr]struct{}
	ref fingerprints.Ref
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

// internet records that ip, an internet address, was reached through mac.
func (g *gateways) internet(mac capture.MAC, ip netip.Addr, file string, pkt uint64, over *limitCounts) {
	if !unicastMAC(mac) || isLocal(ip) {
		return
	}
	if g.behind == nil {
		g.behind = map[capture.MAC]*behindMAC{}
	}
	b := g.behind[mac]
	if b == nil {
		if len(g.behind) >= maxGatewayMACs {
			over.add(limGatewayMACs)
			return
		}
		b = &behindMAC{ips: map[netip.Addr]struct{}{}, ref: fingerprints.Ref{File: file, Packet: pkt}}
		g.behind[mac] = b
	}
	if len(b.ips) < maxBehind {
		b.ips[ip.Unmap()] = struct{}{}
	}
}

// signals returns, by MAC, why the audit takes it for the gateway.
func (g *gateways) signals() map[capture.MAC][]fingerprints.Signal {
	out := map[capture.MAC][]fingerprints.Signal{}
	for mac, ref := range g.dhcp {
		out[mac] = append(out[mac], fingerprints.Signal{Value: "answered DHCP requests (a DHCP server: the network's router)", Ref: ref})
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
