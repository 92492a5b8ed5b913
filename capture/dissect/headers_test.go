package dissect

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// splitHeaders is parseHeaders as it was written first (ReplaceAll and
// Split: three copies of the block): the reference the allocation-saving
// version must agree with.
func splitHeaders(b []byte) (string, [][2]string) {
	if len(b) > maxHeaderBytes {
		b = b[:maxHeaderBytes]
	}
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i]
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	var hs [][2]string
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && len(hs) > 0 {
			hs[len(hs)-1][1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		if len(hs) >= maxHeaders {
			break
		}
		hs = append(hs, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return strings.TrimSpace(lines[0]), hs
}

func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{
		"", "GET / HTTP/1.1", "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody",
		"NOTIFY * HTTP/1.1\nHOST: x\n folded\r\nNTS:ssdp:alive\r\r\nX\r\n\r\n",
		"a\r\r\nb: c\r", "\n\n: \n\t x", "M-SEARCH * HTTP/1.1\r\nST: a\r\nMX: 2\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte("GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", maxHeaders+3)))
	f.Fuzz(func(t *testing.T, b []byte) {
		start, hs := parseHeaders(b)
		wantStart, wantHs := splitHeaders(b)
		if start != wantStart || !reflect.DeepEqual(hs, wantHs) {
			t.Fatalf("parseHeaders(%q) = %q %q, want %q %q", b, start, hs, wantStart, wantHs)
		}
	})
}
