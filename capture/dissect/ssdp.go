package dissect

import (
	"bytes"
	"strings"

	"github.com/tattle-audit/tattle/capture"
)

// maxHeaderBytes bounds the header block read from one SSDP or HTTP
// message; maxHeaders bounds how many headers are kept.
const (
	maxHeaderBytes = 16 << 10
	maxHeaders     = 64
)

// SSDP dissects SSDP (UPnP discovery, HTTP over UDP port 1900): M-SEARCH
// and NOTIFY requests and unicast search responses.
type SSDP struct{}

// NewSSDP returns the SSDP dissector.
func NewSSDP() capture.Dissector { return SSDP{} }

func (SSDP) Name() string { return "ssdp" }

func (SSDP) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP || (p.Src.Port() != 1900 && p.Dst.Port() != 1900) {
		p.Done()
		return
	}
	b := p.Payload
	if !(bytes.HasPrefix(b, []byte("M-SEARCH ")) || bytes.HasPrefix(b, []byte("NOTIFY ")) || bytes.HasPrefix(b, []byte("HTTP/1."))) {
		p.Flow.Note("ssdp: not an SSDP message")
		return
	}
	p.Flow.App = capture.AppSSDP
	start, headers := parseHeaders(b)
	e := &capture.SSDPEvent{Meta: p.Meta, StartLine: start}
	for _, h := range headers {
		switch strings.ToUpper(h[0]) {
		case "SERVER":
			e.Server = h[1]
		case "USER-AGENT":
			e.UserAgent = h[1]
		case "LOCATION":
			e.Location = h[1]
		case "NT":
			e.NT = h[1]
		case "ST":
			e.ST = h[1]
		case "USN":
			e.USN = h[1]
		}
	}
	emit(e)
}

// parseHeaders splits an HTTP-style message into its start line and
// headers (bounded). Folded continuation lines are joined.
func parseHeaders(b []byte) (string, [][2]string) {
	if len(b) > maxHeaderBytes {
		b = b[:maxHeaderBytes]
	}
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i]
	}
	// One string for the block; the lines, names and values are parts
	// of it. Lines end at "\n", and a "\r" before it is dropped.
	text := string(b)
	line := func() string {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			l := text
			text = ""
			return l
		}
		l := text[:i]
		text = text[i+1:]
		if strings.HasSuffix(l, "\r") {
			l = l[:len(l)-1]
		}
		return l
	}
	start := strings.TrimSpace(line())
	var hs [][2]string // nil when there is none, as before
	for text != "" {
		l := line()
		if l == "" {
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && len(hs) > 0 {
			hs[len(hs)-1][1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		if len(hs) >= maxHeaders {
			break
		}
		if hs == nil { // room for every line left, at once
			hs = make([][2]string, 0, min(strings.Count(text, "\n")+1, maxHeaders))
		}
		hs = append(hs, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return start, hs
}
