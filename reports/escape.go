package reports

import (
	"fmt"
	"strings"
)

// unsafeRune reports whether r may not reach a reader as it is: C0 and C1
// control characters (ESC, BEL, CR, CSI...), DEL, Unicode bidirectional
// overrides, embeddings, isolates and marks, line and paragraph
// separators, and the byte-order mark. Every human-readable format
// (terminal, HTML, Markdown, SARIF messages) shows them as \u escapes,
// through this one test.
func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0xfeff
}

// visible replaces each unsafe rune of s but those in keep by a visible
// \u escape, and invalid UTF-8 by U+FFFD.
func visible(s, keep string) string {
	clean := true
	for _, r := range s {
		if r == 0xfffd || (unsafeRune(r) && !strings.ContainsRune(keep, r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		if unsafeRune(r) && !strings.ContainsRune(keep, r) {
			fmt.Fprintf(&b, "\\u%04x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Term makes a capture string safe for a terminal: no string from a
// capture can move the cursor, recolour, retitle or clear the screen, or
// reorder text (see unsafeRune).
func Term(s string) string { return visible(s, "") }

// MD escapes a capture string for GitHub-flavoured Markdown, inline in a
// paragraph or a table cell: Markdown and HTML syntax characters are
// backslash-escaped or entity-encoded, line breaks and controls removed.
func MD(s string) string {
	s = Term(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '~', '>', ':':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
