package quic

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/tlsx"
)

// Dissector reads QUIC client Initial packets on any UDP port and reports
// the ClientHello they carry as a capture.TLSEvent with QUIC set (its JA4
// starts with 'q').
type Dissector struct{}

// NewQUIC returns the QUIC Initial dissector.
func NewQUIC() capture.Dissector { return Dissector{} }

func (Dissector) Name() string { return "quic" }

// maxTries bounds the client datagrams a flow that looked like QUIC may
// send without completing a ClientHello before it is given up on.
const maxTries = 12

type state struct {
	keyDCID []byte // DCID of the client's first Initial: the keys derive from it
	asm     Reassembler
	tries   int
}

// looksInitial is the cheap test run on every UDP datagram of a flow not
// yet recognised: a long header, a version we read, the Initial type.
func looksInitial(b []byte) bool {
	if len(b) < 7 || b[0]&0x80 == 0 {
		return false
	}
	p, ok := params(binary.BigEndian.Uint32(b[1:]))
	return ok && (b[0]>>4)&3 == p.initialType
}

func (Dissector) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP {
		p.Done()
		return
	}
	st := p.State()
	s, _ := (*st).(*state)
	if s == nil {
		if p.Dir != capture.ToServer || !looksInitial(p.Payload) {
			// The client speaks first in QUIC; a flow whose first
			// client datagrams are not Initials is something else.
			if p.Flow.Packets[capture.ToServer] > 2 {
				p.Done()
			}
			return
		}
		s = &state{}
		*st = s
	}
	if p.Dir != capture.ToServer {
		return
	}
	s.tries++
	b := p.Payload
	for len(b) > 0 {
		h, err := parseHeader(b)
		if err != nil {
			break // a coalesced 0-RTT or Handshake packet, or padding
		}
		pkt, rest, err := decrypt(b, h, s.keyDCID)
		if err != nil {
			p.Flow.Note("quic: " + err.Error())
			break
		}
		if s.keyDCID == nil {
			s.keyDCID = pkt.DCID
		}
		p.Flow.App = capture.AppQUIC
		frags, err := CryptoFrames(pkt.Payload)
		if err != nil {
			p.Flow.Note("quic: " + err.Error())
		}
		for _, f := range frags {
			if err := s.asm.Add(f); err != nil {
				give(p, st, "quic: "+err.Error())
				return
			}
		}
		b = rest
	}
	if m, ok := s.asm.Message(); ok {
		h, err := tlsx.ParseHandshake(m)
		if err != nil {
			give(p, st, "quic: "+err.Error())
			return
		}
		h.QUIC = true
		emit(tlsx.HelloEvent(p.Meta, h))
		if h.SNI != "" {
			p.Flow.ServerName = h.SNI
		}
		*st = nil
		p.Done()
		return
	}
	if want := s.asm.Want(); want > MaxCrypto {
		give(p, st, "quic: ClientHello too long")
		return
	}
	if s.tries >= maxTries {
		give(p, st, "")
	}
}

// decrypt opens an Initial with the keys of the connection's first DCID
// and, when those fail, with the packet's own: after a Retry the client
// derives new keys from the DCID the server chose.
func decrypt(b []byte, h header, keyDCID []byte) (*Packet, []byte, error) {
	own := keyDCID == nil || bytes.Equal(keyDCID, h.dcid)
	if keyDCID == nil {
		keyDCID = h.dcid
	}
	keys, err := InitialKeys(h.version, keyDCID, false)
	if err != nil {
		return nil, nil, err
	}
	pkt, rest, err := open(b, h, keys)
	if errors.Is(err, ErrDecrypt) && !own {
		if keys, err2 := InitialKeys(h.version, h.dcid, false); err2 == nil {
			return open(b, h, keys)
		}
	}
	return pkt, rest, err
}

// give ends the dissector's work on the flow and frees its state.
func give(p *capture.Packet, st *any, note string) {
	if note != "" {
		p.Flow.Note(note)
	}
	*st = nil
	p.Done()
}
