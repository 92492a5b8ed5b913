package dissect

import (
	"encoding/binary"
	"strings"

	"github.com/miekg/dns"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
)

// maxDNSTCP bounds the bytes buffered per DNS-over-TCP flow while a
// length-prefixed message is incomplete.
const maxDNSTCP = 64 << 10

// DNS dissects DNS (53), mDNS (5353) and LLMNR (5355) with miekg/dns.
type DNS struct {
	walker    dnsWalker
	parsed    dnsMsg
	msg       dns.Msg         // for what the walker leaves to miekg/dns
	instances map[string]int  // mdnsEvent's, by lower-cased name
	hosts     map[string]bool // mdnsEvent's
	key       []byte
	services  []capture.ServiceInstance // mdnsEvent's scratch
	hostnames []string                  // mdnsEvent's scratch
	data      []byte                    // message's scratch for the records' data
	ends      []int                     // message's: where each record's data ends in data
	seen      repeats[[]capture.Event]  // by protocol and message without its ID
}

// NewDNS returns the DNS/mDNS/LLMNR dissector.
func NewDNS() capture.Dissector {
	// Datagrams are kept up to maxDNSRepeat bytes (Dissect checks),
	// keyed without their ID and after their protocol's name; the
	// events count as the key's bytes again (see maxDNSSeen).
	return &DNS{seen: repeats[[]capture.Event]{maxKey: len(capture.AppLLMNR) + maxDNSRepeat - 2, max: maxDNSSeen}}
}

func (*DNS) Name() string { return "dns" }

func dnsProto(p *capture.Packet) string {
	s, d := p.Src.Port(), p.Dst.Port()
	switch {
	case s == 5353 || d == 5353:
		return capture.AppMDNS
	case s == 5355 || d == 5355:
		return capture.AppLLMNR
	case s == 53 || d == 53:
		return capture.AppDNS
	}
	return ""
}

func (x *DNS) Dissect(p *capture.Packet, emit func(capture.Event)) {
	proto := dnsProto(p)
	if proto == "" {
		p.Done()
		return
	}
	if p.Transport == capture.TCP {
		x.tcp(p, proto, emit)
		return
	}
	p.Flow.App = proto
	// The same message comes again and again, in new flows with new
	// IDs: devices ask for their cloud's name every minute from a fresh
	// port, announce their services over mDNS, retransmit; in one round
	// of the shared captures half the DNS datagrams repeat an earlier
	// one but for the ID. Such a datagram gives the same events, with
	// its own ID and metadata, without being parsed again.
	b := p.Payload
	if len(b) < 12 || len(b) > maxDNSRepeat || repeat.Off {
		x.message(p, proto, b, emit)
		return
	}
	x.key = append(append(x.key[:0], proto...), b[2:]...)
	if events, ok := x.seen.get(x.key); ok {
		id := binary.BigEndian.Uint16(b)
		for _, e := range events {
			emit(withMeta(e, p.Meta, id))
		}
		return
	}
	var events []capture.Event
	clean := x.message(p, proto, b, func(e capture.Event) {
		events = append(events, e)
		emit(e)
	})
	if !clean || len(events) == 0 {
		return // malformed messages are noted each time
	}
	x.seen.add(x.key, events, 0)
}

const (
	// maxDNSRepeat bounds a datagram kept to recognise a repeat.
	maxDNSRepeat = 4096
	// maxDNSSeen bounds the bytes of datagrams kept (their events hold
	// about as much again, not counted).
	maxDNSSeen = 2 << 20
)

// withMeta returns a copy of a DNS dissector's event with m as its
// metadata and id as its message ID; the slices it holds are shared
// (events are read only).
func withMeta(e capture.Event, m capture.Meta, id uint16) capture.Event {
	switch v := e.(type) {
	case *capture.DNSEvent:
		c := *v
		c.Meta, c.ID = m, id
		return &c
	case *capture.MDNSEvent:
		c := *v
		c.Meta = m
		return &c
	}
	return e
}

type dnsTCPState struct {
	track seqTrack
	buf   []byte // an incomplete length-prefixed message (a copy)
}

func (x *DNS) tcp(p *capture.Packet, proto string, emit func(capture.Event)) {
	p.Flow.App = proto
	st := p.State()
	s, _ := (*st).(*[2]dnsTCPState)
	if s == nil {
		s = &[2]dnsTCPState{}
		*st = s
	}
	d := &s[p.Dir]
	data, gap := d.track.accept(p)
	if gap {
		// The framing is lost with the missing bytes; a segment that
		// starts a message is the best guess at where it resumes.
		p.Flow.Note(proto + ": gap in tcp stream")
		d.buf = d.buf[:0]
	}
	if len(d.buf) > 0 {
		if len(d.buf)+len(data) > maxDNSTCP {
			p.Flow.Note(proto + ": tcp message too long")
			d.buf = d.buf[:0]
			return
		}
		d.buf = append(d.buf, data...)
		data = d.buf
	}
	for len(data) >= 2 {
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			break
		}
		x.message(p, proto, data[2:2+n], emit)
		data = data[2+n:]
	}
	// A message is at most 64 KiB + 2, so what is left always fits.
	d.buf = append(d.buf[:0], data...)
}

// message emits the events of one DNS message and tells whether it was
// well formed (nothing noted on the flow).
func (x *DNS) message(p *capture.Packet, proto string, b []byte, emit func(capture.Event)) (clean bool) {
	m := &x.parsed
	clean = true
	if !x.walker.read(b, m) {
		mm := &x.msg
		*mm = dns.Msg{}
		if err := mm.Unpack(b); err != nil {
			// A message with a bad tail still has a usable header and
			// questions more often than not; miekg/dns returns what it read.
			if len(mm.Question) == 0 && len(mm.Answer) == 0 {
				p.Flow.Note(proto + ": malformed message")
				return false
			}
			p.Flow.Note(proto + ": partly malformed message")
			clean = false
		}
		m.fromMiekg(mm)
	}
	e := newDNSEvent(len(m.qs))
	e.Meta, e.Proto, e.Response, e.ID, e.RCode = p.Meta, proto, m.response, m.id, rcodeName(m.rcode)
	for i, q := range m.qs {
		e.Questions[i] = capture.DNSQuestion{Name: q.lower, Type: typeName(q.qtype)}
	}
	if len(m.rrs) > 0 {
		e.Answers = make([]capture.DNSRecord, len(m.rrs))
		// The data appendData writes, of all the records, is made one
		// string, of which each record's Data is a part.
		b, ends := x.data[:0], x.ends[:0]
		for i := range m.rrs {
			r := &m.rrs[i]
			e.Answers[i] = capture.DNSRecord{Name: r.lower, Type: typeName(r.rrtype), TTL: r.ttl, Addr: r.addr}
			var ok bool
			if b, ok = appendData(b, r); !ok {
				e.Answers[i].Data = recordData(r)
			}
			ends = append(ends, len(b))
		}
		data, start := string(b), 0
		for i, end := range ends {
			if end > start {
				e.Answers[i].Data = data[start:end]
			}
			start = end
		}
		x.data, x.ends = b, ends
	}
	emit(e)
	if proto == capture.AppMDNS {
		if me := x.mdnsEvent(p, m); me != nil {
			emit(me)
		}
	}
	return clean
}

// dnsEventQ1 is an event and its question, for the message with one
// question (every DNS query, nearly every response) made in one
// allocation.
type dnsEventQ1 struct {
	e capture.DNSEvent
	q [1]capture.DNSQuestion
}

// newDNSEvent returns an event with n questions (nil for none) to fill.
func newDNSEvent(n int) *capture.DNSEvent {
	switch n {
	case 0:
		return &capture.DNSEvent{}
	case 1:
		a := &dnsEventQ1{}
		a.e.Questions = a.q[:]
		return &a.e
	}
	return &capture.DNSEvent{Questions: make([]capture.DNSQuestion, n)}
}

// typeName is dns.Type(t).String() without its map look-up for the
// types below 256 (all but a few rare ones), which every question and
// record needs: typeNames is filled from dns.TypeToString at start, and
// tattle registers no private types that would change the map later.
func typeName(t uint16) string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return dns.Type(t).String()
}

// rcodeName is the name miekg/dns gives to an RCODE (dns.RcodeToString),
// or RCODE and the number.
func rcodeName(c int) string {
	if c >= 0 && c < len(rcodeNames) && rcodeNames[c] != "" {
		return rcodeNames[c]
	}
	return "RCODE" + itoa(c)
}

var (
	typeNames  [256]string
	rcodeNames [24]string
)

func init() {
	for t, s := range dns.TypeToString {
		if int(t) < len(typeNames) {
			typeNames[t] = s
		}
	}
	for c, s := range dns.RcodeToString {
		if c >= 0 && c < len(rcodeNames) {
			rcodeNames[c] = s
		}
	}
}

// normName lower-cases a DNS name, drops the trailing dot and undoes the
// escapes of presentation form (see unescapeName).
func normName(s string) string {
	return strings.ToLower(unescapeName(strings.TrimSuffix(s, ".")))
}

// unescapeName turns miekg/dns presentation form back into the bytes that
// were sent ("Living\ Room" and "Living\032Room" become "Living Room"),
// except for an escaped dot or backslash inside a label, which stay
// escaped so that label boundaries remain unambiguous. Reports escape
// control characters themselves.
func unescapeName(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		n := s[i+1]
		switch {
		case n == '.' || n == '\\':
			b = append(b, c, n)
			i++
		case n >= '0' && n <= '9' && i+3 < len(s) && isDigit(s[i+2]) && isDigit(s[i+3]):
			v := int(n-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			switch {
			case v > 255:
				b = append(b, c)
				continue
			case v == '.' || v == '\\':
				b = append(b, '\\', byte(v))
			default:
				b = append(b, byte(v))
			}
			i += 3
		default:
			b = append(b, n)
			i++
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// mdnsEvent reads the DNS-SD meaning of an mDNS message: the host names
// and service instances its sender announces, and the services it asks
// for. The lists are gathered in the dissector's scratch slices and
// indexes, emptied after each message, and copied into an event only
// when there is something to report.
func (x *DNS) mdnsEvent(p *capture.Packet, m *dnsMsg) *capture.MDNSEvent {
	if !m.response {
		n := 0
		for _, q := range m.qs {
			if serviceQuery(q) {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		e := &capture.MDNSEvent{Meta: p.Meta, Queries: make([]string, 0, n)}
		for _, q := range m.qs {
			if serviceQuery(q) {
				e.Queries = append(e.Queries, q.lower)
			}
		}
		return e
	}
	if x.instances == nil {
		x.instances, x.hosts = map[string]int{}, map[string]bool{}
	}
	defer func() {
		clear(x.hosts)
		clear(x.instances)
		clear(x.services) // drop the strings the scratch still holds
		x.services, x.hostnames = x.services[:0], x.hostnames[:0]
	}()
	// inst returns the index in x.services of the instance, in the
	// order the message first names each.
	inst := func(name, lower string) int {
		if i, ok := x.instances[lower]; ok {
			return i
		}
		x.services = append(x.services, capture.ServiceInstance{Instance: name, Service: serviceOf(name)})
		x.instances[lower] = len(x.services) - 1
		return len(x.services) - 1
	}
	for i := range m.rrs {
		r := &m.rrs[i]
		switch r.rrtype {
		case dns.TypePTR:
			if r.name == "_services._dns-sd" || strings.HasPrefix(r.name, "_services._dns-sd.") {
				continue
			}
			if strings.Contains(r.name, "._") && !strings.HasSuffix(r.lower, ".arpa") {
				inst(r.target, r.tlower)
			}
		case dns.TypeSRV:
			s := &x.services[inst(r.name, r.lower)]
			s.Host, s.Port = r.tlower, r.port
		case dns.TypeTXT:
			if strings.Contains(r.name, "._") {
				s := &x.services[inst(r.name, r.lower)]
				if r.ntxt == 0 {
					s.TXT = s.TXT[:0:0] // as append(s.TXT[:0:0]) leaves it
				} else {
					s.TXT = strings.SplitN(r.data, "\x00", r.ntxt)
				}
			}
		case dns.TypeA, dns.TypeAAAA:
			if !x.hosts[r.lower] {
				x.hosts[r.lower] = true
				x.hostnames = append(x.hostnames, r.lower)
			}
		}
	}
	if len(x.services) == 0 && len(x.hostnames) == 0 {
		return nil
	}
	return &capture.MDNSEvent{Meta: p.Meta, Hostnames: cloneOrNil(x.hostnames), Services: cloneOrNil(x.services)}
}

// serviceQuery tells whether q asks for the instances of a service.
func serviceQuery(q dnsQ) bool {
	return q.qtype == dns.TypePTR && strings.Contains(q.name, "._")
}

// cloneOrNil copies s into a slice of its length, nil when it is empty.
func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// serviceOf extracts "_type._proto" from "Instance Name._type._tcp.local":
// the first two labels (split at every dot, escaped or not) of which the
// first starts with an underscore and the second is _tcp or _udp,
// lower-cased.
func serviceOf(instance string) string {
	s := strings.TrimSuffix(instance, ".")
	for start := 0; ; {
		dot := strings.IndexByte(s[start:], '.')
		if dot < 0 {
			return ""
		}
		next := start + dot + 1
		proto := s[next:]
		if i := strings.IndexByte(proto, '.'); i >= 0 {
			proto = proto[:i]
		}
		if s[start] == '_' && (proto == "_tcp" || proto == "_udp") {
			return strings.ToLower(s[start : next+len(proto)])
		}
		start = next
	}
}
