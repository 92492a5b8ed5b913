package dissect

import (
	"bytes"

	"github.com/tattle-audit/tattle/capture"
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
	// The headers the event keeps (the last of each name), in the
	// payload until they are copied.
	const (
		server = iota
		userAgent
		location
		nt
		st
		usn
		nFields
	)
	var h headerScan
	start := h.start(b)
	var v [nFields][]byte
	for h.next() {
		switch {
		case isUpperHeader(h.name, "SERVER"):
			v[server] = h.value
		case isUpperHeader(h.name, "USER-AGENT"):
			v[userAgent] = h.value
		case isUpperHeader(h.name, "LOCATION"):
			v[location] = h.value
		case isUpperHeader(h.name, "NT"):
			v[nt] = h.value
		case isUpperHeader(h.name, "ST"):
			v[st] = h.value
		case isUpperHeader(h.name, "USN"):
			v[usn] = h.value
		}
	}
	var s [nFields + 1]string
	copyStrings(s[:], v[server], v[userAgent], v[location], v[nt], v[st], v[usn], start)
	emit(&capture.SSDPEvent{Meta: p.Meta, StartLine: s[nFields], Server: s[server], UserAgent: s[userAgent],
		Location: s[location], NT: s[nt], ST: s[st], USN: s[usn]})
}
