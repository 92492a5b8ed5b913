package dissect

import (
	"bytes"

	"github.com/tattle-audit/tattle/capture"
)

// SSDP dissects SSDP (UPnP discovery, HTTP over UDP port 1900): M-SEARCH
// and NOTIFY requests and unicast search responses.
type SSDP struct {
	seen repeats[ssdpFields] // by message
}

// ssdpFields are the strings of an SSDPEvent: the headers it keeps (the
// last of each name) and the start line, all parts of one string.
type ssdpFields [ssdpN + 1]string

const (
	ssdpServer = iota
	ssdpUserAgent
	ssdpLocation
	ssdpNT
	ssdpST
	ssdpUSN
	ssdpN // the start line's index in ssdpFields
)

// NewSSDP returns the SSDP dissector.
func NewSSDP() capture.Dissector { return &SSDP{} }

func (*SSDP) Name() string { return "ssdp" }

func (x *SSDP) Dissect(p *capture.Packet, emit func(capture.Event)) {
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
	s, ok := x.seen.get(b)
	if !ok {
		s = ssdpRead(b)
		x.seen.add(b, s, s.size())
	}
	emit(&capture.SSDPEvent{Meta: p.Meta, StartLine: s[ssdpN], Server: s[ssdpServer], UserAgent: s[ssdpUserAgent],
		Location: s[ssdpLocation], NT: s[ssdpNT], ST: s[ssdpST], USN: s[ssdpUSN]})
}

func (s *ssdpFields) size() (n int) {
	for _, f := range s {
		n += len(f)
	}
	return n
}

// ssdpRead reads the fields of an SSDP message.
func ssdpRead(b []byte) ssdpFields {
	var h headerScan
	start := h.start(b)
	var v [ssdpN][]byte // in b until they are copied
	for h.next() {
		switch {
		case isUpperHeader(h.name, "SERVER"):
			v[ssdpServer] = h.value
		case isUpperHeader(h.name, "USER-AGENT"):
			v[ssdpUserAgent] = h.value
		case isUpperHeader(h.name, "LOCATION"):
			v[ssdpLocation] = h.value
		case isUpperHeader(h.name, "NT"):
			v[ssdpNT] = h.value
		case isUpperHeader(h.name, "ST"):
			v[ssdpST] = h.value
		case isUpperHeader(h.name, "USN"):
			v[ssdpUSN] = h.value
		}
	}
	var s ssdpFields
	copyStrings(s[:], v[ssdpServer], v[ssdpUserAgent], v[ssdpLocation], v[ssdpNT], v[ssdpST], v[ssdpUSN], start)
	return s
}
