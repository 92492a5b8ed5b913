package dissect

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/tattle-audit/tattle/capture"
)

// DHCP dissects DHCPv4 (RFC 2131/2132) and DHCPv6 (RFC 8415) by hand:
// tolerant of malformed options, which devices send more often than one
// would hope.
type DHCP struct{}

// NewDHCP returns the DHCPv4/DHCPv6 dissector.
func NewDHCP() capture.Dissector { return DHCP{} }

func (DHCP) Name() string { return "dhcp" }

var dhcp4Types = [...]string{1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM",
	9: "FORCERENEW", 10: "LEASEQUERY", 11: "LEASEUNASSIGNED", 12: "LEASEUNKNOWN", 13: "LEASEACTIVE", 14: "BULKLEASEQUERY",
	15: "LEASEQUERYDONE", 16: "ACTIVELEASEQUERY", 17: "LEASEQUERYSTATUS", 18: "TLS"}
var dhcp6Types = [...]string{1: "SOLICIT", 2: "ADVERTISE", 3: "REQUEST", 4: "CONFIRM", 5: "RENEW", 6: "REBIND", 7: "REPLY", 8: "RELEASE", 9: "DECLINE", 10: "RECONFIGURE", 11: "INFORMATION-REQUEST",
	14: "LEASEQUERY", 15: "LEASEQUERY-REPLY", 16: "LEASEQUERY-DONE", 17: "LEASEQUERY-DATA"}

func (DHCP) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP {
		p.Done()
		return
	}
	s, d := p.Src.Port(), p.Dst.Port()
	switch {
	case (s == 67 || s == 68) && (d == 67 || d == 68):
		p.Flow.App = capture.AppDHCP
		if e := parseDHCPv4(p); e != nil {
			emit(e)
		}
	case (s == 546 || s == 547) && (d == 546 || d == 547):
		p.Flow.App = capture.AppDHCPv6
		if e := parseDHCPv6(p); e != nil {
			emit(e)
		}
	default:
		p.Done()
	}
}

func printable(b []byte) string {
	// Keep the bytes as sent (reports escape them); drop trailing NULs
	// that some clients pad names with.
	return strings.TrimRight(string(b), "\x00")
}

// dhcp4Opts gathers the options a DHCPEvent reports. RFC 3396 lets a
// client split a long option into several instances of the same code, to
// be joined in order; the values alias the payload until copied.
type dhcp4Opts struct {
	msgType                                   int // -1 without option 53
	host, fqdn, params, vendor, clientID, mud []byte
	requested                                 []byte
	overload                                  byte
}

func parseDHCPv4(p *capture.Packet) *capture.DHCPEvent {
	b := p.Payload
	if len(b) < 236 || b[0] != 1 && b[0] != 2 {
		p.Flow.Note("dhcp: not a DHCP message")
		return nil
	}
	e := &capture.DHCPEvent{Meta: p.Meta}
	if b[1] == 1 && b[2] == 6 { // Ethernet, 6-byte hardware address
		copy(e.ClientMAC[:], b[28:34])
	}
	if yi := netip.AddrFrom4([4]byte(b[16:20])); !yi.IsUnspecified() {
		e.YourIP = yi
	}
	if len(b) < 240 || binary.BigEndian.Uint32(b[236:]) != 0x63825363 {
		// Plain BOOTP (RFC 951), or a damaged cookie: the fixed header
		// still names the client, the options cannot be trusted.
		p.Flow.Note("dhcp: no magic cookie")
		e.MsgType = "BOOTP"
		return e
	}
	o := dhcp4Opts{msgType: -1}
	o.read(p, b[240:], true)
	// Option overload (RFC 2132 9.3): the file and sname fields carry
	// more options, read in that order.
	if o.overload&1 != 0 {
		o.read(p, b[108:236], false)
	}
	if o.overload&2 != 0 {
		o.read(p, b[44:108], false)
	}
	switch {
	case o.msgType < 0:
		e.MsgType = "BOOTP"
	case o.msgType < len(dhcp4Types) && dhcp4Types[o.msgType] != "":
		e.MsgType = dhcp4Types[o.msgType]
	default:
		e.MsgType = "TYPE" + itoa(o.msgType)
	}
	e.Hostname = printable(o.host)
	if len(o.fqdn) > 3 {
		e.FQDN = fqdnName(o.fqdn[3:], o.fqdn[0]&0x04 != 0)
	}
	if e.Hostname == "" {
		e.Hostname = e.FQDN
	}
	if o.params != nil {
		e.ParamList = append([]uint8{}, o.params...)
	}
	e.VendorClass = printable(o.vendor)
	if o.clientID != nil {
		e.ClientID = append([]byte{}, o.clientID...)
	}
	e.MUDURL = printable(o.mud)
	if len(o.requested) == 4 {
		e.RequestedIP = netip.AddrFrom4([4]byte(o.requested))
	}
	return e
}

// read walks one option area. Values of repeated options are joined
// (copying only when an option repeats, which is rare).
func (o *dhcp4Opts) read(p *capture.Packet, opts []byte, main bool) {
	join := func(dst *[]byte, v []byte) {
		if *dst == nil {
			*dst = v[:len(v):len(v)] // a later append must not write into the payload
			return
		}
		*dst = append(*dst, v...)
	}
	for len(opts) > 0 {
		code := opts[0]
		if code == 255 {
			return
		}
		if code == 0 {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			p.Flow.Note("dhcp: truncated option")
			return
		}
		v := opts[2 : 2+int(opts[1])]
		switch code {
		case 53:
			if len(v) == 1 {
				o.msgType = int(v[0])
			}
		case 12:
			join(&o.host, v)
		case 81: // client FQDN: flags, rcode1, rcode2, name
			join(&o.fqdn, v)
		case 55:
			join(&o.params, v)
		case 60:
			join(&o.vendor, v)
		case 61:
			join(&o.clientID, v)
		case 50:
			o.requested = v
		case 161:
			join(&o.mud, v)
		case 52:
			if main && len(v) == 1 {
				o.overload = v[0]
			}
		}
		opts = opts[2+len(v):]
	}
}

// fqdnName decodes the name of an FQDN option: DNS wire format when the
// E flag is set, else ASCII.
func fqdnName(b []byte, wire bool) string {
	if !wire {
		return strings.TrimSuffix(printable(b), ".")
	}
	var labels []string
	for len(b) > 0 && b[0] != 0 {
		n := int(b[0])
		if n > 63 || 1+n > len(b) {
			break
		}
		labels = append(labels, string(b[1:1+n]))
		b = b[1+n:]
	}
	return strings.Join(labels, ".")
}

func parseDHCPv6(p *capture.Packet) *capture.DHCPEvent {
	e := &capture.DHCPEvent{Meta: p.Meta, V6: true}
	if !dhcpv6Message(p, p.Payload, e, 0) {
		return nil
	}
	return e
}

// dhcpv6Message reads one DHCPv6 message into e. Relay messages (RFC
// 8415 section 9) wrap the client's message in option 9, up to 32 relays
// deep; the client's own message is what describes the client.
func dhcpv6Message(p *capture.Packet, b []byte, e *capture.DHCPEvent, depth int) bool {
	if len(b) < 4 || depth > 32 {
		p.Flow.Note("dhcpv6: short message")
		return false
	}
	t := int(b[0])
	var opts []byte
	if t == 12 || t == 13 {
		if len(b) < 34 {
			p.Flow.Note("dhcpv6: short relay message")
			return false
		}
		opts = b[34:]
		if e.MsgType == "" {
			e.MsgType = "RELAY"
		}
	} else {
		if t < len(dhcp6Types) && dhcp6Types[t] != "" {
			e.MsgType = dhcp6Types[t]
		} else {
			e.MsgType = "TYPE" + itoa(t)
		}
		opts = b[4:]
	}
	for len(opts) >= 4 {
		code, n := binary.BigEndian.Uint16(opts), int(binary.BigEndian.Uint16(opts[2:]))
		if 4+n > len(opts) {
			p.Flow.Note("dhcpv6: truncated option")
			break
		}
		v := opts[4 : 4+n]
		switch code {
		case 1: // client DUID
			e.ClientID = append([]byte(nil), v...)
			if mac, ok := macFromDUID(v); ok {
				e.ClientMAC = mac
			}
		case 6: // ORO
			e.ParamList6 = e.ParamList6[:0]
			for i := 0; i+1 < len(v); i += 2 {
				e.ParamList6 = append(e.ParamList6, binary.BigEndian.Uint16(v[i:]))
			}
		case 9: // relay message
			dhcpv6Message(p, v, e, depth+1)
		case 16: // vendor class: enterprise number, then length-prefixed data
			if len(v) > 6 {
				l := int(binary.BigEndian.Uint16(v[4:]))
				if 6+l <= len(v) {
					e.VendorClass = printable(v[6 : 6+l])
				}
			}
		case 39: // client FQDN: flags, then wire-format name
			if len(v) > 1 {
				e.FQDN = fqdnName(v[1:], true)
				e.Hostname = e.FQDN
			}
		case 112:
			e.MUDURL = printable(v)
		}
		opts = opts[4+n:]
	}
	return true
}

// macFromDUID returns the link-layer address of a DUID-LLT or DUID-LL on
// Ethernet.
func macFromDUID(d []byte) (capture.MAC, bool) {
	var m capture.MAC
	if len(d) < 4 || binary.BigEndian.Uint16(d[2:]) != 1 {
		return m, false
	}
	switch binary.BigEndian.Uint16(d) {
	case 1: // LLT: type, hw type, time, address
		if len(d) == 14 {
			copy(m[:], d[8:])
			return m, true
		}
	case 3: // LL: type, hw type, address
		if len(d) == 10 {
			copy(m[:], d[4:])
			return m, true
		}
	}
	return m, false
}
