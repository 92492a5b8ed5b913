package tlsx

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sort"

	"golang.org/x/crypto/hkdf"

	"github.com/tattle-audit/tattle/capture"
)

// QUIC versions whose Initial packets tattle can decrypt, with their
// Initial salts (RFC 9001 section 5.2, RFC 9369 section 3.3.1, and
// draft-ietf-quic-tls-29).
var quicSalts = map[uint32][]byte{
	0x00000001: {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
	0x6b3343cf: {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
	0xff00001d: {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99},
}

const quicV2 = 0x6b3343cf

// maxCrypto bounds the CRYPTO stream bytes held per flow while a
// ClientHello spread over several Initial packets is reassembled.
const maxCrypto = 64 << 10

// hkdfExpandLabel is TLS 1.3's HKDF-Expand-Label with an empty context.
func hkdfExpandLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	out := make([]byte, n)
	r := hkdf.Expand(sha256.New, secret, info)
	_, _ = r.Read(out)
	return out
}

// InitialKeys derives the client's Initial packet protection keys from
// the Destination Connection ID of its first Initial packet.
func InitialKeys(version uint32, dcid []byte) (key, iv, hp []byte, ok bool) {
	salt, ok := quicSalts[version]
	if !ok {
		return nil, nil, nil, false
	}
	initial := hkdf.Extract(sha256.New, dcid, salt)
	client := hkdfExpandLabel(initial, "client in", 32)
	prefix := "quic "
	if version == quicV2 {
		prefix = "quicv2 "
	}
	return hkdfExpandLabel(client, prefix+"key", 16), hkdfExpandLabel(client, prefix+"iv", 12), hkdfExpandLabel(client, prefix+"hp", 16), true
}

func varint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	n := 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v := uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, n
}

var errNotInitial = errors.New("tlsx: not a QUIC Initial packet")

// initialPacket holds the plaintext frames of one decrypted Initial packet.
type initialPacket struct {
	version uint32
	dcid    []byte
	frames  []byte
}

// decryptInitial removes header protection from, and decrypts, the
// client Initial packet at the start of b. keyDCID, when set, is the DCID
// the keys derive from (the first Initial's). It returns the packet and
// the bytes of the datagram that follow it (coalesced packets).
func decryptInitial(b []byte, keyDCID []byte) (*initialPacket, []byte, error) {
	if len(b) < 7 || b[0]&0x80 == 0 {
		return nil, nil, errNotInitial
	}
	version := binary.BigEndian.Uint32(b[1:])
	if _, ok := quicSalts[version]; !ok {
		return nil, nil, errNotInitial
	}
	typ := (b[0] >> 4) & 3
	if (version == quicV2 && typ != 1) || (version != quicV2 && typ != 0) {
		return nil, nil, errNotInitial
	}
	pos := 5
	dl := int(b[pos])
	pos++
	if dl > 20 || pos+dl >= len(b) {
		return nil, nil, errNotInitial
	}
	dcid := b[pos : pos+dl]
	pos += dl
	sl := int(b[pos])
	pos++
	if sl > 20 || pos+sl >= len(b) {
		return nil, nil, errNotInitial
	}
	pos += sl
	tokLen, n := varint(b[pos:])
	if n == 0 || uint64(len(b)-pos-n) < tokLen {
		return nil, nil, errNotInitial
	}
	pos += n + int(tokLen)
	length, n := varint(b[pos:])
	if n == 0 {
		return nil, nil, errNotInitial
	}
	pos += n
	pnOff := pos
	if length < 20 || uint64(len(b)-pnOff) < length {
		return nil, nil, errNotInitial
	}
	end := pnOff + int(length)
	if keyDCID == nil {
		keyDCID = dcid
	}
	key, iv, hpKey, _ := InitialKeys(version, keyDCID)
	hp, err := aes.NewCipher(hpKey)
	if err != nil {
		return nil, nil, err
	}
	var mask [16]byte
	hp.Encrypt(mask[:], b[pnOff+4:pnOff+20])
	hdr := make([]byte, pnOff+4)
	copy(hdr, b[:pnOff+4])
	hdr[0] ^= mask[0] & 0x0f
	pnLen := int(hdr[0]&3) + 1
	var pn uint64
	for i := 0; i < pnLen; i++ {
		hdr[pnOff+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[pnOff+i])
	}
	hdr = hdr[:pnOff+pnLen]
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, 12)
	copy(nonce, iv)
	for i := 0; i < 8; i++ {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	plain, err := aead.Open(nil, nonce, b[pnOff+pnLen:end], hdr)
	if err != nil {
		return nil, nil, errNotInitial
	}
	return &initialPacket{version: version, dcid: append([]byte(nil), dcid...), frames: plain}, b[end:], nil
}

type cryptoFrag struct {
	off  uint64
	data []byte
}

// cryptoFrames extracts the CRYPTO frames of a decrypted Initial payload.
func cryptoFrames(p []byte) ([]cryptoFrag, error) {
	var out []cryptoFrag
	for len(p) > 0 {
		t, n := varint(p)
		if n == 0 {
			return out, errors.New("tlsx: bad frame type")
		}
		p = p[n:]
		switch t {
		case 0x00, 0x01: // PADDING, PING
		case 0x02, 0x03: // ACK: largest, delay, range count, first range, ranges (, ECN)
			var vals [4]uint64
			for i := range vals {
				v, n := varint(p)
				if n == 0 {
					return out, errors.New("tlsx: bad ACK frame")
				}
				vals[i] = v
				p = p[n:]
			}
			extra := vals[2] * 2
			if t == 0x03 {
				extra += 3
			}
			for i := uint64(0); i < extra; i++ {
				_, n := varint(p)
				if n == 0 {
					return out, errors.New("tlsx: bad ACK frame")
				}
				p = p[n:]
			}
		case 0x06: // CRYPTO
			off, n1 := varint(p)
			if n1 == 0 {
				return out, errors.New("tlsx: bad CRYPTO frame")
			}
			l, n2 := varint(p[n1:])
			if n2 == 0 || uint64(len(p)-n1-n2) < l {
				return out, errors.New("tlsx: bad CRYPTO frame")
			}
			out = append(out, cryptoFrag{off: off, data: p[n1+n2 : n1+n2+int(l)]})
			p = p[n1+n2+int(l):]
		case 0x1c, 0x1d: // CONNECTION_CLOSE
			return out, nil
		default:
			return out, nil // frames not allowed in Initial: stop reading
		}
	}
	return out, nil
}

// QUIC dissects QUIC Initial packets on any UDP port and reports the
// ClientHello they carry.
type QUIC struct{}

// NewQUIC returns the QUIC Initial dissector.
func NewQUIC() capture.Dissector { return QUIC{} }

func (QUIC) Name() string { return "quic" }

type quicState struct {
	dcid  []byte
	frags []cryptoFrag
	size  int
	tries int
}

func (QUIC) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Transport != capture.UDP || len(p.Payload) < 1200 && p.Flow.App != "quic" && !isLongHeader(p.Payload) {
		// Client Initials are padded to 1200 bytes; anything else on a
		// flow not yet recognised is not the start of QUIC.
		p.Done()
		return
	}
	if p.Dir != capture.ToServer {
		return
	}
	st := p.State()
	s, _ := (*st).(*quicState)
	if s == nil {
		s = &quicState{}
		*st = s
	}
	s.tries++
	b := p.Payload
	for len(b) > 0 {
		pkt, rest, err := decryptInitial(b, s.dcid)
		if err != nil {
			break
		}
		if s.dcid == nil {
			s.dcid = pkt.dcid
		}
		p.Flow.App = "quic"
		frags, _ := cryptoFrames(pkt.frames)
		for _, f := range frags {
			if s.size+len(f.data) > maxCrypto {
				p.Flow.Note("quic: crypto stream too long")
				p.Done()
				return
			}
			s.frags = append(s.frags, cryptoFrag{off: f.off, data: append([]byte(nil), f.data...)})
			s.size += len(f.data)
		}
		b = rest
	}
	if len(s.frags) > 0 {
		if m, ok := assemble(s.frags); ok {
			h, err := ParseHandshake(m)
			if err != nil {
				p.Flow.Note("quic: " + err.Error())
			} else {
				h.QUIC = true
				emit(helloEvent(p, h))
				if h.SNI != "" {
					p.Flow.ServerName = h.SNI
				}
			}
			*st = nil
			p.Done()
			return
		}
	}
	if s.tries > 8 {
		p.Done()
	}
}

func isLongHeader(b []byte) bool { return len(b) > 6 && b[0]&0xc0 == 0xc0 }

// assemble returns the first whole handshake message of the CRYPTO
// stream, if the fragments received so far hold it contiguously.
func assemble(frags []cryptoFrag) ([]byte, bool) {
	sort.Slice(frags, func(i, j int) bool { return frags[i].off < frags[j].off })
	var buf []byte
	for _, f := range frags {
		if f.off > uint64(len(buf)) {
			break
		}
		if end := f.off + uint64(len(f.data)); end > uint64(len(buf)) {
			buf = append(buf, f.data[uint64(len(buf))-f.off:]...)
		}
	}
	m, ok := wholeMessage(buf)
	return m, ok
}
