package tlsx

import (
	"bytes"
	"encoding/binary"

	"github.com/tattle-audit/tattle/capture"
)

// GQUIC reads the cleartext client hello (CHLO) of Google QUIC versions
// Q0xx up to Q046, which carries the server name (SNI tag) and the
// client's user agent (UAID tag) in the clear.
type GQUIC struct{}

// NewGQUIC returns the Google QUIC CHLO dissector.
func NewGQUIC() capture.Dissector { return GQUIC{} }

func (GQUIC) Name() string { return "gquic" }

var chloTag = []byte("CHLO")

func (GQUIC) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP {
		p.Done()
		return
	}
	b := p.Payload
	// The public header is short: the CHLO starts within the first
	// few dozen bytes of a client's first packets.
	limit := min(len(b), 64)
	i := bytes.Index(b[:limit], chloTag)
	if i < 0 || p.Dir != capture.ToServer || !bytes.Contains(b[:min(len(b), 16)], []byte("Q0")) {
		if p.Flow.Packets[capture.ToServer] > 4 {
			p.Done()
		}
		return
	}
	tags := parseCHLO(b[i:])
	if tags == nil {
		p.Flow.Note("gquic: malformed CHLO")
		p.Done()
		return
	}
	sni, ua := string(tags["SNI\x00"]), string(tags["UAID"])
	p.Flow.App = capture.AppGQUIC
	if sni != "" {
		p.Flow.ServerName = sni
	}
	emit(&capture.ServerNameEvent{Meta: p.Meta, Protocol: capture.AppGQUIC, Name: sni, UserAgent: ua})
	p.Done()
}

// parseCHLO reads a QUIC crypto handshake message: tag, number of
// entries, padding, then (tag, end offset) pairs and the values.
func parseCHLO(b []byte) map[string][]byte {
	if len(b) < 8 {
		return nil
	}
	n := int(binary.LittleEndian.Uint16(b[4:]))
	if n > 128 || len(b) < 8+8*n {
		return nil
	}
	values := b[8+8*n:]
	out := make(map[string][]byte, n)
	prev := 0
	for i := 0; i < n; i++ {
		e := b[8+8*i:]
		tag := string(e[:4])
		end := int(binary.LittleEndian.Uint32(e[4:]))
		if end < prev || end > len(values) {
			return out
		}
		out[tag] = values[prev:end]
		prev = end
	}
	return out
}
