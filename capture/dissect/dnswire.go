package dissect

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// dnsMsg is what the DNS dissector reads from a message: the header
// fields it reports, the questions, and the records of the three
// sections in order, OPT left out. Names are in the form normName gives
// before lower-casing (labels joined by dots, a dot or backslash inside
// a label escaped, no trailing dot), with their lower-case form beside.
type dnsMsg struct {
	id       uint16
	response bool
	rcode    int
	qs       []dnsQ
	rrs      []dnsRR
}

type dnsQ struct {
	name, lower string
	qtype       uint16
}

type dnsRR struct {
	name, lower string
	rrtype      uint16
	ttl         uint32
	addr        netip.Addr // A, AAAA
	target      string     // CNAME, PTR, SRV, NS: the name pointed to
	tlower      string     // target lower-cased
	port        uint16     // SRV
	ntxt        int        // TXT: the number of its strings
	data        string     // TXT (its strings in miekg/dns presentation form, joined by NUL) and every other type: the data reported
}

// fromMiekg fills m from a message miekg/dns unpacked (completely or in
// part).
func (m *dnsMsg) fromMiekg(msg *dns.Msg) {
	m.id, m.response, m.rcode = msg.Id, msg.Response, msg.Rcode
	m.qs, m.rrs = m.qs[:0], m.rrs[:0]
	for _, q := range msg.Question {
		u := presName(q.Name)
		m.qs = append(m.qs, dnsQ{name: u, lower: strings.ToLower(u), qtype: q.Qtype})
	}
	for _, sec := range [][]dns.RR{msg.Answer, msg.Ns, msg.Extra} {
		for _, rr := range sec {
			if rr == nil || rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			m.rrs = append(m.rrs, rrFromMiekg(rr))
		}
	}
}

// presName turns a name in miekg/dns presentation form into the form of
// dnsMsg.
func presName(s string) string { return unescapeName(strings.TrimSuffix(s, ".")) }

func rrFromMiekg(rr dns.RR) dnsRR {
	h := rr.Header()
	u := presName(h.Name)
	r := dnsRR{name: u, lower: strings.ToLower(u), rrtype: h.Rrtype, ttl: h.Ttl}
	switch v := rr.(type) {
	case *dns.A:
		r.addr, _ = netip.AddrFromSlice(v.A.To4())
	case *dns.AAAA:
		r.addr, _ = netip.AddrFromSlice(v.AAAA.To16())
	case *dns.CNAME:
		r.target = presName(v.Target)
	case *dns.PTR:
		r.target = presName(v.Ptr)
	case *dns.SRV:
		r.target, r.port = presName(v.Target), v.Port
	case *dns.NS:
		// The data is the target in presentation form, which appendData
		// writes, but for the root (".") and a record without data ("").
		if v.Ns != "" {
			r.target = presName(v.Ns)
			if r.target == "" {
				r.data = "."
			}
		}
	case *dns.TXT:
		r.ntxt, r.data = len(v.Txt), strings.Join(v.Txt, "\x00")
	case *dns.HTTPS, *dns.SVCB:
		r.data = rr.String()
	default:
		s := rr.String()
		if i := strings.LastIndexByte(s, '\t'); i >= 0 {
			s = s[i+1:]
		}
		r.data = s
	}
	r.tlower = strings.ToLower(r.target)
	return r
}

// appendData appends the DNSRecord.Data of r to b when it is made from
// r's fields (an address, an SRV target and port, an NS name in
// presentation form) and tells whether it did; the data of any other
// record is recordData.
func appendData(b []byte, r *dnsRR) ([]byte, bool) {
	switch r.rrtype {
	case dns.TypeA, dns.TypeAAAA:
		if r.addr.IsValid() {
			return r.addr.AppendTo(b), true
		}
	case dns.TypeSRV:
		return strconv.AppendUint(append(append(b, r.tlower...), ':'), uint64(r.port), 10), true
	case dns.TypeNS:
		if r.target != "" {
			return appendPresentation(b, r.target), true
		}
	}
	return b, false
}

// recordData is the DNSRecord.Data of r when appendData does not write
// it.
func recordData(r *dnsRR) string {
	switch r.rrtype {
	case dns.TypeA, dns.TypeAAAA:
		return r.addr.String() // "invalid IP": a record without data
	case dns.TypeCNAME, dns.TypePTR:
		return r.tlower
	}
	return r.data
}

// dnsWalker reads DNS messages from their wire bytes without building
// miekg/dns records: the header, the questions, and A, AAAA, CNAME, PTR,
// SRV and TXT records; a record of any other type is unpacked alone by
// miekg/dns (dns.UnpackRR, which is what dns.Msg.Unpack does for each
// record). It reads only messages miekg/dns reads without error, the way
// it reads them (FuzzDNSWalker compares the two): at anything it is not
// sure of — a truncated or malformed message, a header with nothing
// after it, an empty record — it gives up, and the caller unpacks the
// message with miekg/dns, which also says what is wrong.
type dnsWalker struct {
	buf    []byte
	names  [16]nameEntry // names read in this message, by offset
	n      int
	labels [64]nameLabel // labels of the ASCII names in names
	nl     int
}

// nameEntry is a name read from offset start: it ends at next, the
// furthest byte it read is before limit, and it followed ptrs pointers.
type nameEntry struct {
	start, next, limit, ptrs int
	u, lower                 string
}

// nameLabel is a label of names[entry] that starts at offset off: the
// name read from there is the end of that name's, from pos in its u and
// lower.
type nameLabel struct {
	off, entry, pos int
}

// Bounds of miekg/dns's UnpackDomainName, kept so that the walker gives
// up exactly where it would fail.
const (
	dnsMaxNameWire = 255                      // octets of a name on the wire (RFC 1035 2.3.4)
	dnsMaxPointers = (dnsMaxNameWire+1)/2 - 2 // compression pointers followed in one name
)

func (w *dnsWalker) read(b []byte, m *dnsMsg) bool {
	if len(b) <= 12 {
		return false
	}
	w.n, w.nl = 0, 0
	bits := binary.BigEndian.Uint16(b[2:])
	m.id = binary.BigEndian.Uint16(b)
	m.response = bits&(1<<15) != 0
	m.rcode = int(bits & 0xF)
	m.qs, m.rrs = m.qs[:0], m.rrs[:0]
	off := 12
	for range int(binary.BigEndian.Uint16(b[4:])) {
		u, lower, next, ok := w.name(b, off)
		if !ok || next+4 > len(b) {
			return false
		}
		m.qs = append(m.qs, dnsQ{name: u, lower: lower, qtype: binary.BigEndian.Uint16(b[next:])})
		off = next + 4
	}
	opt, hasOpt := uint32(0), false
	for sec := 0; sec < 3; sec++ {
		for range int(binary.BigEndian.Uint16(b[6+2*sec:])) {
			if off == len(b) {
				// The counts said more than there is: miekg/dns stops
				// here without an error.
				goto done
			}
			u, lower, next, ok := w.name(b, off)
			if !ok || next+10 > len(b) {
				return false
			}
			rrtype := binary.BigEndian.Uint16(b[next:])
			ttl := binary.BigEndian.Uint32(b[next+4:])
			rd := next + 10
			end := rd + int(binary.BigEndian.Uint16(b[next+8:]))
			if end > len(b) {
				return false
			}
			r := dnsRR{name: u, lower: lower, rrtype: rrtype, ttl: ttl}
			if !w.rdata(b[:end], rd, &r) {
				if rrtype == dns.TypeOPT && rd == end {
					if sec == 2 {
						opt, hasOpt = ttl, true
					}
					off = end
					continue
				}
				rr, next, err := dns.UnpackRR(b, off)
				if err != nil || next != end {
					return false
				}
				if rrtype == dns.TypeOPT {
					if sec == 2 {
						opt, hasOpt = ttl, true
					}
					off = end
					continue
				}
				r = rrFromMiekg(rr)
				r.name, r.lower = u, lower
			}
			m.rrs = append(m.rrs, r)
			off = end
		}
	}
done:
	if hasOpt {
		m.rcode |= int(opt&0xFF000000>>24) << 4 // the extended RCODE (RFC 6891 6.1.3)
	}
	return true
}

// rdata reads the data of a record of a type the walker knows, from
// rd to the end of b, into r; false leaves the record to miekg/dns.
func (w *dnsWalker) rdata(b []byte, rd int, r *dnsRR) bool {
	n := len(b) - rd
	if n == 0 {
		return false // miekg/dns gives a record without data
	}
	switch r.rrtype {
	case dns.TypeA:
		if n != 4 {
			return false
		}
		r.addr = netip.AddrFrom4([4]byte(b[rd:]))
	case dns.TypeAAAA:
		if n != 16 {
			return false
		}
		r.addr = netip.AddrFrom16([16]byte(b[rd:]))
	case dns.TypeCNAME, dns.TypePTR:
		u, lower, next, ok := w.name(b, rd)
		if !ok || next != len(b) {
			return false
		}
		r.target, r.tlower = u, lower
	case dns.TypeSRV:
		if n <= 6 {
			return false
		}
		u, lower, next, ok := w.name(b, rd+6)
		if !ok || next != len(b) {
			return false
		}
		r.target, r.tlower, r.port = u, lower, binary.BigEndian.Uint16(b[rd+4:])
	case dns.TypeTXT:
		return w.txt(b, rd, r)
	case dns.TypeNS:
		u, lower, next, ok := w.name(b, rd)
		if !ok || next != len(b) {
			return false
		}
		r.target, r.tlower = u, lower
		if u == "" {
			r.data = "." // the root; appendData writes any other name
		}
	case dns.TypeSOA:
		// Reported as miekg/dns prints it: "ns mbox serial refresh retry
		// expire minimum".
		ns, _, next, ok := w.name(b, rd)
		if !ok {
			return false
		}
		mbox, _, next, ok := w.name(b, next)
		if !ok || next+20 != len(b) {
			return false
		}
		s := appendPresentation(w.buf[:0], ns)
		s = appendPresentation(append(s, ' '), mbox)
		for i := range 5 {
			s = strconv.AppendUint(append(s, ' '), uint64(binary.BigEndian.Uint32(b[next+4*i:])), 10)
		}
		w.buf = s
		r.data = string(s)
	default:
		return false
	}
	return true
}

// appendPresentation appends name u (in the form of dnsMsg) as miekg/dns
// prints a name: a byte of its labels that is special in zone files after
// a backslash, one outside space to tilde as \DDD, a dot after each
// label, "." for the root.
func appendPresentation(s []byte, u string) []byte {
	if u == "" {
		return append(s, '.')
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == '\\' && i+1 < len(u): // an escaped dot or backslash
			s = append(s, c, u[i+1])
			i++
		case c == '.':
			s = append(s, '.')
		case c == ' ' || c == '\'' || c == '@' || c == ';' || c == '(' || c == ')' || c == '"':
			s = append(s, '\\', c)
		case c < ' ' || c > '~':
			s = appendDDD(s, c)
		default:
			s = append(s, c)
		}
	}
	return append(s, '.')
}

func appendDDD(s []byte, c byte) []byte {
	return append(s, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
}

// txt reads TXT strings escaped as miekg/dns does (a quote or backslash
// after a backslash, a byte outside space to tilde as \DDD), joined by
// NUL into r.data (escaped, no string holds a NUL), their number in
// r.ntxt.
func (w *dnsWalker) txt(b []byte, off int, r *dnsRR) bool {
	s := w.buf[:0]
	n := 0
	for off < len(b) {
		l := int(b[off])
		off++
		if off+l > len(b) {
			return false
		}
		if n > 0 {
			s = append(s, 0)
		}
		for _, c := range b[off : off+l] {
			switch {
			case c == '"' || c == '\\':
				s = append(s, '\\', c)
			case c < ' ' || c > '~':
				s = appendDDD(s, c)
			default:
				s = append(s, c)
			}
		}
		n++
		off += l
	}
	w.buf = s
	r.data, r.ntxt = string(s), n
	return true
}

// name reads the name at off in b as miekg/dns's UnpackDomainName does:
// its form in dnsMsg, lower-cased beside, and where the bytes after it
// begin. A name read before in the message at the same offset, or at the
// one a pointer there leads to, is not read again.
func (w *dnsWalker) name(b []byte, off int) (u, lower string, next int, ok bool) {
	if e := w.seen(b, off, 0); e != nil {
		return e.u, e.lower, e.next, true
	}
	if off+1 < len(b) && b[off]&0xC0 == 0xC0 {
		to := int(b[off]&^0xC0)<<8 | int(b[off+1])
		if e := w.seen(b, to, 1); e != nil {
			return e.u, e.lower, off + 2, true
		}
		if l := w.seenLabel(b, to); l != nil {
			// A pointer into a name read before (a zone after a name in
			// it): the end of that name, read again from there.
			e := &w.names[l.entry]
			return e.u[l.pos:], e.lower[l.pos:], off + 2, true
		}
	}
	start, limit := off, off
	next = -1
	s := w.buf[:0]
	budget, ptrs, labels := dnsMaxNameWire, 0, 0
	nl := w.nl     // the labels of this name are noted from w.labels[w.nl]
	var class byte // the labelClass of the labels' bytes, ORed
	for {
		if off >= len(b) {
			return "", "", 0, false
		}
		c := int(b[off])
		off++
		limit = max(limit, off)
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				if next < 0 {
					next = off
				}
				w.buf = s
				ascii := class&labelHigh == 0
				u, lower = w.strings(s, ascii, class&labelUpper != 0)
				if w.add(nameEntry{start: start, next: next, limit: limit, ptrs: ptrs, u: u, lower: lower}) && ascii {
					w.nl = nl // lower-cased byte for byte: its labels are where they are in u
				}
				return u, lower, next, true
			}
			if off+c > len(b) {
				return "", "", 0, false
			}
			if budget -= c + 1; budget <= 0 {
				return "", "", 0, false
			}
			if labels++; labels > 1 {
				s = append(s, '.')
			}
			if nl < len(w.labels) {
				w.labels[nl] = nameLabel{off: off - 1, entry: w.n, pos: len(s)}
				nl++
			}
			// The label is copied whole unless it holds a dot or a
			// backslash, to be escaped; the loop that looks for them
			// also notes what strings needs to know.
			label, lc := b[off:off+c], byte(0)
			for _, x := range label {
				lc |= labelClass[x]
			}
			class |= lc
			if lc&labelEscape == 0 {
				s = append(s, label...)
			} else {
				for _, x := range label {
					if x == '.' || x == '\\' {
						s = append(s, '\\')
					}
					s = append(s, x)
				}
			}
			off += c
			limit = max(limit, off)
		case 0xC0:
			if off >= len(b) {
				return "", "", 0, false
			}
			c1 := int(b[off])
			off++
			limit = max(limit, off)
			if ptrs == 0 {
				next = off
			}
			if ptrs++; ptrs > dnsMaxPointers {
				return "", "", 0, false
			}
			off = (c&^0xC0)<<8 | c1
		default:
			return "", "", 0, false // label types 0x40 and 0x80 are reserved
		}
	}
}

// labelClass classifies the bytes of a label: one to escape (a dot or
// a backslash), an ASCII upper-case letter, a byte outside ASCII.
var labelClass = func() (t [256]byte) {
	t['.'], t['\\'] = labelEscape, labelEscape
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = labelUpper
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = labelHigh
	}
	return t
}()

const (
	labelEscape = 1 << iota
	labelUpper
	labelHigh
)

// seen returns the name read from offset off in this message, if reading
// it again in b, after following more pointers first, would give it.
func (w *dnsWalker) seen(b []byte, off, more int) *nameEntry {
	for i := range w.n {
		e := &w.names[i]
		if e.start == off && e.limit <= len(b) && e.ptrs+more <= dnsMaxPointers {
			return e
		}
	}
	return nil
}

// strings returns name s and its lower-cased form: those of a name read
// before in this message with the same bytes (a message need not be
// compressed), or new ones. ascii tells whether s is all ASCII, upper
// whether it holds an ASCII upper-case letter.
func (w *dnsWalker) strings(s []byte, ascii, upper bool) (u, lower string) {
	for i := range w.n {
		if e := &w.names[i]; e.u == string(s) {
			return e.u, e.lower
		}
	}
	if !ascii {
		u = string(s)
		return u, strings.ToLower(u)
	}
	if !upper {
		u = string(s)
		return u, u
	}
	// An ASCII name with upper-case letters (mDNS instances, DNS 0x20
	// case randomisation): the name and its lower-case form are made
	// one string, the halves of which they are, in one allocation, not
	// two (what strings.ToLower does to ASCII).
	var b strings.Builder
	b.Grow(2 * len(s))
	b.Write(s)
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	both := b.String()
	return both[:len(s)], both[len(s):]
}

// seenLabel returns the label at offset off of a name read before in
// this message, if reading the name at off, after a pointer to it, would
// give the end of that name: it read only bytes within b and followed
// few enough pointers (the end follows no more than the whole).
func (w *dnsWalker) seenLabel(b []byte, off int) *nameLabel {
	for i := range w.nl {
		l := &w.labels[i]
		if l.off == off {
			if e := &w.names[l.entry]; e.limit <= len(b) && e.ptrs+1 <= dnsMaxPointers {
				return l
			}
		}
	}
	return nil
}

// add notes e, and tells whether there was room for it.
func (w *dnsWalker) add(e nameEntry) bool {
	if w.n < len(w.names) {
		w.names[w.n] = e
		w.n++
		return true
	}
	return false
}
