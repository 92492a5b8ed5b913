package fingerprints

import (
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// refJA4Forms and refJA3 are JA4 and JA3 as they were written before
// they were made to allocate less (string lists, sorted and joined):
// FuzzJA4 and TestJA4SameAsReference check that the forms did not change.
func refJA4Forms(h *ClientHello, sorted bool) (hashed, raw string) {
	ciphers := refHexList(h.CipherSuites, false)
	exts := refHexList(h.Extensions, false)
	a := ja4A(h, len(ciphers), len(exts))
	hashable := refHexList(h.Extensions, true)
	if sorted {
		exts = hashable
		slices.Sort(ciphers)
		slices.Sort(exts)
	}
	b := strings.Join(ciphers, ",")
	c := strings.Join(exts, ",")
	if sigs := refHexList(h.SignatureAlgs, false); len(sigs) > 0 {
		c += "_" + strings.Join(sigs, ",")
	}
	hb, hc := emptyHash, emptyHash
	if len(ciphers) > 0 {
		hb = hash12(b)
	}
	if len(hashable) > 0 {
		hc = hash12(c)
	}
	return string(a[:]) + "_" + hb + "_" + hc, string(a[:]) + "_" + b + "_" + c
}

func refHexList(vs []uint16, dropSNIALPN bool) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if IsGREASE(v) || (dropSNIALPN && (v == 0x0000 || v == 0x0010)) {
			continue
		}
		const digits = "0123456789abcdef"
		out = append(out, string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]}))
	}
	return out
}

func refJA3(h *ClientHello) (hash, raw string) {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(h.Version)))
	b.WriteByte(',')
	refJoinDec(&b, h.CipherSuites)
	b.WriteByte(',')
	refJoinDec(&b, h.Extensions)
	b.WriteByte(',')
	refJoinDec(&b, h.Curves)
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

func refJoinDec(b *strings.Builder, vs []uint16) {
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
