package dissect

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tattle-audit/tattle/capture"
)

// HTTP dissects HTTP/1.x requests over TCP on any port: method, Host,
// path, User-Agent and headers, across segments and over keep-alive
// connections. Bodies are skipped by Content-Length (payload inspection
// reads them separately).
type HTTP struct {
	joined []byte               // a header block's start and the segment that ends it
	seen   repeats[httpRequest] // by header block
}

// httpRequest is what a header block gives: the event's strings (parts
// of one string) and the body's length.
type httpRequest struct {
	method, path, version, host, userAgent string
	bodyLen                                int64
}

// NewHTTP returns the HTTP/1.x request dissector.
func NewHTTP() capture.Dissector { return &HTTP{} }

func (*HTTP) Name() string { return "http" }

// httpMethods start the request line of HTTP and of the protocols that
// borrow its syntax: RTSP (cameras), Gnutella's handshake. A request line
// split after a few bytes is recognised by these; other method tokens
// (WebDAV's, vendors' own) are recognised when the whole request line is
// in the segment.
var httpMethods = [][]byte{[]byte("GET "), []byte("POST "), []byte("PUT "), []byte("HEAD "), []byte("DELETE "),
	[]byte("OPTIONS "), []byte("PATCH "), []byte("CONNECT "), []byte("SUBSCRIBE "), []byte("NOTIFY "), []byte("M-SEARCH "),
	[]byte("DESCRIBE "), []byte("SETUP "), []byte("PLAY "), []byte("PAUSE "), []byte("TEARDOWN "), []byte("ANNOUNCE "),
	[]byte("GET_PARAMETER "), []byte("SET_PARAMETER "), []byte("RECORD "), []byte("GNUTELLA ")}

// maxRequestLine bounds how far a request line of an unlisted method is
// looked for.
const maxRequestLine = 2048

func looksLikeRequest(b []byte) bool {
	if len(b) == 0 || b[0] < 'A' || b[0] > 'Z' {
		return false // the common case: binary or TLS payloads
	}
	for _, m := range httpMethods {
		if len(b) >= len(m) && bytes.Equal(b[:len(m)], m) {
			return true
		}
		if len(b) < len(m) && bytes.HasPrefix(m, b) {
			return true // a request line split after a few bytes
		}
	}
	return genericRequestLine(b)
}

// genericRequestLine accepts "TOKEN SP target SP HTTP/1.x CRLF" for a
// method token of upper-case letters, digits, '-' and '_'.
func genericRequestLine(b []byte) bool {
	sp := bytes.IndexByte(b, ' ')
	if sp < 1 || sp > 24 {
		return false
	}
	for _, c := range b[:sp] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	line := b[:min(len(b), maxRequestLine)]
	eol := bytes.IndexByte(line, '\n')
	if eol < 0 {
		return false
	}
	line = bytes.TrimRight(line[:eol], "\r")
	v := bytes.LastIndexByte(line, ' ')
	return v > sp && bytes.HasPrefix(line[v+1:], []byte("HTTP/1."))
}

type httpState struct {
	track seqTrack // the client's stream
	buf   []byte   // an incomplete header block (a copy)
	skip  int64    // body bytes still to skip
	upnp  *upnpState
}

func (d *HTTP) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.TCP {
		p.Done()
		return
	}
	st := p.State()
	s, _ := (*st).(*httpState)
	if s == nil {
		if p.Dir != capture.ToServer {
			return // the server spoke first: wait for the client
		}
		if !looksLikeRequest(p.Payload) {
			p.Done()
			return
		}
		s = &httpState{}
		*st = s
	}
	if p.Dir != capture.ToServer {
		// Responses matter only while a device description is awaited.
		if s.upnp == nil || s.upnp.done {
			return
		}
		data, gap := s.upnp.track.accept(p)
		if gap {
			s.upnp.done = true
			p.Flow.Note("upnp: gap in description")
			return
		}
		if len(data) > 0 {
			responseBody(p, s, data, emit)
		}
		return
	}
	data, gap := s.track.accept(p)
	if gap {
		// Bytes the capture missed: whatever was pending is unreliable;
		// resynchronise on the next segment that starts a request.
		p.Flow.Note("http: gap in stream")
		s.buf, s.skip = nil, 0
	}
	for len(data) > 0 {
		if s.skip > 0 {
			n := min(int64(len(data)), s.skip)
			s.skip -= n
			data = data[n:]
			continue
		}
		if len(s.buf) == 0 && !looksLikeRequest(data) {
			// Not at a request boundary (a chunked body, say): wait for
			// a segment that starts one.
			return
		}
		head := data
		if len(s.buf) > 0 {
			// Joined in the dissector's buffer: the flow's grows only
			// if the block does not end here either.
			d.joined = append(append(d.joined[:0], s.buf...), data...)
			head = d.joined
		}
		end := bytes.Index(head, []byte("\r\n\r\n"))
		if end < 0 || end+4 > maxHeaderBytes {
			if len(head) > maxHeaderBytes {
				p.Flow.Note("http: header block too long")
				s.buf = nil
				return
			}
			s.buf = append(s.buf, data...)
			return
		}
		data = head[end+4:]
		d.request(p, s, head[:end+4], emit)
		// data may alias buf or joined: let go of buf rather than reuse
		// it, so the next append cannot overwrite the rest (and an idle
		// flow keeps no buffer); joined is not written again in this
		// call, as buf stays empty until it returns.
		s.buf = nil
	}
}

// request reads one complete header block of s's flow, or takes what
// it gave when it was seen before.
func (d *HTTP) request(p *capture.Packet, s *httpState, head []byte, emit func(capture.Event)) {
	var e *capture.HTTPEvent
	r, ok := d.seen.get(head)
	if ok {
		e = &capture.HTTPEvent{Meta: p.Meta, Method: r.method, Path: r.path, Version: r.version, Host: r.host, UserAgent: r.userAgent}
	} else {
		e, r.bodyLen = parseRequest(p, head)
		if e == nil {
			return // noted: not kept
		}
		r.method, r.path, r.version, r.host, r.userAgent = e.Method, e.Path, e.Version, e.Host, e.UserAgent
		d.seen.add(head, r, len(r.method)+len(r.path)+len(r.version)+len(r.host)+len(r.userAgent))
	}
	p.Flow.App = capture.AppHTTP
	switch {
	case strings.HasPrefix(e.Version, "RTSP/"):
		p.Flow.App = capture.AppRTSP
	case strings.HasPrefix(e.Version, "CONNECT/"):
		p.Flow.App = capture.AppGnutella
	}
	if e.Host != "" && p.Flow.ServerName == "" {
		p.Flow.ServerName = strings.ToLower(e.Host)
	}
	emit(e)
	watchDescription(p, e, s)
	if r.bodyLen > 0 {
		s.skip = r.bodyLen
	}
}

// parseRequest reads a request's header block: the event (nil for a
// malformed request line) and the body's length (the last positive
// Content-Length, or 0).
func parseRequest(p *capture.Packet, head []byte) (*capture.HTTPEvent, int64) {
	var h headerScan
	var parts [3][]byte
	n := requestFields(h.start(head), &parts)
	if n == 2 && string(parts[0]) == "GNUTELLA" && bytes.HasPrefix(parts[1], []byte("CONNECT/")) {
		parts, n = [3][]byte{[]byte("CONNECT"), nil, parts[1]}, 3 // Gnutella's handshake: "GNUTELLA CONNECT/0.6"
	}
	if n != 3 || !(bytes.HasPrefix(parts[2], []byte("HTTP/1.")) || bytes.HasPrefix(parts[2], []byte("RTSP/")) || bytes.HasPrefix(parts[2], []byte("CONNECT/"))) {
		p.Flow.Note("http: malformed request line")
		return nil, 0
	}
	var host, ua []byte // the first non-empty of each, in head until copied
	var bodyLen int64
	for h.next() {
		switch {
		case isHeader(h.name, "host"):
			if len(host) == 0 {
				host = h.value
			}
		case isHeader(h.name, "user-agent"):
			if len(ua) == 0 {
				ua = h.value
			}
		case isHeader(h.name, "content-length"):
			// (A folded value may end in a space.)
			if l, err := strconv.ParseInt(string(bytes.TrimSpace(h.value)), 10, 64); err == nil && l > 0 {
				bodyLen = l
			}
		}
	}
	var str [5]string
	copyStrings(str[:], parts[0], parts[1], parts[2], host, ua)
	return &capture.HTTPEvent{Meta: p.Meta, Method: str[0], Path: str[1], Version: str[2], Host: str[3], UserAgent: str[4]}, bodyLen
}

// requestFields splits a request line at white space as strings.Fields
// did, into at most three fields; n counts the fields up to four.
func requestFields(line []byte, f *[3][]byte) (n int) {
	for n < 4 {
		i := indexSpace(line, false)
		if i < 0 {
			break
		}
		line = line[i:]
		j := indexSpace(line, true)
		if j < 0 {
			j = len(line)
		}
		if n < len(f) {
			f[n] = line[:j]
		}
		n++
		line = line[j:]
	}
	return n
}

// indexSpace is bytes.IndexFunc(b, unicode.IsSpace) when space is set
// and the index of the first rune that is not white space when it is
// not, with a rune decoded only for bytes outside ASCII: request lines
// are ASCII, and decoding each byte of the target was most of the time
// the split took. Looking for white space, it passes eight bytes at a
// time while none is below '!' or outside ASCII (white space in ASCII
// is at most ' '): targets with a long query are common.
func indexSpace(b []byte, space bool) int {
	for i := 0; i < len(b); {
		if space && len(b)-i >= 8 {
			// A byte below 0x21 borrows, one of 0x80 or above has
			// its top bit: either sets a top bit (borrows that pass
			// on only set bits above a byte that already did).
			if x := binary.LittleEndian.Uint64(b[i:]); ((x-0x2121212121212121)|x)&0x8080808080808080 == 0 {
				i += 8
				continue
			}
		}
		if c := b[i]; c < utf8.RuneSelf {
			if asciiSpace(c) == space {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if unicode.IsSpace(r) == space {
			return i
		}
		i += n
	}
	return -1
}

// asciiSpace is unicode.IsSpace for an ASCII byte.
func asciiSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}
