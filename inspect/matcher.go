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
	ci    map[uint32][]*Form
	cs    map[uint32][]*Form
	lower []byte
}

// NewMatcher indexes forms. Patterns shorter than four bytes are ignored.
func NewMatcher(forms []Form) *Matcher {
	m := &Matcher{ci: map[uint32][]*Form{}, cs: map[uint32][]*Form{}}
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
	if f.CaseSensitive {
		m.cs[k] = append(m.cs[k], f)
	} else {
		m.ci[k] = append(m.ci[k], f)
	}
}

// Len is the number of indexed patterns buckets (for tests and stats).
func (m *Matcher) Len() int { return len(m.ci) + len(m.cs) }

// Find calls fn for every occurrence of every form in p, with its offset.
func (m *Matcher) Find(p []byte, fn func(f *Form, off int)) {
	if len(p) < 4 || (len(m.ci) == 0 && len(m.cs) == 0) {
		return
	}
	if cap(m.lower) < len(p) {
		m.lower = make([]byte, len(p))
	}
	low := m.lower[:len(p)]
	for i, c := range p {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	for i := 0; i+4 <= len(p); i++ {
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
