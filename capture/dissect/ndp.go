package dissect

import (
	"encoding/binary"
	"net/netip"

	"github.com/tattle-audit/tattle/capture"
)

// ICMPv6 neighbour discovery message types and options (RFC 4861 §4,
// RFC 8106 for RDNSS).
const (
	ndpRouterAdvert = 134

	ndpOptSourceLL = 1
	ndpOptPrefix   = 3
	ndpOptMTU      = 5
	ndpOptRDNSS    = 25
)

// ndpMaxEvents bounds the router events one flow (one router's
// advertisements to one group or host) yields: routers repeat the same
// advertisement every few minutes, and a flood must not cost the sink
// an event per packet.
const ndpMaxEvents = 4

// NDP reads IPv6 neighbour discovery's router advertisements: a host
// saying it is a router, and whether it is the default one (the gateway
// evidence of IPv6 networks). Neighbour advertisements' router flag is
// not read: every IPv6 router on the link sets it, smart-home border
// routers (Thread's, in speakers and hubs) too, so it does not single out
// the gateway; a router advertisement's lifetime does.
type NDP struct{}

// NewNDP returns the neighbour discovery dissector.
func NewNDP() *NDP { return &NDP{} }

// Name implements capture.Dissector.
func (*NDP) Name() string { return "ndp" }

// ICMPv6 marks NDP as a reader of ICMPv6 messages (capture.ICMPv6Dissector).
func (*NDP) ICMPv6() {}

// Dissect implements capture.Dissector.
func (*NDP) Dissect(p *capture.Packet, emit func(capture.Event)) {
	b := p.Payload
	if p.Transport != capture.ICMPv6 || len(b) < 4 || b[0] != ndpRouterAdvert || b[1] != 0 {
		return
	}
	e := routerAdvert(p, b)
	if e == nil {
		return
	}
	st := p.State()
	n, _ := (*st).(int)
	if n >= ndpMaxEvents {
		p.Done()
		return
	}
	*st = n + 1
	emit(e)
}

// routerAdvert reads a router advertisement (RFC 4861 §4.2). A router
// advertisement must come from a link-local address (§6.1.2).
func routerAdvert(p *capture.Packet, b []byte) *capture.RouterEvent {
	if len(b) < 16 {
		p.Flow.Note("ndp: short router advertisement")
		return nil
	}
	if !p.Src.Addr().IsLinkLocalUnicast() {
		return nil
	}
	e := &capture.RouterEvent{Meta: p.Meta,
		Managed: b[5]&0x80 != 0, OtherConfig: b[5]&0x40 != 0,
		Lifetime: binary.BigEndian.Uint16(b[6:8])}
	if !ndpOptions(p, b[16:], e) {
		return nil
	}
	return e
}

// ndpOptions reads a router advertisement's options into e: the source
// link-layer address, prefixes, MTU and DNS servers. A malformed
// option list (a zero length, one past the end) is noted and the message
// dropped, as RFC 4861 §6.1 asks.
func ndpOptions(p *capture.Packet, b []byte, e *capture.RouterEvent) bool {
	for len(b) > 0 {
		if len(b) < 2 || b[1] == 0 || int(b[1])*8 > len(b) {
			p.Flow.Note("ndp: bad option")
			return false
		}
		opt := b[:int(b[1])*8]
		b = b[len(opt):]
		switch opt[0] {
		case ndpOptSourceLL:
			if len(opt) >= 8 {
				copy(e.LinkAddr[:], opt[2:8])
			}
		case ndpOptPrefix:
			if len(opt) == 32 && opt[2] <= 128 && len(e.Prefixes) < capture.MaxRouterPrefixes {
				if pfx, err := netip.AddrFrom16([16]byte(opt[16:32])).Prefix(int(opt[2])); err == nil {
					e.Prefixes = append(e.Prefixes, pfx)
				}
			}
		case ndpOptMTU:
			if len(opt) == 8 {
				e.MTU = binary.BigEndian.Uint32(opt[4:8])
			}
		case ndpOptRDNSS:
			for a := opt[8:]; len(a) >= 16 && len(e.DNS) < capture.MaxRouterDNS; a = a[16:] {
				e.DNS = append(e.DNS, netip.AddrFrom16([16]byte(a[:16])))
			}
		}
	}
	return true
}
