package dissect

import "github.com/tattle-audit/tattle/capture"

// NTP dissects NTP (UDP 123) headers.
type NTP struct{}

// NewNTP returns the NTP dissector.
func NewNTP() capture.Dissector { return NTP{} }

func (NTP) Name() string { return "ntp" }

func (NTP) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP || (p.Src.Port() != 123 && p.Dst.Port() != 123) {
		p.Done()
		return
	}
	b := p.Payload
	if len(b) < 48 {
		p.Flow.Note("ntp: not an NTP packet")
		return
	}
	v := int(b[0]>>3) & 7
	if v < 1 || v > 4 {
		p.Flow.Note("ntp: not an NTP packet")
		return
	}
	p.Flow.App = capture.AppNTP
	emit(&capture.NTPEvent{Meta: p.Meta, Version: v, Mode: int(b[0] & 7), Stratum: int(b[1])})
}
