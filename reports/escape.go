package reports

import (
	"fmt"
	"strings"
)

// Term makes a capture string safe for a terminal: C0 and C1 control
// characters (ESC, BEL, CSI...), DEL and Unicode bidirectional overrides
// become visible \u escapes, so no string from a capture can move the
// cursor, recolour, retitle or clear the screen, or reorder text.
func Term(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0xfeff:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

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
