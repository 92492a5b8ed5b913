package fingerprints

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// IsGREASE reports whether v is a GREASE value (RFC 8701): 0x?a?a with
// both bytes equal.
func IsGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// JA3 returns the JA3 fingerprint of a ClientHello (Salesforce's
// definition) as the MD5 hash and the raw string it hashes:
//
//	SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
//
// Values are decimal, lists joined by '-', GREASE values removed from every
// list. The version is the handshake's legacy_version, not
// supported_versions (a TLS 1.3 hello reads 771).
func JA3(h *ClientHello) (hash, raw string) {
	var stack [512]byte // enough for most hellos (30 five-digit suites and 20 extensions): one allocation for each string
	b := strconv.AppendUint(stack[:0], uint64(h.Version), 10)
	b = append(b, ',')
	b = appendDec(b, h.CipherSuites)
	b = append(b, ',')
	b = appendDec(b, h.Extensions)
	b = append(b, ',')
	b = appendDec(b, h.Curves)
	b = append(b, ',')
	for i, p := range h.PointFormats {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(p), 10)
	}
	sum := md5.Sum(b)
	var hx [2 * md5.Size]byte
	hex.Encode(hx[:], sum[:])
	return string(hx[:]), string(b)
}

// appendDec appends the non-GREASE values in decimal, joined by '-'.
func appendDec(b []byte, vs []uint16) []byte {
	first := true
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if !first {
			b = append(b, '-')
		}
		first = false
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}
