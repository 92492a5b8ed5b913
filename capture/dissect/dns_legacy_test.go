package dissect

// The DNS dissector's reading of a message as it was before the walker
// (dnswire.go), every message unpacked by miekg/dns: the reference the
// walker is compared with. Kept as it was; do not change it to follow
// the dissector.

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/tattle-audit/tattle/capture"
)

// legacyMessage emits the events of one DNS message and tells whether it was
// well formed (nothing noted on the flow).
func legacyMessage(p *capture.Packet, proto string, b []byte, emit func(capture.Event)) (clean bool) {
	m := new(dns.Msg)
	clean = true
	if err := m.Unpack(b); err != nil {
		// A message with a bad tail still has a usable header and
		// questions more often than not; miekg/dns returns what it read.
		if len(m.Question) == 0 && len(m.Answer) == 0 {
			p.Flow.Note(proto + ": malformed message")
			return false
		}
		p.Flow.Note(proto + ": partly malformed message")
		clean = false
	}
	e := &capture.DNSEvent{
		Meta:     p.Meta,
		Proto:    proto,
		Response: m.Response,
		ID:       m.Id,
		RCode:    rcodeName(m.Rcode),
	}
	for _, q := range m.Question {
		e.Questions = append(e.Questions, capture.DNSQuestion{Name: normName(q.Name), Type: dns.Type(q.Qtype).String()})
	}
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			if rr == nil {
				continue
			}
			h := rr.Header()
			if h.Rrtype == dns.TypeOPT {
				continue
			}
			r := capture.DNSRecord{Name: normName(h.Name), Type: dns.Type(h.Rrtype).String(), TTL: h.Ttl}
			switch v := rr.(type) {
			case *dns.A:
				r.Addr, _ = netip.AddrFromSlice(v.A.To4())
				r.Data = r.Addr.String()
			case *dns.AAAA:
				r.Addr, _ = netip.AddrFromSlice(v.AAAA.To16())
				r.Data = r.Addr.String()
			case *dns.CNAME:
				r.Data = normName(v.Target)
			case *dns.PTR:
				r.Data = normName(v.Ptr)
			case *dns.SRV:
				r.Data = normName(v.Target) + ":" + itoa(int(v.Port))
			case *dns.TXT:
				r.Data = strings.Join(v.Txt, "\x00")
			case *dns.HTTPS, *dns.SVCB:
				r.Data = rr.String()
			default:
				s := rr.String()
				if i := strings.LastIndexByte(s, '\t'); i >= 0 {
					s = s[i+1:]
				}
				r.Data = s
			}
			e.Answers = append(e.Answers, r)
		}
	}
	emit(e)
	if proto == capture.AppMDNS {
		if me := legacyMDNSEvent(p, m); me != nil {
			emit(me)
		}
	}
	return clean
}

// legacyMDNSEvent reads the DNS-SD meaning of an mDNS message: the host names
// and service instances its sender announces, and the services it asks
// for.
func legacyMDNSEvent(p *capture.Packet, m *dns.Msg) *capture.MDNSEvent {
	e := &capture.MDNSEvent{Meta: p.Meta}
	if !m.Response {
		for _, q := range m.Question {
			if q.Qtype == dns.TypePTR && strings.Contains(q.Name, "._") {
				e.Queries = append(e.Queries, normName(q.Name))
			}
		}
		if len(e.Queries) == 0 {
			return nil
		}
		return e
	}
	all := append(append(append([]dns.RR{}, m.Answer...), m.Ns...), m.Extra...)
	instances := map[string]*capture.ServiceInstance{}
	var order []string
	inst := func(name string) *capture.ServiceInstance {
		name = unescapeName(strings.TrimSuffix(name, "."))
		if s, ok := instances[strings.ToLower(name)]; ok {
			return s
		}
		s := &capture.ServiceInstance{Instance: name, Service: serviceOf(name)}
		instances[strings.ToLower(name)] = s
		order = append(order, strings.ToLower(name))
		return s
	}
	hosts := map[string]bool{}
	for _, rr := range all {
		switch v := rr.(type) {
		case *dns.PTR:
			if strings.HasPrefix(v.Hdr.Name, "_services._dns-sd.") {
				continue
			}
			if strings.Contains(v.Hdr.Name, "._") && !strings.HasSuffix(strings.ToLower(v.Hdr.Name), ".arpa.") {
				inst(v.Ptr)
			}
		case *dns.SRV:
			s := inst(v.Hdr.Name)
			s.Host, s.Port = normName(v.Target), v.Port
		case *dns.TXT:
			if strings.Contains(v.Hdr.Name, "._") {
				s := inst(v.Hdr.Name)
				s.TXT = append(s.TXT[:0:0], v.Txt...)
			}
		case *dns.A, *dns.AAAA:
			n := normName(rr.Header().Name)
			if !hosts[n] {
				hosts[n] = true
				e.Hostnames = append(e.Hostnames, n)
			}
		}
	}
	for _, k := range order {
		e.Services = append(e.Services, *instances[k])
	}
	if len(e.Services) == 0 && len(e.Hostnames) == 0 {
		return nil
	}
	return e
}
