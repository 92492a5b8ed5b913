package fingerprints

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
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
	var b strings.Builder
	b.Grow(16 + 6*(len(h.CipherSuites)+len(h.Extensions)+len(h.Curves)) + 4*len(h.PointFormats))
	b.WriteString(strconv.Itoa(int(h.Version)))
	b.WriteByte(',')
	joinDec(&b, h.CipherSuites)
	b.WriteByte(',')
	joinDec(&b, h.Extensions)
	b.WriteByte(',')
	joinDec(&b, h.Curves)
	b.WriteByte(',')
	for i, p := range h.PointFormats {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	raw = b.String()
	sum := md5.Sum([]byte(raw))
	return hex.EncodeToString(sum[:]), raw
}

func joinDec(b *strings.Builder, vs []uint16) {
	first := true
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if !first {
			b.WriteByte('-')
		}
		first = false
		b.WriteString(strconv.Itoa(int(v)))
	}
}
