package fingerprints

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// IsGREASE reports whether v is a GREASE value (RFC 8701): 0x?a?a with
// both bytes equal.
func IsGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// JA3 returns the JA3 fingerprint of a ClientHello (Salesforce's
// definition: version, ciphers, extensions, curves, point formats, GREASE
// removed) as the MD5 hash and the raw string it hashes.
func JA3(h *ClientHello) (hash, raw string) {
	var b strings.Builder
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

// JA4Result holds the four JA4 forms: hashed and raw, sorted and in the
// original order.
type JA4Result struct {
	JA4   string // sorted, hashed
	JA4R  string // sorted, raw
	JA4O  string // original order, hashed
	JA4RO string // original order, raw
}

// JA4 computes the JA4 TLS client fingerprint (FoxIO, BSD-3-Clause
// licensed): raw fields -> normalised parts -> truncated SHA-256 hashes,
// with the raw strings kept beside the hashes.
func JA4(h *ClientHello) JA4Result {
	proto := "t"
	switch {
	case h.QUIC:
		proto = "q"
	case h.DTLS:
		proto = "d"
	}
	ciphers := hexList(h.CipherSuites, nil)
	exts := hexList(h.Extensions, nil)
	extsNoSNIALPN := hexList(h.Extensions, func(v uint16) bool { return v == 0x0000 || v == 0x0010 })
	sigs := hexList(h.SignatureAlgs, nil)
	sni := "i"
	for _, e := range h.Extensions {
		if e == 0x0000 {
			sni = "d"
		}
	}
	prefix := proto + ja4Version(h) + sni + twoDigits(len(ciphers)) + twoDigits(len(exts)) + ja4ALPN(h.ALPN)

	sortedCiphers := append([]string(nil), ciphers...)
	sort.Strings(sortedCiphers)
	sortedExts := append([]string(nil), extsNoSNIALPN...)
	sort.Strings(sortedExts)

	extPart := func(list []string) string {
		s := strings.Join(list, ",")
		if len(sigs) > 0 {
			s += "_" + strings.Join(sigs, ",")
		}
		return s
	}
	var r JA4Result
	r.JA4R = prefix + "_" + strings.Join(sortedCiphers, ",") + "_" + extPart(sortedExts)
	r.JA4 = prefix + "_" + trunc(sortedCiphers, strings.Join(sortedCiphers, ",")) + "_" + trunc(sortedExts, extPart(sortedExts))
	r.JA4RO = prefix + "_" + strings.Join(ciphers, ",") + "_" + extPart(exts)
	r.JA4O = prefix + "_" + trunc(ciphers, strings.Join(ciphers, ",")) + "_" + trunc(exts, extPart(exts))
	return r
}

func trunc(list []string, s string) string {
	if len(list) == 0 {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

func hexList(vs []uint16, skip func(uint16) bool) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if IsGREASE(v) || (skip != nil && skip(v)) {
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

func twoDigits(n int) string {
	if n > 99 {
		n = 99
	}
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

func ja4Version(h *ClientHello) string {
	v := h.Version
	best := uint16(0)
	for _, s := range h.SupportedVersions {
		if !IsGREASE(s) && s > best {
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

func ja4ALPN(alpn []string) string {
	if len(alpn) == 0 || alpn[0] == "" {
		return "00"
	}
	a := alpn[0]
	first, last := a[0], a[len(a)-1]
	if isAlnum(first) && isAlnum(last) {
		return string([]byte{first, last})
	}
	// FoxIO's reference implementation writes "99" when the first or
	// last byte is not alphanumeric (its test data for non-ASCII ALPN).
	return "99"
}
