package audit

import (
	"net/netip"
	"strings"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// flowName is the name a client gave a server in a flow (SNI, Host) or
// the server's certificate gave itself: the best one, and the others as
// aliases. An IP literal in a Host header or a certificate name that is
// no host name ("st_srv_2015") is only ever an alias.
type flowName struct {
	name, source string
	file         string
	packet       uint64
	alts         []result.NameSeen
	// hello is the flow's ClientHello, whose facts (result.TLSInfo)
	// addTLS makes for a destination that has none yet.
	hello  *capture.TLSEvent
	server *capture.TLSServerEvent
}

// namePriority ranks the sources of a flow's own name.
func namePriority(source string) int {
	switch source {
	case "sni":
		return 3
	case "http":
		return 2
	case "cert":
		return 1
	}
	return 0
}

// offer considers one more name for the flow. With shared set, name is
// part of a larger string (an HTTP header block) and a copy of it is what
// the flow keeps, made only when the name is new to it.
func (fn *flowName) offer(name, source, file string, packet uint64, shared bool) {
	if name == "" {
		return
	}
	if !isHostName(name) || (fn.name != "" && namePriority(source) <= namePriority(fn.source)) {
		if name != fn.name && canAppendName(fn.alts, name, source) {
			if shared {
				name = strings.Clone(name)
			}
			fn.alts = append(fn.alts, result.NameSeen{Name: name, Source: source, File: file, Packet: packet})
		}
		return
	}
	if fn.name != "" && fn.name != name {
		fn.alts = appendName(fn.alts, result.NameSeen{Name: fn.name, Source: fn.source, File: fn.file, Packet: fn.packet})
	}
	switch {
	case name == fn.name:
		name = fn.name // the flow's copy
	case shared:
		name = strings.Clone(name)
	}
	fn.name, fn.source, fn.file, fn.packet = name, source, file, packet
}

// isHostName reports whether s can be a DNS host name with a registrable
// part: at least two labels of letters, digits, '-' or '_', and not an
// address. (No address passes the label test: an IPv6 one has ':' in it,
// and an IPv4 one ends in a label of digits, which no top-level domain
// has; so no parse is needed to tell.)
func isHostName(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	label := 0 // the length of the label so far
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if label == 0 {
				return false
			}
			label = 0
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 'A' && c <= 'Z') {
			return false
		}
		if label++; label > 63 {
			return false
		}
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return false
		}
	}
	return true
}

// maxFreeNames bounds the flow names kept to use again.
const maxFreeNames = 256

// pendingName is the name of flow k, a flow yet to end, made empty if it
// has none yet.
func (b *Builder) pendingName(k capture.FlowKey) *flowName {
	fn := b.flowNames[k]
	if fn == nil {
		if n := len(b.freeNames); n > 0 {
			fn, b.freeNames = b.freeNames[n-1], b.freeNames[:n-1]
		} else {
			fn = new(flowName)
		}
		b.flowNames[k] = fn
	}
	return fn
}

// takeFlowName returns the name the flow's packets gave its server, and
// whether they gave one, and keeps it for the flow's copies. The name is
// Flow's until it hands it back with doneWith.
func (b *Builder) takeFlowName(k capture.FlowKey) (*flowName, bool) {
	if fn := b.flowNames[k]; fn != nil {
		delete(b.flowNames, k)
		b.doneNames.add(k, fn)
		return fn, true
	}
	// The same flow again (a copy in an overlapping input file, or one
	// the flow table split): it has the name its first part was given.
	ok := b.doneNames.get(k, &b.copied)
	return &b.copied, ok
}

// doneWith takes back a name takeFlowName returned, to use it again.
// What it pointed to (the TLS facts, now a destination's) is not
// touched, nor the alternative names, which doneNames keeps.
func (b *Builder) doneWith(fn *flowName) {
	if fn == &b.copied || len(b.freeNames) >= maxFreeNames {
		return
	}
	*fn = flowName{}
	b.freeNames = append(b.freeNames, fn)
}

// destName names the peer a device reached at time t: the name its flow
// gave (own; nil when none counts, as for an inbound flow), else the DNS
// answer the device was given for the address, else one any client was
// given; a certificate's name only when nothing else names it. It
// returns the name and every name seen for the peer, the name first,
// appended to names (Flow passes an empty slice of a buffer of its own).
func (b *Builder) destName(d *device, own *flowName, peerIP netip.Addr, t time.Time, names []result.NameSeen) (string, []result.NameSeen) {
	name := ""
	if own != nil && own.name != "" && own.source != "cert" {
		name = own.name
		names = append(names, result.NameSeen{Name: own.name, Source: own.source, File: own.file, Packet: own.packet})
	}
	if r, ok := d.names.best(peerIP, t); ok {
		if name == "" {
			// the device's own DNS answer beats the server's
			// certificate
			name = r.name
		}
		names = appendName(names, result.NameSeen{Name: r.name, Source: "dns", File: r.file, Packet: r.packet})
		if r.cname != "" {
			names = appendName(names, result.NameSeen{Name: r.cname, Source: "dns-cname", File: r.file, Packet: r.packet})
		}
	} else if r, ok := b.global.best(peerIP, t); ok && !isLocal(peerIP) {
		if name == "" {
			name = r.name
		}
		names = appendName(names, result.NameSeen{Name: r.name, Source: "dns-other-client", File: r.file, Packet: r.packet})
	}
	if own == nil {
		return name, names
	}
	if own.source == "cert" {
		if name == "" {
			name = own.name
		}
		names = appendName(names, result.NameSeen{Name: own.name, Source: own.source, File: own.file, Packet: own.packet})
	}
	for _, n := range own.alts {
		names = appendName(names, n)
	}
	return name, names
}
