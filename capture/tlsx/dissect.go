package tlsx

import (
	"crypto/x509"
	"encoding/binary"
	"errors"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
)

// TLS is the dissector for TLS over TCP, on any port: it recognises the
// handshake record header, buffers each direction until the ClientHello
// (and the ServerHello and certificate) are complete, and stops looking at
// the flow once it has them.
type TLS struct{}

// NewTLS returns the TLS-over-TCP dissector.
func NewTLS() capture.Dissector { return TLS{} }

func (TLS) Name() string { return "tls" }

// startTLSWindow is how many client packets may pass before a flow that
// has shown no handshake is given up on.
const startTLSWindow = 12

type stream struct {
	buf  []byte
	next uint32
	done bool
}

type tlsState struct {
	dir [2]stream
}

func (TLS) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.TCP {
		p.Done()
		return
	}
	st := p.State()
	s, _ := (*st).(*tlsState)
	if s == nil {
		// Only a handshake record from the client starts a TLS flow. It
		// may come after a few cleartext exchanges (STARTTLS in SMTP,
		// IMAP, XMPP...), so look at the client's first packets.
		if p.Dir != capture.ToServer || !IsHandshakeRecord(p.Payload) {
			if p.Flow.Packets[capture.ToServer] > startTLSWindow || p.Flow.App == "http" {
				p.Done()
			}
			return
		}
		s = &tlsState{}
		*st = s
		p.Flow.App = "tls"
	}
	d := &s.dir[p.Dir]
	if d.done {
		return
	}
	data := p.Payload
	if len(d.buf) > 0 {
		// Place the segment after what we have: trim retransmitted
		// bytes; a gap ends the attempt.
		diff := int32(p.TCPSeq - d.next)
		switch {
		case diff < 0 && int(-diff) >= len(data):
			return
		case diff < 0:
			data = data[-diff:]
		case diff > 0:
			p.Flow.Note("tls: gap in handshake")
			d.done, d.buf = true, nil
			return
		}
	}
	d.buf = append(d.buf, data...)
	d.next = p.TCPSeq + uint32(len(p.Payload))
	if len(d.buf) > maxHandshake {
		p.Flow.Note("tls: handshake too long")
		d.done, d.buf = true, nil
		return
	}
	var err error
	if p.Dir == capture.ToServer {
		err = clientHello(p, d.buf, emit)
	} else {
		err = serverHello(p, d.buf, emit)
	}
	if errors.Is(err, ErrIncomplete) {
		return
	}
	if err != nil && !errors.Is(err, ErrNotTLS) {
		p.Flow.Note("tls: " + err.Error())
	}
	d.done, d.buf = true, nil
	if s.dir[0].done && s.dir[1].done {
		p.Done()
	}
}

func clientHello(p *capture.Packet, b []byte, emit func(capture.Event)) error {
	h, err := ParseClientHello(b)
	if err != nil {
		return err
	}
	emit(HelloEvent(p.Meta, h))
	if h.SNI != "" {
		p.Flow.ServerName = h.SNI
	}
	return nil
}

// HelloEvent wraps a parsed ClientHello with its JA3 and JA4
// fingerprints, as the TLS, DTLS and QUIC dissectors report it.
func HelloEvent(m capture.Meta, h *fingerprints.ClientHello) *capture.TLSEvent {
	e := &capture.TLSEvent{Meta: m, QUIC: h.QUIC, Hello: *h}
	e.JA3, e.JA3Raw = fingerprints.JA3(h)
	e.JA4, e.JA4R = fingerprints.JA4(h)
	return e
}

func serverHello(p *capture.Packet, b []byte, emit func(capture.Event)) error {
	sh, msg, err := ParseServerHello(b)
	if err != nil {
		return err
	}
	e := &capture.TLSServerEvent{Meta: p.Meta, Version: sh.Version, Cipher: sh.Cipher}
	if sh.Version < 0x0304 {
		// Up to TLS 1.2 the Certificate message follows in the clear.
		rest, err := afterMessage(b, len(msg))
		if err == nil {
			if cm, _, err2 := handshakeFromRecords(rest, 11); err2 == nil {
				certInfo(cm, e)
			} else if errors.Is(err2, ErrIncomplete) && len(b) < maxHandshake {
				return ErrIncomplete
			}
		}
	}
	emit(e)
	return nil
}

// afterMessage skips the records that carried the first n bytes of
// handshake data and returns the record stream that follows, with the
// remainder of a shared record re-framed as its own record.
func afterMessage(b []byte, n int) ([]byte, error) {
	for len(b) >= 5 {
		l := int(binary.BigEndian.Uint16(b[3:]))
		if len(b) < 5+l {
			l = len(b) - 5
		}
		if n < l {
			rest := make([]byte, 0, 5+l-n+len(b)-5-l)
			rest = append(rest, b[0], b[1], b[2], byte((l-n)>>8), byte(l-n))
			rest = append(rest, b[5+n:5+l]...)
			return append(rest, b[5+l:]...), nil
		}
		n -= l
		b = b[5+l:]
		if n == 0 {
			return b, nil
		}
	}
	return nil, ErrIncomplete
}

func certInfo(m []byte, e *capture.TLSServerEvent) {
	r := &reader{b: m[4:]}
	list := r.bytes(int(r.u8())<<16 | int(r.u16()))
	lr := &reader{b: list}
	der := lr.bytes(int(lr.u8())<<16 | int(lr.u16()))
	if r.err || lr.err || len(der) == 0 {
		return
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return
	}
	e.HasCert = true
	e.Subject = c.Subject.CommonName
	e.SANs = c.DNSNames
	e.Issuer = c.Issuer.CommonName
	e.NotBefore, e.NotAfter = c.NotBefore, c.NotAfter
	e.SelfSigned = c.CheckSignatureFrom(c) == nil && string(c.RawIssuer) == string(c.RawSubject)
}
