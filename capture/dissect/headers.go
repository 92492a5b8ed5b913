package dissect

import (
	"bytes"
	"strings"
)

// maxHeaderBytes bounds the header block read from one SSDP or HTTP
// message; maxHeaders bounds how many headers are read.
const (
	maxHeaderBytes = 16 << 10
	maxHeaders     = 64
)

// headerScan reads the start line and the headers of an HTTP-style
// message in place, without copying the block: the dissectors look up
// the few headers they need and copy only those.
//
// Lines end at "\n", and a "\r" before it is dropped; the block ends at
// the first empty line, "\r\n\r\n" or maxHeaderBytes. A line that starts
// with a space or a tab continues the header before it (folding: the
// value gets a space and the line, trimmed), even past lines without a
// colon, which are skipped; before the first header such a line is read
// as a header. At most maxHeaders headers are read. Names and values are
// trimmed of white space.
type headerScan struct {
	rest  []byte // the lines not read yet
	n     int    // headers read
	fold  []byte // folded values, one after the other
	name  []byte // the current header's name
	value []byte // and its value (in the message or in fold)
}

// start begins the scan of message b and returns its start line,
// trimmed. Names and values read until the next start stay valid: they
// are parts of b or of a folded value that is not written over.
func (h *headerScan) start(b []byte) []byte {
	if len(b) > maxHeaderBytes {
		b = b[:maxHeaderBytes]
	}
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i]
	}
	h.rest, h.n, h.fold = b, 0, h.fold[:0]
	return bytes.TrimSpace(h.line())
}

// line returns the next line.
func (h *headerScan) line() []byte {
	i := bytes.IndexByte(h.rest, '\n')
	if i < 0 {
		l := h.rest
		h.rest = nil
		return l
	}
	l := h.rest[:i]
	h.rest = h.rest[i+1:]
	return bytes.TrimSuffix(l, []byte("\r"))
}

// next reads the next header into name and value and reports whether
// there was one.
func (h *headerScan) next() bool {
	for len(h.rest) > 0 {
		l := h.line()
		if len(l) == 0 {
			break
		}
		// (A continuation line here comes before the first header:
		// those after a header are read with it, below.)
		k, v, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			continue
		}
		if h.n >= maxHeaders {
			break
		}
		h.n++
		h.name, h.value = bytes.TrimSpace(k), bytes.TrimSpace(v)
		h.continuations()
		return true
	}
	h.rest = nil
	return false
}

// continuations reads the lines after a header up to the next header
// and folds those that continue it into its value.
func (h *headerScan) continuations() {
	folded := -1 // where the value starts in fold, once folded
	for len(h.rest) > 0 {
		rest := h.rest
		l := h.line()
		if len(l) == 0 {
			h.rest = nil
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if folded < 0 {
				folded = len(h.fold)
				h.fold = append(h.fold, h.value...)
			}
			h.fold = append(h.fold, ' ')
			h.fold = append(h.fold, bytes.TrimSpace(l)...)
			continue
		}
		if bytes.IndexByte(l, ':') >= 0 {
			h.rest = rest // the next header
			break
		}
	}
	if folded >= 0 {
		// (Earlier values in fold stay as they are: if fold grew into a
		// new array, they are in the old one.)
		h.value = h.fold[folded:]
	}
}

// isHeader reports whether name is the ASCII header name lower, ignoring
// ASCII case. For the names the HTTP dissector looks up this is what it
// tested before: strings.ToLower(name) == lower for host and user-agent
// (ToLower maps no non-ASCII letter to one of theirs) and
// strings.EqualFold(name, lower) for content-length (EqualFold folds
// non-ASCII letters to s and k only).
func isHeader(name []byte, lower string) bool {
	if len(name) != len(lower) {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isUpperHeader reports whether strings.ToUpper(name) == upper, for an
// upper-case ASCII upper: ASCII letters in either case, and the two
// letters ToUpper maps into ASCII, dotless ı (to I) and long ſ (to S).
func isUpperHeader(name []byte, upper string) bool {
	for i := range len(upper) {
		if upper[i] == 'I' && bytes.HasPrefix(name, []byte("ı")) || upper[i] == 'S' && bytes.HasPrefix(name, []byte("ſ")) {
			name = name[2:] // (both are two bytes long)
			continue
		}
		if len(name) == 0 {
			return false
		}
		c := name[0]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
		name = name[1:]
	}
	return len(name) == 0
}

// copyStrings sets out[i] to a copy of parts[i] as a string, all of
// them parts of one new string: one allocation for an event's strings,
// none of which refer to the packet's bytes or a reused buffer.
func copyStrings(out []string, parts ...[]byte) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.Write(p)
	}
	s := b.String()
	for i, p := range parts {
		if len(p) > 0 {
			out[i] = s[:len(p)]
			s = s[len(p):]
		} else {
			out[i] = ""
		}
	}
}
