package fingerprints

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// JA4 fingerprints, after FoxIO's specification and reference
// implementations (JA4 TLS client only: BSD-3-Clause licensed; the rest of
// JA4+ is not implemented here). A fingerprint has three parts joined by
// '_':
//
//	a: protocol ('t' TCP, 'q' QUIC, 'd' DTLS), version, 'd' when the SNI
//	   extension is present ('i' otherwise), cipher and extension counts
//	   (GREASE removed, capped at 99), first and last character of the
//	   first ALPN value
//	b: the cipher suites as 4-digit hex, comma-joined
//	c: the extensions as 4-digit hex, comma-joined, then '_' and the
//	   signature algorithms in the order sent (no '_' when there are none)
//
// The sorted forms (JA4, JA4_r) sort b and c's extensions and drop SNI
// (0000) and ALPN (0010) from c; the original-order forms (JA4_o, JA4_ro)
// keep both lists as sent, SNI and ALPN included. The hashed forms replace
// b and c by the first 12 hex digits of their SHA-256, or "000000000000"
// when the list is empty (for c: has no extension but SNI and ALPN).

const emptyHash = "000000000000"

// JA4 returns the JA4 fingerprint of a ClientHello and its raw form JA4_r
// (sorted lists, unhashed).
func JA4(h *ClientHello) (ja4, ja4r string) {
	return ja4Forms(h, true)
}

// JA4O returns the original-order forms: JA4_o (hashed) and JA4_ro (raw).
func JA4O(h *ClientHello) (ja4o, ja4ro string) {
	return ja4Forms(h, false)
}

func ja4Forms(h *ClientHello, sorted bool) (hashed, raw string) {
	// The lists are kept as numbers (on the stack for a usual hello)
	// and written once: 4-digit lower-case hex sorts as the numbers do.
	var cbuf, ebuf [64]uint16
	ciphers := appendKept(cbuf[:0], h.CipherSuites, false)
	exts := appendKept(ebuf[:0], h.Extensions, false)
	a := ja4A(h, len(ciphers), len(exts))
	nHashable := len(exts)
	for _, v := range exts {
		if v == 0x0000 || v == 0x0010 {
			nHashable--
		}
	}
	if sorted {
		exts = appendKept(exts[:0], exts, true)
		slices.Sort(ciphers)
		slices.Sort(exts)
	}
	nSigs := 0
	for _, v := range h.SignatureAlgs {
		if !IsGREASE(v) {
			nSigs++
		}
	}
	var stack [512]byte
	buf := append(append(stack[:0], a[:]...), '_')
	startB := len(buf)
	buf = appendHexList(buf, ciphers)
	endB := len(buf)
	buf = append(buf, '_')
	startC := len(buf)
	buf = appendHexList(buf, exts)
	if nSigs > 0 {
		var sbuf [32]uint16
		buf = append(buf, '_')
		buf = appendHexList(buf, appendKept(sbuf[:0], h.SignatureAlgs, false))
	}
	raw = string(buf)

	// Part c is "empty" when no extension but SNI and ALPN was sent, in
	// the original-order form too, though that form lists them: FoxIO's
	// Python vectors hold JA4_o "..._000000000000" beside a JA4_ro that
	// ends "_0000".
	var out [len(a) + 2 + 2*12]byte
	n := copy(out[:], a[:])
	out[n] = '_'
	hashTo(out[n+1:n+13], buf[startB:endB], len(ciphers) > 0)
	out[n+13] = '_'
	hashTo(out[n+14:], buf[startC:], nHashable > 0)
	return string(out[:]), raw
}

// ja4A builds part a from the counts of non-GREASE ciphers and extensions.
func ja4A(h *ClientHello, nCiphers, nExts int) [10]byte {
	proto := byte('t')
	switch {
	case h.QUIC:
		proto = 'q'
	case h.DTLS:
		proto = 'd'
	}
	sni := byte('i')
	if slices.Contains(h.Extensions, 0x0000) {
		sni = 'd'
	}
	v := ja4Version(h)
	alpn := ja4ALPN(h.ALPN)
	return [10]byte{proto, v[0], v[1], sni,
		count(nCiphers)[0], count(nCiphers)[1], count(nExts)[0], count(nExts)[1], alpn[0], alpn[1]}
}

// hashTo writes into dst (12 bytes) the first 12 hex digits of s's
// SHA-256, or "000000000000" when !nonEmpty.
func hashTo(dst, s []byte, nonEmpty bool) {
	if !nonEmpty {
		copy(dst, emptyHash)
		return
	}
	sum := sha256.Sum256(s)
	hex.Encode(dst, sum[:6])
}

func hash12(s string) string {
	var out [12]byte
	hashTo(out[:], []byte(s), true)
	return string(out[:])
}

// appendKept appends to dst the non-GREASE values of vs; with
// dropSNIALPN it also leaves out extensions 0x0000 and 0x0010. dst may
// be vs[:0].
func appendKept(dst, vs []uint16, dropSNIALPN bool) []uint16 {
	for _, v := range vs {
		if IsGREASE(v) || (dropSNIALPN && (v == 0x0000 || v == 0x0010)) {
			continue
		}
		dst = append(dst, v)
	}
	return dst
}

// appendHexList appends the values as 4-digit lower-case hex, joined by
// commas.
func appendHexList(b []byte, vs []uint16) []byte {
	const digits = "0123456789abcdef"
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15])
	}
	return b
}

func count(n int) [2]byte {
	n = min(n, 99)
	return [2]byte{byte('0' + n/10), byte('0' + n%10)}
}

// ja4Version is the highest non-GREASE supported_versions entry when the
// extension is present, else the handshake's legacy_version. DTLS
// versions count down (0xfefc is DTLS 1.3, 0xfefd 1.2), so for DTLS the
// highest version is the lowest value.
func ja4Version(h *ClientHello) string {
	v := h.Version
	best := uint16(0)
	for _, s := range h.SupportedVersions {
		if IsGREASE(s) {
			continue
		}
		if best == 0 || (!h.DTLS && s > best) || (h.DTLS && s < best) {
			best = s
		}
	}
	if best != 0 {
		v = best
	}
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// ja4ALPN returns the first and last characters of the first ALPN value
// ("00" when there is none or it is empty; a one-byte value gives its
// character twice).
//
// A byte that is not an ASCII letter or digit becomes '9': FoxIO's Python
// and Rust implementations, and their test vector for the non-ASCII ALPN
// 0xba 0xad ("t13d151699_..."), do this. FoxIO's prose describes a hex
// rule instead ("bd" for that value); the vectors are what other tools
// match, so tattle follows them. Either way no separator or control byte
// from the wire can reach the fingerprint.
func ja4ALPN(alpn []string) [2]byte {
	if len(alpn) == 0 || alpn[0] == "" {
		return [2]byte{'0', '0'}
	}
	a := alpn[0]
	out := [2]byte{a[0], a[len(a)-1]}
	for i, c := range out {
		if !isAlnum(c) {
			out[i] = '9'
		}
	}
	return out
}
