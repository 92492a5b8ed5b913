package dissect

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// splitHeaders is the dissectors' header parser as it was written first
// (ReplaceAll and Split: three copies of the block, and a list of every
// header): the reference headerScan must agree with.
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

// scanHeaders collects what headerScan reads in splitHeaders' form. It
// keeps the names and values as read and converts them only at the end:
// they must stay valid until the next start.
func scanHeaders(b []byte) (string, [][2]string) {
	var h headerScan
	start := h.start(b)
	var names, values [][]byte
	for h.next() {
		names, values = append(names, h.name), append(values, h.value)
	}
	var hs [][2]string
	for i := range names {
		hs = append(hs, [2]string{string(names[i]), string(values[i])})
	}
	return string(start), hs
}

var headerSeeds = []string{
	"", "GET / HTTP/1.1", "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody",
	"NOTIFY * HTTP/1.1\nHOST: x\n folded\r\nNTS:ssdp:alive\r\r\nX\r\n\r\n",
	"a\r\r\nb: c\r", "\n\n: \n\t x", "M-SEARCH * HTTP/1.1\r\nST: a\r\nMX: 2\r\n",
	"NOTIFY * HTTP/1.1\r\n Server: first\r\nLocation: a\r\n b\r\nno colon\r\n\tc\r\nST: x\r\n y\r\n\r\n",
	"HTTP/1.1 200 OK\r\nſt: long s\r\nlocatıon: dotless\r\nUſN: u\r\nHoſt: h\r\n\u212aey: kelvin\r\n",
	"GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", maxHeaders-1) + "User-Agent: 64th\r\n more\r\nHost: 65th\r\n\r\n",
}

func FuzzParseHeaders(f *testing.F) {
	for _, s := range headerSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", maxHeaders+3)))
	f.Fuzz(func(t *testing.T, b []byte) {
		wantStart, wantHs := splitHeaders(b)
		start, hs := scanHeaders(b)
		if start != wantStart || !reflect.DeepEqual(hs, wantHs) {
			t.Fatalf("headerScan(%q) = %q %q, want %q %q", b, start, hs, wantStart, wantHs)
		}
	})
}

func TestHeaderNames(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		is         bool
	}{
		{"ST", "ST", true}, {"st", "ST", true}, {"sT", "ST", true}, {"ſt", "ST", true}, {"ſT", "ST", true},
		{"S", "ST", false}, {"STS", "ST", false}, {"", "ST", false}, {"\xc5", "ST", false}, {"\xc5t", "ST", false},
		{"locatıon", "LOCATION", true}, {"LOCATİON", "LOCATION", false}, {"uſer-agent", "USER-AGENT", true},
		{"user_agent", "USER-AGENT", false},
	} {
		if got := isUpperHeader([]byte(tc.name), tc.want); got != tc.is || got != (strings.ToUpper(tc.name) == tc.want) {
			t.Errorf("isUpperHeader(%q, %q) = %v, want %v", tc.name, tc.want, got, tc.is)
		}
	}
	for _, tc := range []struct {
		name, want string
		is         bool
	}{
		{"Host", "host", true}, {"HOST", "host", true}, {"hoſt", "host", false}, {"hos", "host", false}, {"uſer-agent", "user-agent", false},
		{"Content-Length", "content-length", true}, {"content-lengtH", "content-length", true}, {"Content_Length", "content-length", false},
	} {
		old := strings.ToLower(tc.name) == tc.want // for host and user-agent
		if tc.want == "content-length" {
			old = strings.EqualFold(tc.name, tc.want)
		}
		if got := isHeader([]byte(tc.name), tc.want); got != tc.is || got != old {
			t.Errorf("isHeader(%q, %q) = %v, want %v", tc.name, tc.want, got, tc.is)
		}
	}
}

func TestCopyStrings(t *testing.T) {
	b := []byte("abcdef")
	var out [4]string
	copyStrings(out[:], b[:2], nil, b[2:3], b[3:])
	copy(b, "xxxxxx")
	if out != [4]string{"ab", "", "c", "def"} {
		t.Errorf("copyStrings = %q", out)
	}
}
