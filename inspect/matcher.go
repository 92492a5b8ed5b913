package inspect

import (
	"bytes"
	"encoding/binary"
)

// Matcher finds every Form in a payload in one pass. Patterns are indexed
// by their first four bytes, so the cost per payload byte is one map
// look-up whatever the number of patterns; candidates are then compared in
// full. Case-insensitive patterns are matched against a lower-cased copy of
// the payload made in a reused buffer.
type Matcher struct {
	// first2 has bit (b0<<8|b1) set for the first two bytes of every
	// pattern (lower-cased for case-insensitive ones): most positions are
	// rejected by one bit test before any map look-up.
	first2 [1 << 16 / 64]uint64
	ci     map[uint32][]*Form
	cs     map[uint32][]*Form
	// Patterns of 8 bytes or more are indexed by their first 8: many
	// share their first 4 (the MAC forms of one vendor's devices).
	ci8   map[uint64][]*Form
	cs8   map[uint64][]*Form
	lower []byte
	// lowSrc and lowLen identify the payload lower was computed from.
	lowSrc *byte
	lowLen int
}

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
	k := binary.LittleEndian.Uint32(f.Pattern)
	b2 := uint16(f.Pattern[0])<<8 | uint16(f.Pattern[1])
	m.first2[b2/64] |= 1 << (b2 % 64)
	if len(f.Pattern) >= 8 {
		k8 := binary.LittleEndian.Uint64(f.Pattern)
		if f.CaseSensitive {
			m.cs8[k8] = append(m.cs8[k8], f)
		} else {
			m.ci8[k8] = append(m.ci8[k8], f)
		}
		return
	}
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

func lowerInto(dst, p []byte) []byte {
	if cap(dst) < len(p) {
		dst = make([]byte, len(p))
	}
	dst = dst[:len(p)]
	for i, c := range p {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return dst
}

// Find calls fn for every occurrence of every form in p, with its offset.
func (m *Matcher) Find(p []byte, fn func(f *Form, off int)) {
	if len(p) < 4 || m.Len() == 0 {
		return
	}
	m.lowSrc = nil // the buffer may hold new bytes at the same address
	low := m.Lowered(p)
	for i := 0; i+4 <= len(p); i++ {
		lb := uint16(low[i])<<8 | uint16(low[i+1])
		rb := uint16(p[i])<<8 | uint16(p[i+1])
		if m.first2[lb/64]&(1<<(lb%64)) == 0 && m.first2[rb/64]&(1<<(rb%64)) == 0 {
			continue
		}
		if i+8 <= len(p) {
			for _, f := range m.ci8[binary.LittleEndian.Uint64(low[i:])] {
				if bytes.HasPrefix(low[i:], f.Pattern) && boundary(low, i, len(f.Pattern)) {
					fn(f, i)
				}
			}
			for _, f := range m.cs8[binary.LittleEndian.Uint64(p[i:])] {
				if bytes.HasPrefix(p[i:], f.Pattern) {
					fn(f, i)
				}
			}
		}
		if len(m.ci) > 0 {
			if cands := m.ci[binary.LittleEndian.Uint32(low[i:])]; cands != nil {
				for _, f := range cands {
					if bytes.HasPrefix(low[i:], f.Pattern) && boundary(low, i, len(f.Pattern)) {
						fn(f, i)
					}
				}
			}
		}
		if len(m.cs) > 0 {
			if cands := m.cs[binary.LittleEndian.Uint32(p[i:])]; cands != nil {
				for _, f := range cands {
					if bytes.HasPrefix(p[i:], f.Pattern) {
						fn(f, i)
					}
				}
			}
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
