package inspect

import (
	"bytes"
	"encoding/binary"
)

// Matcher finds every Form in a payload in one pass. Patterns of eight
// bytes or more (long) are indexed by their first eight bytes, shorter
// ones by their first four, lower-cased.
//
// Long patterns are looked for a block of stride positions at a time: a
// bit filter (g4) holds the hash of each four bytes at offsets 0 to
// stride-1 of every long pattern, so an occurrence that starts in a block
// puts four bytes of its own at the block's last position, and a block
// whose four bytes there are not in the filter holds no occurrence. Most
// blocks fail that test, a multiplication and a bit test in a 64 KiB
// table, so a payload costs a quarter of a test per byte; the positions
// of a block that passes are tested against a larger filter of first
// eight bytes (f8) before any map look-up, and candidates are then
// compared in full.
//
// Short patterns are rare (a host name): their positions are found by
// scanning for their first bytes.
//
// Case-insensitive patterns are matched against a lower-cased copy of the
// payload made in a reused buffer; the filters hold lower-cased bytes
// (of case-sensitive patterns too), as they are tested on that copy.
type Matcher struct {
	g4    [1 << filterG4Bits / 64]uint64
	f8    [1 << filter8Bits / 64]uint64
	f4    [1 << filter4Bits / 64]uint64 // first four bytes of short patterns
	long  map[uint64]*bucket            // by the lower-cased first eight bytes
	short map[uint32]*bucket            // by the lower-cased first four bytes
	// shortFirst lists the distinct first bytes of short patterns,
	// lower-cased; isShortFirst marks them.
	shortFirst   []byte
	isShortFirst [256]bool
	n            int
	// maxLen is the length of the longest pattern.
	maxLen int
	// lower caches the lower-cased payload; lowSrc and lowLen identify
	// the payload it was computed from.
	lower  []byte
	lowSrc *byte
	lowLen int
	// hits and shortHits hold, in FindEnding, the occurrences found
	// while the short patterns' ones are merged in (scratch, reused).
	hits, shortHits []hit
}

type hit struct {
	f   *Form
	off int
}

// bucket holds the forms indexed under one key, case-insensitive ones
// (compared with the lower-cased payload) and case-sensitive ones
// (compared with the payload as sent), each in the order they were added.
type bucket struct{ ci, cs []*Form }

// stride is the number of positions a test of g4 covers: the four bytes
// at offset stride-1 of a block must lie in a long pattern's first eight.
const stride = 4

// Filter sizes: g4's 2^19 bits (64 KiB) turn away some 90 % of the
// blocks of the benchmark captures' payloads with the forms of their 270
// devices (83 % with 800 devices); f8's 2^20 bits (128 KiB) keep the
// false-positive rate near 3 % with the forms of 512 devices (some 30 000
// long patterns); short patterns are few.
const (
	filterG4Bits = 19
	filter8Bits  = 20
	filter4Bits  = 16
)

func hash8(k uint64) uint64  { return (k * 0x9E3779B97F4A7C15) >> (64 - filter8Bits) }
func hash4(k uint32) uint32  { return (k * 0x9E3779B1) >> (32 - filter4Bits) }
func hashG4(k uint32) uint32 { return (k * 0x85EBCA6B) >> (32 - filterG4Bits) }

// NewMatcher indexes forms. Patterns shorter than four bytes are ignored.
func NewMatcher(forms []Form) *Matcher {
	m := &Matcher{long: map[uint64]*bucket{}, short: map[uint32]*bucket{}}
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
	var l8 [8]byte
	low := lowerInto(l8[:0], f.Pattern[:min(8, len(f.Pattern))])
	var b *bucket
	if len(f.Pattern) >= 8 {
		for j := 0; j < stride; j++ {
			h := hashG4(binary.LittleEndian.Uint32(low[j:]))
			m.g4[h/64] |= 1 << (h % 64)
		}
		k8 := binary.LittleEndian.Uint64(low)
		h := hash8(k8)
		m.f8[h/64] |= 1 << (h % 64)
		if b = m.long[k8]; b == nil {
			b = &bucket{}
			m.long[k8] = b
		}
	} else {
		k4 := binary.LittleEndian.Uint32(low)
		h := hash4(k4)
		m.f4[h/64] |= 1 << (h % 64)
		if b = m.short[k4]; b == nil {
			b = &bucket{}
			m.short[k4] = b
		}
		if c := low[0]; !m.isShortFirst[c] {
			m.isShortFirst[c] = true
			m.shortFirst = append(m.shortFirst, c)
		}
	}
	if f.CaseSensitive {
		b.cs = append(b.cs, f)
	} else {
		b.ci = append(b.ci, f)
	}
}

// Len is the number of keys indexed (for tests and stats).
func (m *Matcher) Len() int { return len(m.long) + len(m.short) }

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
// are tried. Occurrences are reported by offset, and at one offset long
// patterns before short ones, each in the order a bucket holds them.
func (m *Matcher) FindEnding(p []byte, from int, fn func(f *Form, off int)) {
	if len(p) < 4 || m.n == 0 {
		return
	}
	m.lowSrc = nil // the buffer may hold new bytes at the same address
	low := m.Lowered(p)
	lo := max(0, from-m.maxLen+1)
	m.shortHits = m.shortHits[:0]
	if len(m.short) > 0 {
		m.findShort(p, low, lo, from)
	}
	if len(m.shortHits) == 0 {
		m.findLong(p, low, lo, from, fn)
		return
	}
	// Merge the short patterns' occurrences into the long ones'.
	m.hits = m.hits[:0]
	m.findLong(p, low, lo, from, func(f *Form, off int) { m.hits = append(m.hits, hit{f, off}) })
	long, short := m.hits, m.shortHits
	for len(long) > 0 || len(short) > 0 {
		if len(short) == 0 || len(long) > 0 && long[0].off <= short[0].off {
			fn(long[0].f, long[0].off)
			long = long[1:]
		} else {
			fn(short[0].f, short[0].off)
			short = short[1:]
		}
	}
	clear(m.hits)
	clear(m.shortHits)
}

// findLong reports the occurrences of long patterns at offsets lo and
// above, in order.
func (m *Matcher) findLong(p, low []byte, lo, from int, fn func(f *Form, off int)) {
	if len(m.long) == 0 {
		return
	}
	// The block of t holds the offsets t-stride+1 to t. A long
	// occurrence at i ends at or before len(p), so t < len(p)-8+stride
	// and t+4 <= len(p).
	for t := lo + stride - 1; t+4 <= len(p); t += stride {
		if h := hashG4(binary.LittleEndian.Uint32(low[t:])); m.g4[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for i := t - stride + 1; i <= t && i+8 <= len(p); i++ {
			lk := binary.LittleEndian.Uint64(low[i:])
			if h := hash8(lk); m.f8[h/64]&(1<<(h%64)) != 0 {
				if b := m.long[lk]; b != nil {
					candidates(b, p, low, i, from, fn)
				}
			}
		}
	}
}

// findShort adds the occurrences of short patterns at offsets lo and
// above to m.shortHits, in order.
func (m *Matcher) findShort(p, low []byte, lo, from int) {
	add := func(f *Form, off int) { m.shortHits = append(m.shortHits, hit{f, off}) }
	try := func(i int) {
		k4 := binary.LittleEndian.Uint32(low[i:])
		if h := hash4(k4); m.f4[h/64]&(1<<(h%64)) != 0 {
			if b := m.short[k4]; b != nil {
				candidates(b, p, low, i, from, add)
			}
		}
	}
	end := len(p) - 3 // offsets that leave room for four bytes
	if len(m.shortFirst) == 1 {
		c := m.shortFirst[0]
		for i := lo; i < end; i++ {
			j := bytes.IndexByte(low[i:end], c)
			if j < 0 {
				return
			}
			i += j
			try(i)
		}
		return
	}
	for i := lo; i < end; i++ {
		if m.isShortFirst[low[i]] {
			try(i)
		}
	}
}

// candidates compares the forms of a bucket with the payload at offset i:
// case-insensitive ones with the lower-cased payload, where they must
// not sit inside a longer hex run, then case-sensitive ones with p. A
// match must end past from.
func candidates(b *bucket, p, low []byte, i, from int, fn func(f *Form, off int)) {
	for _, f := range b.ci {
		if i+len(f.Pattern) > from && bytes.HasPrefix(low[i:], f.Pattern) && boundary(low, i, len(f.Pattern)) {
			fn(f, i)
		}
	}
	for _, f := range b.cs {
		if i+len(f.Pattern) > from && bytes.HasPrefix(p[i:], f.Pattern) {
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
