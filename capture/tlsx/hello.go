// Package tlsx reads TLS handshakes from captured bytes: the ClientHello
// (for SNI, ALPN and the JA3/JA4 fingerprints), the ServerHello and, for
// TLS 1.2 and below, the server's certificate. The ClientHello inside
// QUIC Initial packets is reached by capture/quic, which decrypts them
// (RFC 9001) and parses it here.
package tlsx

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tattle-audit/tattle/capture/internal/varint"
	"github.com/tattle-audit/tattle/fingerprints"
)

// ErrIncomplete means more bytes are needed: the handshake message
// continues in later segments.
var ErrIncomplete = errors.New("tlsx: incomplete handshake")

// ErrNotTLS means the bytes are not a TLS handshake record.
var ErrNotTLS = errors.New("tlsx: not a TLS handshake")

// maxHandshake bounds a handshake message tattle will wait for: large
// post-quantum key shares make ClientHellos of a few KiB; 64 KiB leaves
// room for certificate chains.
const maxHandshake = 64 << 10

// IsHandshakeRecord reports whether b starts like a TLS handshake record.
func IsHandshakeRecord(b []byte) bool {
	return len(b) >= 3 && b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04
}

// handshakeFromRecords concatenates the handshake-record fragments at the
// start of a record stream until one whole handshake message of type typ
// is available. It returns the message (header included) and the record
// version. A message spread over records is built in sc when sc is not
// nil; the caller reads it before using sc again.
func handshakeFromRecords(b []byte, typ byte, sc *scratch) ([]byte, uint16, error) {
	// Most messages sit whole in the first record: return them in place
	// (the caller reads them before b changes).
	if len(b) >= 5 && b[0] == 0x16 {
		if n := int(binary.BigEndian.Uint16(b[3:])); n > 0 && n <= 1<<14+2048 && len(b) >= 5+n {
			if m, ok := wholeMessage(b[5 : 5+n : 5+n]); ok {
				return m, binary.BigEndian.Uint16(b[1:]), checkType(m, typ)
			}
		}
	}
	var msg []byte
	if sc != nil {
		msg = sc.take()
		defer func() { sc.keep(msg) }() // grown: give back the larger buffer
	}
	var ver uint16
	for {
		if len(b) < 5 {
			return nil, ver, ErrIncomplete
		}
		if b[0] != 0x16 {
			if len(msg) == 0 {
				return nil, 0, ErrNotTLS
			}
			return nil, ver, fmt.Errorf("tlsx: handshake interrupted by record type %d", b[0])
		}
		if ver == 0 {
			ver = binary.BigEndian.Uint16(b[1:])
		}
		n := int(binary.BigEndian.Uint16(b[3:]))
		if n == 0 || n > 1<<14+2048 {
			return nil, ver, fmt.Errorf("tlsx: bad record length %d", n)
		}
		if len(b) < 5+n {
			// Use what we have of this record: the message may already
			// be complete inside it.
			msg = append(msg, b[5:]...)
			if m, ok := wholeMessage(msg); ok {
				return m, ver, checkType(m, typ)
			}
			return nil, ver, ErrIncomplete
		}
		msg = append(msg, b[5:5+n]...)
		b = b[5+n:]
		if m, ok := wholeMessage(msg); ok {
			return m, ver, checkType(m, typ)
		}
		if len(msg) > maxHandshake {
			return nil, ver, fmt.Errorf("tlsx: handshake message over %d bytes", maxHandshake)
		}
	}
}

func wholeMessage(m []byte) ([]byte, bool) {
	if len(m) < 4 {
		return nil, false
	}
	n := int(m[1])<<16 | int(m[2])<<8 | int(m[3])
	if len(m) < 4+n {
		return nil, false
	}
	return m[:4+n], true
}

func checkType(m []byte, typ byte) error {
	if m[0] != typ {
		return fmt.Errorf("tlsx: handshake type %d, want %d", m[0], typ)
	}
	return nil
}

// ParseClientHello reads a ClientHello from the start of a TLS record
// stream (possibly spread over several records).
func ParseClientHello(b []byte) (*fingerprints.ClientHello, error) {
	var sc scratch
	defer sc.release()
	m, ver, err := handshakeFromRecords(b, 1, &sc)
	if err != nil {
		return nil, err
	}
	h := new(fingerprints.ClientHello)
	if err := readHandshake(h, m); err != nil {
		return nil, err
	}
	h.RecordVersion = ver
	return h, nil
}

// reader is a bounds-checked cursor.
type reader struct {
	b   []byte
	err bool
}

func (r *reader) u8() uint8 {
	if len(r.b) < 1 {
		r.err = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() uint16 {
	if len(r.b) < 2 {
		r.err = true
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.err = true
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) vec8() []byte  { return r.bytes(int(r.u8())) }
func (r *reader) vec16() []byte { return r.bytes(int(r.u16())) }

func u16list(b []byte) []uint16 {
	out := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		out = append(out, binary.BigEndian.Uint16(b[i:]))
	}
	return out
}

// ParseHandshake reads a bare ClientHello handshake message (type 1,
// header included), as carried in QUIC CRYPTO frames.
func ParseHandshake(m []byte) (*fingerprints.ClientHello, error) {
	h := new(fingerprints.ClientHello)
	if err := readHandshake(h, m); err != nil {
		return nil, err
	}
	return h, nil
}

// readHandshake is ParseHandshake reading into h, which must be zero;
// on an error h is partly filled.
func readHandshake(h *fingerprints.ClientHello, m []byte) error {
	if len(m) < 4 || m[0] != 1 {
		return ErrNotTLS
	}
	return parseHelloBody(h, m[4:], false)
}

// parseHelloBody reads a ClientHello body into h, which must be zero;
// DTLS hellos carry a cookie after the session id.
func parseHelloBody(h *fingerprints.ClientHello, body []byte, dtls bool) error {
	r := &reader{b: body}
	h.DTLS = dtls
	h.Version = r.u16()
	r.bytes(32) // random
	r.vec8()    // session id
	if dtls {
		r.vec8() // cookie
	}
	ciphers := r.vec16()
	r.vec8() // compression methods
	if r.err {
		return fmt.Errorf("tlsx: truncated ClientHello")
	}
	if len(r.b) == 0 {
		h.CipherSuites = u16list(ciphers)
		return nil // SSLv3-style hello without extensions
	}
	exts := &reader{b: r.vec16()}
	if r.err {
		return fmt.Errorf("tlsx: truncated extensions")
	}
	// The cipher suites, the extension types and the lists of the
	// extensions read as lists of uint16 share one array: one allocation
	// instead of one for each and the extension list's growing. Each is
	// a slice of it with its own capacity, so that appending to one
	// cannot write over another.
	nc := len(ciphers) / 2
	ne, nl := countExtensions(exts.b)
	list := make([]uint16, nc, nc+ne+nl)
	for i := range list {
		list[i] = binary.BigEndian.Uint16(ciphers[2*i:])
	}
	h.CipherSuites = list[:nc:nc]
	if ne > 0 {
		h.Extensions = list[nc : nc : nc+ne]
	}
	lists := list[nc+ne : nc+ne+nl] // what the lists take from
	fromLists := func(b []byte) []uint16 {
		n := len(b) / 2
		l := lists[:n:n]
		lists = lists[n:]
		for i := range l {
			l[i] = binary.BigEndian.Uint16(b[2*i:])
		}
		return l
	}
	for len(exts.b) >= 4 {
		typ := exts.u16()
		data := exts.vec16()
		if exts.err {
			return fmt.Errorf("tlsx: truncated extension %d", typ)
		}
		h.Extensions = append(h.Extensions, typ)
		e := &reader{b: data}
		switch typ {
		case 0: // server_name
			list := &reader{b: e.vec16()}
			for len(list.b) > 0 && !list.err {
				kind := list.u8()
				name := list.vec16()
				if kind == 0 && h.SNI == "" && !list.err {
					h.SNI = string(name)
				}
			}
		case 16: // ALPN
			list := &reader{b: e.vec16()}
			for len(list.b) > 0 && !list.err {
				p := list.vec8()
				if !list.err {
					h.ALPN = append(h.ALPN, string(p))
				}
			}
		case 43: // supported_versions
			h.SupportedVersions = fromLists(e.vec8())
		case 13: // signature_algorithms
			h.SignatureAlgs = fromLists(e.vec16())
		case 10: // supported_groups
			h.Curves = fromLists(e.vec16())
		case 11: // ec_point_formats
			h.PointFormats = append([]uint8(nil), e.vec8()...)
		case 57, 0xffa5: // quic_transport_parameters (RFC 9000 18; 0xffa5 in drafts)
			h.UserAgent = quicUserAgent(data)
		}
	}
	return nil
}

// countExtensions counts the extensions parseHelloBody's loop reads
// from b (a truncated last one included), and bounds the uint16s the
// lists it reads from them hold: half the data of each extension read
// as one.
func countExtensions(b []byte) (n, lists int) {
	for len(b) >= 4 {
		n++
		l := int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+l {
			break
		}
		switch binary.BigEndian.Uint16(b) {
		case 43, 13, 10: // supported_versions, signature_algorithms, supported_groups
			lists += l / 2
		}
		b = b[4+l:]
	}
	return n, lists
}

// ServerHello is what tattle reads from a ServerHello.
type ServerHello struct {
	Version uint16 // negotiated: supported_versions when present
	Cipher  uint16
}

// ParseServerHello reads a ServerHello from the start of a record stream.
func ParseServerHello(b []byte) (*ServerHello, []byte, error) {
	s, m, err := parseServerHello(b, nil)
	if err != nil {
		return nil, nil, err
	}
	return &s, m, nil
}

// parseServerHello is ParseServerHello building a message spread over
// records in sc (see handshakeFromRecords).
func parseServerHello(b []byte, sc *scratch) (ServerHello, []byte, error) {
	m, _, err := handshakeFromRecords(b, 2, sc)
	if err != nil {
		return ServerHello{}, nil, err
	}
	r := &reader{b: m[4:]}
	s := ServerHello{Version: r.u16()}
	r.bytes(32)
	r.vec8()
	s.Cipher = r.u16()
	r.u8()
	if r.err {
		return ServerHello{}, nil, fmt.Errorf("tlsx: truncated ServerHello")
	}
	exts := &reader{b: r.vec16()}
	for len(exts.b) >= 4 {
		typ := exts.u16()
		data := exts.vec16()
		if typ == 43 && len(data) == 2 {
			s.Version = binary.BigEndian.Uint16(data)
		}
	}
	return s, m, nil
}

// quicUserAgent finds the google_user_agent transport parameter (id
// 0x3129) in a QUIC transport parameters block: (varint id, varint
// length, value) triples.
func quicUserAgent(b []byte) string {
	for len(b) > 0 {
		id, n := varint.Read(b)
		if n == 0 {
			return ""
		}
		l, m := varint.Read(b[n:])
		if m == 0 || uint64(len(b)-n-m) < l {
			return ""
		}
		v := b[n+m : n+m+int(l)]
		if id == 0x3129 {
			return string(v)
		}
		b = b[n+m+int(l):]
	}
	return ""
}
