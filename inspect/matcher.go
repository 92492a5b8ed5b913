package inspect

import (
	"bytes"
	"encoding/binary"
)

// Matcher finds every Form in a payload in one pass. Patterns of eight
// bytes or more are indexed by their first eight, shorter ones by their
// first four. Before any map look-up, each payload position is tested
// against a bit filter of the hashed keys: most positions fail it, so the
// cost per payload byte stays one or two multiplications and bit tests,
// whatever the number of patterns. Candidates are then compared in full.
// Case-insensitive patterns are matched against a lower-cased copy of the
// payload made in a reused buffer.
type Matcher struct {
	// f8 and f4 have a bit set for the hash of every pattern's first
	// eight (four) bytes, lower-cased (also for case-sensitive patterns:
	// the filter is tested once per position, on the lower-cased payload).
	f8 [1 << filter8Bits / 64]uint64
	f4 [1 << filter4Bits / 64]uint64
	// first2 has a bit set for the first two bytes of every pattern,
	// lower-cased: an 8 KiB table that stays in the first-level cache
	// and turns most positions of text away before the larger filters.
	first2 [1 << 16 / 64]uint64
	ci     map[uint32][]*Form
	cs     map[uint32][]*Form
	ci8    map[uint64][]*Form
	cs8    map[uint64][]*Form
	n      int
	maxLen int // of the patterns
	// lower caches the lower-cased payload; lowSrc and lowLen identify
	// the payload it was computed from.
	lower  []byte
	lowSrc *byte
	lowLen int
}

// Filter sizes: 2^20 bits (128 KiB) keeps the false-positive rate near 3 %
// with the forms of 512 devices (some 30 000 long patterns); short
// patterns are few (host names, binary MACs).
const (
	filter8Bits = 20
	filter4Bits = 16
)

func hash8(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> (64 - filter8Bits) }
func hash4(k uint32) uint32 { return (k * 0x9E3779B1) >> (32 - filter4Bits) }

// NewMatcher indexes forms. Patterns shorter than four bytes are ignored.
func NewMatcher(forms []Form) *Matcher {
	m := &Matcher{ci: map[uint32][]*Form{}, cs: map[uint32][]*Form{}, ci8: map[uint64][]*Form{}, cs8: map[uint64][]*Form{}}
	for i := range forms {
		m.Add(&forms[i])
	}
	return m
}

// Add indexes one more form.
func (m *Matcher) Add(f *Form) {
	if len(f.Pattern) < 4 {
		return
	}
	m.n++
	m.maxLen = max(m.maxLen, len(f.Pattern))
	l2 := lowerInto(nil, f.Pattern[:2])
	b2 := uint16(l2[0])<<8 | uint16(l2[1])
	m.first2[b2/64] |= 1 << (b2 % 64)
	if len(f.Pattern) >= 8 {
		k8 := binary.LittleEndian.Uint64(f.Pattern)
		h := hash8(binary.LittleEndian.Uint64(lowerInto(nil, f.Pattern[:8])))
		m.f8[h/64] |= 1 << (h % 64)
		if f.CaseSensitive {
			m.cs8[k8] = append(m.cs8[k8], f)
		} else {
			m.ci8[k8] = append(m.ci8[k8], f)
		}
		return
	}
	k := binary.LittleEndian.Uint32(f.Pattern)
	h := hash4(binary.LittleEndian.Uint32(lowerInto(nil, f.Pattern[:4])))
	m.f4[h/64] |= 1 << (h % 64)
	if f.CaseSensitive {
		m.cs[k] = append(m.cs[k], f)
	} else {
		m.ci[k] = append(m.ci[k], f)
	}
}

// Len is the number of indexed patterns buckets (for tests and stats).
func (m *Matcher) Len() int { return len(m.ci) + len(m.cs) + len(m.ci8) + len(m.cs8) }

// Lowered returns p lower-cased (ASCII) in the matcher's reusable buffer.
// After Find(p) it is already computed; the result is valid until the next
// call of Find or Lowered.
func (m *Matcher) Lowered(p []byte) []byte {
	if len(p) == 0 {
		return nil
	}
	if m.lowSrc == &p[0] && m.lowLen == len(p) {
		return m.lower[:len(p)]
	}
	m.lower = lowerInto(m.lower, p)
	m.lowSrc, m.lowLen = &p[0], len(p)
	return m.lower
}

// lowerInto lower-cases the ASCII letters of p into dst, eight bytes at
// a time: a payload is lowered once per segment, which cost as much as
// the matching itself byte by byte.
func lowerInto(dst, p []byte) []byte {
	if cap(dst) < len(p) {
		dst = make([]byte, len(p))
	}
	dst = dst[:len(p)]
	d := dst
	for len(p) >= 8 && len(d) >= 8 {
		binary.LittleEndian.PutUint64(d, lower8(binary.LittleEndian.Uint64(p)))
		p, d = p[8:], d[8:]
	}
	for i, c := range p {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		d[i] = c
	}
	return dst
}

// lower8 lower-cases the ASCII letters among eight bytes. For each byte b
// below 0x80, b+0x3f has its high bit set when b > 'A'-1 and b+0x25 when
// b > 'Z'; the bytes with the first and not the second are 'A'..'Z'.
// Bytes of 0x80 and above are masked out before the additions (so no
// carry crosses bytes) and are never letters.
func lower8(x uint64) uint64 {
	const hi, lo7 = 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	y := x & lo7
	upper := (y + 0x3f3f3f3f3f3f3f3f) &^ (y + 0x2525252525252525) &^ x & hi
	return x | upper>>2
}

// Find calls fn for every occurrence of every form in p, with its offset.
func (m *Matcher) Find(p []byte, fn func(f *Form, off int)) { m.FindEnding(p, 0, fn) }

// FindEnding is Find for the occurrences that end after p[from:] begins:
// when p starts with bytes already searched (the end of the previous
// segment), only the positions where a match could reach the new bytes
// are tried.
func (m *Matcher) FindEnding(p []byte, from int, fn func(f *Form, off int)) {
	if len(p) < 4 || m.n == 0 {
		return
	}
	m.lowSrc = nil // the buffer may hold new bytes at the same address
	low := m.Lowered(p)
	long := len(m.ci8)+len(m.cs8) > 0
	short := len(m.ci)+len(m.cs) > 0
	for i := max(0, from-m.maxLen+1); i+4 <= len(p); i++ {
		if b2 := uint16(low[i])<<8 | uint16(low[i+1]); m.first2[b2/64]&(1<<(b2%64)) == 0 {
			continue
		}

		if long && i+8 <= len(p) {
			lk := binary.LittleEndian.Uint64(low[i:])
			if h := hash8(lk); m.f8[h/64]&(1<<(h%64)) != 0 {
				m.candidates(m.ci8[lk], low, i, from, true, fn)
				m.candidates(m.cs8[binary.LittleEndian.Uint64(p[i:])], p, i, from, false, fn)
			}
		}
		if short {
			lk := binary.LittleEndian.Uint32(low[i:])
			if h := hash4(lk); m.f4[h/64]&(1<<(h%64)) != 0 {
				m.candidates(m.ci[lk], low, i, from, true, fn)
				m.candidates(m.cs[binary.LittleEndian.Uint32(p[i:])], p, i, from, false, fn)
			}
		}
	}
}

// candidates compares the forms indexed under one key with b at offset i;
// case-insensitive ones (ci) must not sit inside a longer hex run, and a
// match must end past from.
func (m *Matcher) candidates(forms []*Form, b []byte, i, from int, ci bool, fn func(f *Form, off int)) {
	for _, f := range forms {
		if i+len(f.Pattern) > from && bytes.HasPrefix(b[i:], f.Pattern) && (!ci || boundary(b, i, len(f.Pattern))) {
			fn(f, i)
		}
	}
}

// boundary rejects matches inside a longer run of hex digits: a MAC
// without separators inside a random hex token is a coincidence.
func boundary(p []byte, off, n int) bool {
	isHex := func(c byte) bool { return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') }
	if off > 0 && isHex(p[off-1]) && isHex(p[off]) {
		return false
	}
	if end := off + n; end < len(p) && isHex(p[end]) && isHex(p[end-1]) {
		return false
	}
	return true
}
