package tlsx

import (
	"encoding/binary"

	"github.com/tattle-audit/tattle/capture"
)

// DTLS reads DTLS ClientHellos (RFC 6347, RFC 9147) from UDP datagrams on
// any port: WebRTC, VPNs and some IoT protocols (CoAP over DTLS) use it.
type DTLS struct{}

// NewDTLS returns the DTLS ClientHello dissector.
func NewDTLS() capture.Dissector { return DTLS{} }

func (DTLS) Name() string { return "dtls" }

func isDTLSHandshake(b []byte) bool {
	return len(b) >= 25 && b[0] == 0x16 && b[1] == 0xfe && (b[2] == 0xff || b[2] == 0xfd || b[2] == 0xfc)
}

func (DTLS) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP {
		p.Done()
		return
	}
	b := p.Payload
	// TURN relays DTLS in ChannelData messages (RFC 8656 12.4): a 4-byte
	// header with a channel number in 0x4000-0x7fff and a length.
	if len(b) > 4 && b[0]&0xc0 == 0x40 && int(binary.BigEndian.Uint16(b[2:]))+4 <= len(b) && isDTLSHandshake(b[4:]) {
		b = b[4:]
	}
	if !isDTLSHandshake(b) {
		if p.Flow.Packets[0]+p.Flow.Packets[1] > 16 && p.Flow.App != capture.AppDTLS {
			p.Done()
		}
		return
	}
	// Records may be packed several to a datagram; look at each.
	for len(b) >= 13 {
		n := int(binary.BigEndian.Uint16(b[11:]))
		if 13+n > len(b) {
			return
		}
		rec := b[13 : 13+n]
		b = b[13+n:]
		if len(rec) < 12 || rec[0] != 1 { // handshake type client_hello
			continue
		}
		msgLen := int(rec[1])<<16 | int(rec[2])<<8 | int(rec[3])
		fragOff := int(rec[6])<<16 | int(rec[7])<<8 | int(rec[8])
		fragLen := int(rec[9])<<16 | int(rec[10])<<8 | int(rec[11])
		if fragOff != 0 || fragLen != msgLen || 12+fragLen > len(rec) {
			p.Flow.Note("dtls: fragmented ClientHello")
			continue
		}
		e := &capture.TLSEvent{Meta: p.Meta}
		if err := parseHelloBody(&e.Hello, rec[12:12+fragLen], true); err != nil {
			p.Flow.Note("dtls: " + err.Error())
			continue
		}
		setFingerprints(e, nil)
		p.Flow.App = capture.AppDTLS
		if e.Hello.SNI != "" {
			p.Flow.ServerName = e.Hello.SNI
		}
		emit(e)
		p.Done()
		return
	}
}
