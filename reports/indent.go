package reports

// appendIndent appends to dst the compact JSON src (as json.Marshal and
// json.Encoder write it: no white space outside strings) indented as
// json.Indent would with prefix and indent: each element on a line of its
// own, after prefix and one indent per level; empty objects and arrays
// kept as {} and []; nothing before the first byte.
//
// json.Indent runs the full JSON scanner over every byte, a state
// machine with a function call per byte; on the text Marshal has just
// produced that validation is wasted, and it was the larger half of the
// JSON report's time. The fuzz test holds the two to the same output.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	var nl []byte // "\n" + prefix + indent*depth, grown on demand
	nl = append(append(nl, '\n'), prefix...)
	base := len(nl)
	depth := 0
	line := func() []byte {
		for len(nl) < base+depth*len(indent) {
			nl = append(nl, indent...)
		}
		return nl[:base+depth*len(indent)]
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return append(dst, src[i:]...) // not Marshal's output: kept as is
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			depth++
			dst = append(append(dst, c), line()...)
		case '}', ']':
			if depth > 0 {
				depth--
			}
			dst = append(append(dst, line()...), c)
		case ',':
			dst = append(append(dst, c), line()...)
		case ':':
			dst = append(dst, ':', ' ')
		default:
			j := i + 1
			for j < len(src) && !special[src[j]] {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j - 1
		}
	}
	return dst
}

var special = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true, ',': true, ':': true}
