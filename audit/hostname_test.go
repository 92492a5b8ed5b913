package audit

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// isHostNameParsed is isHostName as it was written first, with the
// address parse and a split into labels: the loop that replaced it must
// answer the same.
func isHostNameParsed(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return false
		}
	}
	return true
}

// hostOnlyParsed is hostOnly as it was written first, parsing every
// host as an address and port.
func hostOnlyParsed(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().String()
	}
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[:i], ":") {
		if _, err := strconv.Atoi(h[i+1:]); err == nil {
			h = h[:i]
		}
	}
	return strings.TrimSuffix(strings.Trim(h, "[]"), ".")
}

var hostNameCases = []string{
	"", ".", "..", "a", "a.b", "A.B", "a..b", ".a.b", "a.b.", "example.com", "Example.COM",
	"st_srv_2015", "a-b.c_d.e", "1.2.3.4", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.com", "a.b1", "a.1b",
	"::1", "[::1]", "fe80::1%eth0", "::ffff:1.2.3.4", "1.2.3.4:80", "[::1]:443", "example.com:8080",
	"example.com:", ":80", "example.com:http", " Example.com. ", "[example.com]", "a b.c", "ex\u00e4mple.com",
	"xn--bcher-kva.example", strings.Repeat("a", 63) + ".com", strings.Repeat("a", 64) + ".com",
	strings.Repeat("a.", 126) + "c", strings.Repeat("a.", 127) + "c", "a.-", "-.a", "a.b.c.d.e.f.g",
}

func TestIsHostNameAsParsed(t *testing.T) {
	for _, s := range hostNameCases {
		if got, want := isHostName(s), isHostNameParsed(s); got != want {
			t.Errorf("isHostName(%q) = %v, the parse says %v", s, got, want)
		}
	}
}

func TestHostOnlyAsParsed(t *testing.T) {
	for _, s := range hostNameCases {
		if got, want := hostOnly(s), hostOnlyParsed(s); got != want {
			t.Errorf("hostOnly(%q) = %q, the parse says %q", s, got, want)
		}
	}
}

func TestIsHostNameAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { isHostName("api.example.com") }); n != 0 {
		t.Errorf("isHostName allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { hostOnly("api.example.com") }); n != 0 {
		t.Errorf("hostOnly allocates %v times", n)
	}
}
