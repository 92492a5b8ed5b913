package quic

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/hkdf"

	"github.com/tattle-audit/tattle/capture/internal/varint"
)

// QUIC versions whose Initial packets can be decrypted.
const (
	Version1       uint32 = 0x00000001
	Version2       uint32 = 0x6b3343cf
	VersionDraft29 uint32 = 0xff00001d
)

var (
	// ErrNotInitial means the bytes do not start with a QUIC Initial
	// packet of a version this package reads.
	ErrNotInitial = errors.New("quic: not an Initial packet")
	// ErrUnsupportedVersion means no Initial salt is known for the version.
	ErrUnsupportedVersion = errors.New("quic: unsupported version")
	// ErrDecrypt means the packet did not authenticate under the keys
	// derived from the connection ID: damaged, or keyed from another DCID.
	ErrDecrypt = errors.New("quic: Initial packet does not decrypt")
)

// versionParams are the per-version constants of Initial protection:
// the salt (RFC 9001 5.2, RFC 9369 3.3.1, draft-ietf-quic-tls-29 5.2), the
// HKDF label prefix and the long-header type bits that mean Initial.
type versionParams struct {
	salt        []byte
	labelPrefix string
	initialType byte
}

func params(version uint32) (versionParams, bool) {
	switch version {
	case Version1:
		return versionParams{salt: []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}, labelPrefix: "quic ", initialType: 0}, true
	case Version2:
		return versionParams{salt: []byte{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}, labelPrefix: "quicv2 ", initialType: 1}, true
	case VersionDraft29:
		return versionParams{salt: []byte{0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99}, labelPrefix: "quic ", initialType: 0}, true
	}
	return versionParams{}, false
}

// Keys are the AEAD key, IV and header protection key of one direction
// of Initial packets (AEAD_AES_128_GCM).
type Keys struct {
	Key, IV, HP []byte
}

// InitialKeys derives the Initial keys of the client (server false) or
// the server from the Destination Connection ID of the client's first
// Initial packet.
func InitialKeys(version uint32, dcid []byte, server bool) (Keys, error) {
	p, ok := params(version)
	if !ok {
		return Keys{}, fmt.Errorf("%w: %#08x", ErrUnsupportedVersion, version)
	}
	initial := hkdf.Extract(sha256.New, dcid, p.salt)
	label := "client in"
	if server {
		label = "server in"
	}
	secret := expandLabel(initial, label, 32)
	return Keys{
		Key: expandLabel(secret, p.labelPrefix+"key", 16),
		IV:  expandLabel(secret, p.labelPrefix+"iv", 12),
		HP:  expandLabel(secret, p.labelPrefix+"hp", 16),
	}, nil
}

// expandLabel is TLS 1.3's HKDF-Expand-Label (RFC 8446 7.1) with an
// empty context.
func expandLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	out := make([]byte, n)
	// HKDF-Expand fails only when asked for more than 255 hash lengths.
	_, _ = hkdf.Expand(sha256.New, secret, info).Read(out)
	return out
}

// Packet is one decrypted Initial packet. Its slices are copies: they
// stay valid after the input is reused.
type Packet struct {
	Version uint32
	DCID    []byte
	SCID    []byte
	Number  uint64 // the truncated packet number as sent
	Payload []byte // the plaintext frames
}

// header is the parsed, still protected long header of an Initial packet.
type header struct {
	version   uint32
	dcid      []byte
	scid      []byte
	pnOffset  int // offset of the protected packet number
	end       int // offset just past the packet (Length field)
	firstByte byte
}

// parseHeader reads the long header of the Initial packet at the start of
// b (RFC 9000 17.2.2), without removing protection.
func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < 7 || b[0]&0x80 == 0 {
		return h, ErrNotInitial
	}
	h.firstByte = b[0]
	h.version = binary.BigEndian.Uint32(b[1:])
	p, ok := params(h.version)
	if !ok || (b[0]>>4)&3 != p.initialType {
		return h, ErrNotInitial
	}
	pos := 5
	dl := int(b[pos])
	pos++
	if dl > 20 || pos+dl >= len(b) {
		return h, fmt.Errorf("%w: bad destination connection id length %d", ErrNotInitial, dl)
	}
	h.dcid = b[pos : pos+dl]
	pos += dl
	sl := int(b[pos])
	pos++
	if sl > 20 || pos+sl >= len(b) {
		return h, fmt.Errorf("%w: bad source connection id length %d", ErrNotInitial, sl)
	}
	h.scid = b[pos : pos+sl]
	pos += sl
	tok, n := varint.Read(b[pos:])
	if n == 0 || tok > uint64(len(b)-pos-n) {
		return h, fmt.Errorf("%w: bad token length", ErrNotInitial)
	}
	pos += n + int(tok)
	length, n := varint.Read(b[pos:])
	if n == 0 {
		return h, fmt.Errorf("%w: no length", ErrNotInitial)
	}
	pos += n
	// Header protection samples 16 bytes starting 4 bytes after the
	// packet number's offset, so a packet is at least 20 bytes long.
	if length < 20 || length > uint64(len(b)-pos) {
		return h, fmt.Errorf("%w: bad length %d", ErrNotInitial, length)
	}
	h.pnOffset = pos
	h.end = pos + int(length)
	return h, nil
}

// DecryptInitial removes the protection of the client Initial packet at
// the start of b and returns it with the bytes of the datagram that
// follow it (coalesced packets). keyDCID is the connection ID the keys
// derive from: the DCID of the client's first Initial (later Initials
// carry the server's chosen ID but keep the first keys); nil means this
// packet's own DCID.
func DecryptInitial(b, keyDCID []byte) (*Packet, []byte, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, nil, err
	}
	if keyDCID == nil {
		keyDCID = h.dcid
	}
	keys, err := InitialKeys(h.version, keyDCID, false)
	if err != nil {
		return nil, nil, err
	}
	return open(b, h, keys)
}

func open(b []byte, h header, keys Keys) (*Packet, []byte, error) {
	hp, err := aes.NewCipher(keys.HP)
	if err != nil {
		return nil, nil, fmt.Errorf("quic: header protection key: %w", err)
	}
	var mask [16]byte
	hp.Encrypt(mask[:], b[h.pnOffset+4:h.pnOffset+20])
	first := h.firstByte ^ mask[0]&0x0f
	pnLen := int(first&3) + 1
	// The AEAD's associated data is the unprotected header.
	ad := make([]byte, h.pnOffset+pnLen)
	copy(ad, b[:h.pnOffset+pnLen])
	ad[0] = first
	var pn uint64
	for i := range pnLen {
		ad[h.pnOffset+i] ^= mask[1+i]
		pn = pn<<8 | uint64(ad[h.pnOffset+i])
	}
	block, err := aes.NewCipher(keys.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("quic: packet key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, fmt.Errorf("quic: packet key: %w", err)
	}
	var nonce [12]byte
	copy(nonce[:], keys.IV)
	for i := range 8 {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	plain, err := aead.Open(nil, nonce[:], b[h.pnOffset+pnLen:h.end], ad)
	if err != nil {
		return nil, nil, ErrDecrypt
	}
	return &Packet{
		Version: h.version,
		DCID:    append([]byte(nil), h.dcid...),
		SCID:    append([]byte(nil), h.scid...),
		Number:  pn,
		Payload: plain,
	}, b[h.end:], nil
}
