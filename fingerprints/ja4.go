package fingerprints

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
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
	ciphers := hexList(h.CipherSuites, false)
	exts := hexList(h.Extensions, false)
	a := ja4A(h, len(ciphers), len(exts))
	hashable := hexList(h.Extensions, true)
	if sorted {
		exts = hashable
		slices.Sort(ciphers)
		slices.Sort(exts)
	}
	b := strings.Join(ciphers, ",")
	c := strings.Join(exts, ",")
	if sigs := hexList(h.SignatureAlgs, false); len(sigs) > 0 {
		c += "_" + strings.Join(sigs, ",")
	}
	hb, hc := emptyHash, emptyHash
	if len(ciphers) > 0 {
		hb = hash12(b)
	}
	// Part c is "empty" when no extension but SNI and ALPN was sent, in
	// the original-order form too, though that form lists them: FoxIO's
	// Python vectors hold JA4_o "..._000000000000" beside a JA4_ro that
	// ends "_0000".
	if len(hashable) > 0 {
		hc = hash12(c)
	}
	return a + "_" + hb + "_" + hc, a + "_" + b + "_" + c
}

// ja4A builds part a from the counts of non-GREASE ciphers and extensions.
func ja4A(h *ClientHello, nCiphers, nExts int) string {
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
	return string([]byte{proto, v[0], v[1], sni,
		count(nCiphers)[0], count(nCiphers)[1], count(nExts)[0], count(nExts)[1], alpn[0], alpn[1]})
}

func hash12(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// hexList renders the non-GREASE values as 4-digit lower-case hex; with
// dropSNIALPN it also leaves out extensions 0x0000 and 0x0010.
func hexList(vs []uint16, dropSNIALPN bool) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if IsGREASE(v) || (dropSNIALPN && (v == 0x0000 || v == 0x0010)) {
			continue
		}
		out = append(out, hex4(v))
	}
	return out
}

func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
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
