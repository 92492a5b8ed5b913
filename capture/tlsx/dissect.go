package tlsx

import (
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/internal/repeat"
	"github.com/tattle-audit/tattle/internal/tcpseq"
)

// TLS is the dissector for TLS over TCP, on any port: it recognises the
// handshake record header, buffers each direction until the ClientHello
// (and the ServerHello and certificate) are complete, and stops looking at
// the flow once it has them. Each dissector keeps its own cache of the
// certificates it summarised, so scans share nothing; use NewTLS.
type TLS struct {
	certs *certCache
	fps   *fpCache
}

// NewTLS returns the TLS-over-TCP dissector.
func NewTLS() capture.Dissector { return &TLS{certs: newCertCache(), fps: newFPCache()} }

func (*TLS) Name() string { return "tls" }

// startTLSWindow is how many client packets may pass before a flow that
// has shown no handshake is given up on.
const startTLSWindow = 12

// stream is the start of one direction's byte stream, rebuilt from TCP
// segments by sequence number until the handshake messages it waits for
// are whole.
type stream struct {
	buf     []byte
	box     *[]byte // the pooled buffer buf grew from (nil until the first byte)
	next    uint32  // sequence number of the byte after buf
	started bool
	done    bool
	pending []segment // segments that arrived ahead of a gap (copies)
	held    int
}

type segment struct {
	seq  uint32
	data []byte
}

// maxPending bounds the out-of-order segments held per direction.
const maxPending = 16

// add places a segment: retransmitted bytes are trimmed, segments after a
// gap wait (bounded) for the gap to fill. It reports false when the
// bounds are exceeded.
func (d *stream) add(seq uint32, data []byte) bool {
	if !d.started {
		d.started, d.next = true, seq
	}
	if diff := tcpseq.Diff(seq, d.next); diff > 0 {
		if len(d.pending) >= maxPending || d.held+len(data) > maxHandshake || diff > maxHandshake {
			return false
		}
		d.pending = append(d.pending, segment{seq, append([]byte(nil), data...)})
		d.held += len(data)
		return true
	}
	d.place(seq, data)
	for progress := true; progress && len(d.pending) > 0; {
		progress = false
		for i := 0; i < len(d.pending); i++ {
			if tcpseq.Diff(d.pending[i].seq, d.next) <= 0 {
				sg := d.pending[i]
				d.pending = append(d.pending[:i], d.pending[i+1:]...)
				d.held -= len(sg.data)
				d.place(sg.seq, sg.data)
				progress = true
				i--
			}
		}
	}
	return len(d.buf) <= maxHandshake
}

// place appends the part of a segment starting at or before next that
// lies after it.
func (d *stream) place(seq uint32, data []byte) {
	over := tcpseq.Diff(d.next, seq)
	if over < 0 || over >= int64(len(data)) {
		return // a retransmission of bytes we have (add never passes a segment after next)
	}
	if d.box == nil {
		d.box = getBuf()
		d.buf = *d.box
	}
	d.buf = append(d.buf, data[over:]...)
	d.next = seq + uint32(len(data))
}

func (d *stream) finish() {
	if d.box != nil {
		*d.box = d.buf // grown: give back the larger buffer
		putBuf(d.box)
	}
	d.done, d.buf, d.box, d.pending, d.held = true, nil, nil, nil, 0
}

// bufs recycles the buffers that rebuild handshakes (stream.buf, a
// message spread over records, the records after a ServerHello): most
// TLS flows need one for a moment, and allocating one for each was the
// largest allocation of a scan. It holds them by pointer, so that giving
// one back allocates nothing. Buffers that grew past maxPooled are left
// to the collector, so what the pool holds stays small.
var bufs sync.Pool

const maxPooled = 16 << 10

// getBuf returns an empty buffer, from the pool when it has one.
func getBuf() *[]byte {
	if p, ok := bufs.Get().(*[]byte); ok {
		*p = (*p)[:0]
		return p
	}
	b := make([]byte, 0, 2048)
	return &b
}

// putBuf gives *p back to the pool (nil: nothing); the caller must not
// use it again.
func putBuf(p *[]byte) {
	if p == nil || cap(*p) > maxPooled {
		return
	}
	bufs.Put(p)
}

// scratch is a buffer borrowed from the pool when first needed, for a
// message spread over records or a re-framed record: what is built in it
// is read before it is used again, and never kept.
type scratch struct{ p *[]byte }

// take returns the buffer, emptied.
func (s *scratch) take() []byte {
	if s.p == nil {
		s.p = getBuf()
	}
	return (*s.p)[:0]
}

// keep makes b, taken and then grown by append, the buffer to give back.
func (s *scratch) keep(b []byte) {
	if cap(b) > cap(*s.p) {
		*s.p = b[:0]
	}
}

// release gives the buffer back to the pool.
func (s *scratch) release() {
	putBuf(s.p)
	s.p = nil
}

type tlsState struct {
	dir [2]stream
}

func (t *TLS) Dissect(p *capture.Packet, emit func(capture.Event)) {
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
		p.Flow.App = capture.AppTLS
	}
	d := &s.dir[p.Dir]
	if d.done {
		return
	}
	if !d.started && len(p.Payload) > 0 && len(p.Payload) <= maxHandshake {
		// The usual case: the direction's first segment holds the whole
		// message. Read it in place; buffer it only when it is not whole
		// (the same bytes the buffer would hold, so the same result).
		if err := t.readHello(p, p.Payload, emit); !errors.Is(err, ErrIncomplete) {
			d.started = true
			noteErr(p, err)
			d.finish()
			if s.dir[0].done && s.dir[1].done {
				*st = nil
				p.Done()
			}
			return
		}
	}
	before := len(d.buf)
	if !d.add(p.TCPSeq, p.Payload) {
		p.Flow.Note("tls: handshake too long or too scattered")
		d.finish()
	} else if len(d.buf) > before {
		err := t.readHello(p, d.buf, emit)
		if errors.Is(err, ErrIncomplete) {
			return
		}
		noteErr(p, err)
		d.finish()
	} else {
		return
	}
	if s.dir[0].done && s.dir[1].done {
		*st = nil
		p.Done()
	}
}

// readHello reads the ClientHello or ServerHello (by direction) at the start
// of b, which it does not keep.
func (t *TLS) readHello(p *capture.Packet, b []byte, emit func(capture.Event)) error {
	if p.Dir == capture.ToServer {
		return clientHello(p, b, t.fps, emit)
	}
	return serverHello(p, b, t.certs, emit)
}

// noteErr notes on the flow why a handshake could not be read.
func noteErr(p *capture.Packet, err error) {
	if err != nil && !errors.Is(err, ErrNotTLS) {
		p.Flow.Note("tls: " + err.Error())
	}
}

// clientHello is ParseClientHello and HelloEvent reading the hello into
// the event (allocated once the message is whole).
func clientHello(p *capture.Packet, b []byte, fps *fpCache, emit func(capture.Event)) error {
	var sc scratch
	defer sc.release()
	m, ver, err := handshakeFromRecords(b, 1, &sc)
	if err != nil {
		return err
	}
	e := &capture.TLSEvent{Meta: p.Meta}
	if err := readHandshake(&e.Hello, m); err != nil {
		return err
	}
	e.Hello.RecordVersion = ver
	setFingerprints(e, fps)
	if e.Hello.SNI != "" {
		p.Flow.ServerName = e.Hello.SNI
	}
	emit(e)
	return nil
}

// HelloEvent wraps a parsed ClientHello with its JA3 and JA4
// fingerprints, as the TLS, DTLS and QUIC dissectors report it.
func HelloEvent(m capture.Meta, h *fingerprints.ClientHello) *capture.TLSEvent {
	return helloEvent(m, h, nil)
}

// helloEvent is HelloEvent with the fingerprints from fps (nil: computed).
func helloEvent(m capture.Meta, h *fingerprints.ClientHello, fps *fpCache) *capture.TLSEvent {
	e := &capture.TLSEvent{Meta: m, Hello: *h}
	setFingerprints(e, fps)
	return e
}

// setFingerprints sets e's QUIC flag and fingerprints from e.Hello, with
// fps (nil: computed).
func setFingerprints(e *capture.TLSEvent, fps *fpCache) {
	e.QUIC = e.Hello.QUIC
	v := fps.fingerprint(&e.Hello)
	e.JA3, e.JA3Raw, e.JA4, e.JA4R = v.ja3, v.ja3raw, v.ja4, v.ja4r
}

func serverHello(p *capture.Packet, b []byte, certs *certCache, emit func(capture.Event)) error {
	var msgs, records scratch
	defer func() { msgs.release(); records.release() }()
	sh, msg, err := parseServerHello(b, &msgs)
	if err != nil {
		return err
	}
	// The event is allocated once the messages are whole: a certificate
	// spread over several segments has the ServerHello read again with
	// each, and allocating the event each time was three quarters of
	// what server hellos allocated.
	var ci certSummary
	if sh.Version < 0x0304 {
		// Up to TLS 1.2 the Certificate message follows in the clear.
		// msg may lie in msgs: only its length is used from here.
		rest, err := afterMessage(b, len(msg), &records)
		if err == nil {
			if cm, _, err2 := handshakeFromRecords(rest, 11, &msgs); err2 == nil {
				ci = certInfo(cm, certs)
			} else if errors.Is(err2, ErrIncomplete) && len(b) < maxHandshake {
				return ErrIncomplete
			}
		}
	}
	e := &capture.TLSServerEvent{Meta: p.Meta, Version: sh.Version, Cipher: sh.Cipher}
	if ci.ok {
		e.HasCert = true
		e.Subject, e.SANs, e.Issuer = ci.subject, ci.sans, ci.issuer
		e.NotBefore, e.NotAfter, e.SelfSigned = ci.notBefore, ci.notAfter, ci.selfSigned
	}
	emit(e)
	return nil
}

// afterMessage skips the records that carried the first n bytes of
// handshake data and returns the record stream that follows, with the
// remainder of a shared record re-framed as its own record (built in
// sc; the result is read before sc is used again).
func afterMessage(b []byte, n int, sc *scratch) ([]byte, error) {
	for len(b) >= 5 {
		l := int(binary.BigEndian.Uint16(b[3:]))
		if len(b) < 5+l {
			l = len(b) - 5
		}
		if n < l {
			rest := sc.take()
			rest = append(rest, b[0], b[1], b[2], byte((l-n)>>8), byte(l-n))
			rest = append(rest, b[5+n:5+l]...)
			rest = append(rest, b[5+l:]...)
			sc.keep(rest)
			return rest, nil
		}
		n -= l
		b = b[5+l:]
		if n == 0 {
			return b, nil
		}
	}
	return nil, ErrIncomplete
}

// certInfo summarises the leaf certificate of Certificate message m (ok
// false: none, or none tattle could read).
func certInfo(m []byte, certs *certCache) certSummary {
	r := &reader{b: m[4:]}
	list := r.bytes(int(r.u8())<<16 | int(r.u16()))
	lr := &reader{b: list}
	der := lr.bytes(int(lr.u8())<<16 | int(lr.u16()))
	if r.err || lr.err || len(der) == 0 {
		return certSummary{}
	}
	ci, ok := certs.get(der)
	if !ok {
		return certSummary{}
	}
	return ci
}

// certSummary is what the events keep of a certificate.
type certSummary struct {
	subject, issuer     string
	sans                []string // shared by the events: read only
	notBefore, notAfter time.Time
	selfSigned          bool
	ok                  bool
}

// certCache remembers the summaries of certificates already parsed:
// servers present the same one on every connection, and parsing (with
// the self-signature check) is the costliest step of a ServerHello. It
// is keyed by the DER itself: hashing it for the map and comparing it
// on a hit cost a fraction of the SHA-256 it was keyed by before. It
// holds at most certCacheSize entries and maxCertBytes bytes of DER, and
// starts again when full. A nil cache summarises every time. It is safe
// for concurrent use (a list of dissectors may serve two scans at once).
type certCache struct {
	mu    sync.Mutex
	m     map[string]certSummary // by DER
	bytes int                    // of the keys
}

const (
	certCacheSize = 4096
	maxCertBytes  = 4 << 20
)

func newCertCache() *certCache { return &certCache{m: map[string]certSummary{}} }

func (c *certCache) get(der []byte) (certSummary, bool) {
	if c == nil || repeat.Off {
		ci := summarise(der)
		return ci, ci.ok
	}
	c.mu.Lock()
	ci, hit := c.m[string(der)]
	c.mu.Unlock()
	if hit {
		return ci, ci.ok
	}
	ci = summarise(der)
	c.mu.Lock()
	if len(c.m) >= certCacheSize || c.bytes+len(der) > maxCertBytes {
		clear(c.m)
		c.bytes = 0
	}
	if _, ok := c.m[string(der)]; !ok {
		// (Another scan may have added it meanwhile.)
		c.m[string(der)] = ci
		c.bytes += len(der)
	}
	c.mu.Unlock()
	return ci, ci.ok
}
