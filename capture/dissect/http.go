package dissect

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/tattle-audit/tattle/capture"
)

// HTTP dissects HTTP/1.x requests over TCP on any port: method, Host,
// path, User-Agent and headers, across segments and over keep-alive
// connections. Bodies are skipped by Content-Length (payload inspection
// reads them separately).
type HTTP struct{}

// NewHTTP returns the HTTP/1.x request dissector.
func NewHTTP() capture.Dissector { return HTTP{} }

func (HTTP) Name() string { return "http" }

// httpMethods start the request line of HTTP and of the protocols that
// borrow its syntax: RTSP (cameras), Gnutella's handshake.
var httpMethods = [][]byte{[]byte("GET "), []byte("POST "), []byte("PUT "), []byte("HEAD "), []byte("DELETE "),
	[]byte("OPTIONS "), []byte("PATCH "), []byte("CONNECT "), []byte("SUBSCRIBE "), []byte("NOTIFY "), []byte("M-SEARCH "),
	[]byte("DESCRIBE "), []byte("SETUP "), []byte("PLAY "), []byte("PAUSE "), []byte("TEARDOWN "), []byte("ANNOUNCE "),
	[]byte("GET_PARAMETER "), []byte("SET_PARAMETER "), []byte("RECORD "), []byte("GNUTELLA ")}

func looksLikeRequest(b []byte) bool {
	for _, m := range httpMethods {
		if len(b) >= len(m) && bytes.Equal(b[:len(m)], m) {
			return true
		}
		if len(b) < len(m) && bytes.HasPrefix(m, b) {
			return true // a request line split after a few bytes
		}
	}
	return false
}

type httpState struct {
	buf  []byte // an incomplete header block
	skip int64  // body bytes still to skip
	seen bool   // a request was recognised on this flow
	upnp *upnpState
}

func (HTTP) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.TCP {
		p.Done()
		return
	}
	st := p.State()
	s, _ := (*st).(*httpState)
	if p.Dir != capture.ToServer {
		if s != nil {
			responseBody(p, s, emit)
		}
		return
	}
	data := p.Payload
	if s == nil {
		if !looksLikeRequest(data) {
			p.Done()
			return
		}
		s = &httpState{}
		*st = s
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
		s.buf = append(s.buf, data...)
		end := bytes.Index(s.buf, []byte("\r\n\r\n"))
		if end < 0 {
			if len(s.buf) > maxHeaderBytes {
				p.Flow.Note("http: header block too long")
				s.buf = nil
			}
			return
		}
		head := s.buf[:end+4]
		rest := s.buf[end+4:]
		e := parseRequest(p, head)
		if e != nil {
			s.seen = true
			p.Flow.App = "http"
			switch {
			case strings.HasPrefix(e.Version, "RTSP/"):
				p.Flow.App = "rtsp"
			case strings.HasPrefix(e.Version, "CONNECT/"):
				p.Flow.App = "gnutella"
			}
			if e.Host != "" && p.Flow.ServerName == "" {
				p.Flow.ServerName = strings.ToLower(e.Host)
			}
			emit(e)
			watchDescription(p, e, s)
			for _, h := range e.Headers {
				if strings.EqualFold(h[0], "Content-Length") {
					if n, err := strconv.ParseInt(strings.TrimSpace(h[1]), 10, 64); err == nil && n > 0 {
						s.skip = n
					}
				}
			}
		}
		data = append([]byte(nil), rest...)
		s.buf = s.buf[:0]
	}
}

func parseRequest(p *capture.Packet, head []byte) *capture.HTTPEvent {
	start, headers := parseHeaders(head)
	parts := strings.Fields(start)
	if len(parts) == 2 && parts[0] == "GNUTELLA" && strings.HasPrefix(parts[1], "CONNECT/") {
		parts = []string{"CONNECT", "", parts[1]} // Gnutella's handshake: "GNUTELLA CONNECT/0.6"
	}
	if len(parts) != 3 || !(strings.HasPrefix(parts[2], "HTTP/1.") || strings.HasPrefix(parts[2], "RTSP/") || strings.HasPrefix(parts[2], "CONNECT/")) {
		p.Flow.Note("http: malformed request line")
		return nil
	}
	e := &capture.HTTPEvent{Meta: p.Meta, Method: parts[0], Path: parts[1], Version: parts[2], Headers: headers}
	for _, h := range headers {
		switch strings.ToLower(h[0]) {
		case "host":
			e.Host = h[1]
		case "user-agent":
			e.UserAgent = h[1]
		}
	}
	return e
}
