package inspect

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// benchMatcher indexes the forms of n device MACs, as a scan of a busy
// network does (the inspector learns up to maxLearnedMACs).
func benchMatcher(n int) *Matcher {
	m := NewMatcher(nil)
	for i := 0; i < n; i++ {
		mac := capture.MAC{0x3c, 0x22, 0xfb, byte(i >> 8), byte(i), byte(i * 7)}
		forms := MACForms(MACAddress, mac, mac.String())
		for j := range forms {
			m.Add(&forms[j])
		}
	}
	return m
}

// A text payload full of digits and hex, the worst case for a prefilter
// on two bytes.
var benchText = []byte("POST /v1/events?ts=1700000123&seq=00912 HTTP/1.1\r\nHost: api.example.com\r\n" +
	"X-Request-Id: 5f3a9c0e-1b2d-4e8f-9a7b-00c1d2e3f405\r\nContent-Type: application/json\r\n\r\n" +
	strings.Repeat(`{"id":1234567,"hash":"a1b2c3d4e5f60718","t":1700000456,"v":[0,12,255,4096]},`, 40))

func BenchmarkMatcherFind(b *testing.B) {
	for _, n := range []int{0, 16, 512} {
		m := benchMatcher(n)
		if n == 0 {
			forms := ValueForms(EmailAddress, "jane@example.com", "auditor")
			for j := range forms {
				m.Add(&forms[j])
			}
		}
		b.Run(strconv.Itoa(n)+"macs", func(b *testing.B) {
			b.SetBytes(int64(len(benchText)))
			found := 0
			for i := 0; i < b.N; i++ {
				m.Find(benchText, func(*Form, int) { found++ })
			}
			if found != 0 {
				b.Fatalf("found %d forms in a payload that holds none", found)
			}
		})
	}
}

// scanEmail must find exactly what the expression finds on the whole
// payload.
func TestScanEmailAgreesWithRegexp(t *testing.T) {
	cases := []string{
		"", "@", "a@b", "a@b.co", "x a@b.co y c@d.org", "a@b@c.com", "@@x.com", "jane.doe+tag@mail.example.co.uk,",
		strings.Repeat("a", 70) + "@example.com", "a@b.c1.com", "a@b.com.x1", "a@" + strings.Repeat("b.", 40) + "com",
		"user=jane%40example.com&mail=bob@example.net", "a@b.comx1 z@y.io@q.de", "é@x.com ab@-.de",
	}
	for i := 0; i < 40; i++ {
		cases = append(cases, "k"+strconv.Itoa(i)+"@h"+strconv.Itoa(i)+".example.com ")
	}
	cases = append(cases, strings.Join(cases, " "))
	for _, c := range cases {
		var want, got []string
		for _, m := range emailRe.FindAllIndex([]byte(c), 16) {
			want = append(want, strconv.Itoa(m[0])+":"+c[m[0]:m[1]])
		}
		scanEmail([]byte(c), func(m PatternMatch) { got = append(got, strconv.Itoa(m.Offset)+":"+m.Value) })
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q:\n got  %q\n want %q", c, got, want)
		}
	}
}

// emailAt finds what the expression finds in each window scanEmail
// makes, on strings of the bytes that matter to it: labels of every
// length near the bounds, dots, hyphens, several '@', non-ASCII.
func TestEmailAtAgreesWithRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pieces := []string{"a", "Z", "7", "-", ".", "..", "_", "%", "+", "@", " ", ",", "é", "\xff", "com", "x1",
		strings.Repeat("b", 23), strings.Repeat("c", 24), strings.Repeat("d", 25), strings.Repeat("e", 62),
		strings.Repeat("f", 63), strings.Repeat("g", 64), "9" + strings.Repeat("h", 30)}
	lengths := []int{0, 1, 2, 3, 23, 24, 25, 62, 63, 64}
	labelBytes := "abcXYZ0189-"
	found := 0
	for round := 0; round < 10000; round++ {
		var sb strings.Builder
		for n := rng.IntN(6); n >= 0; n-- {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(2) == 0 { // an address-like run: '@', labels and dots
				sb.WriteString("@")
				for l := rng.IntN(5); l >= 0; l-- {
					for k := lengths[rng.IntN(len(lengths))]; k > 0; k-- {
						sb.WriteByte(labelBytes[rng.IntN(len(labelBytes)-4*rng.IntN(2))])
					}
					if l > 0 {
						sb.WriteString(".")
					}
				}
			}
		}
		p := []byte(sb.String())
		prevAt := -1
		for at := bytes.IndexByte(p, '@'); at >= 0; {
			lo := max(prevAt+1, at-64, at-rng.IntN(80))
			hi := at + 1
			for hi < len(p) && (isDomainByte(p[hi]) || p[hi] == '.') {
				hi++
			}
			s, e, ok := emailAt(p, lo, at, hi)
			m := emailRe.FindIndex(p[lo:hi])
			if ok != (m != nil) || ok && (s != lo+m[0] || e != lo+m[1]) {
				t.Fatalf("%q window %d:%d: emailAt %v %d:%d, expression %v", p, lo, hi, ok, s, e, m)
			}
			if ok {
				found++
			}
			prevAt = at
			j := bytes.IndexByte(p[at+1:], '@')
			if j < 0 {
				break
			}
			at += 1 + j
		}
	}
	if found < 1000 {
		t.Errorf("only %d windows held an address", found)
	}
	t.Logf("%d windows held an address", found)
}

func FuzzScanEmail(f *testing.F) {
	f.Add("a@b.co x@y.example.org")
	f.Add(strings.Repeat("a", 70) + "@example.com")
	f.Fuzz(func(t *testing.T, s string) {
		var want, got []string
		for _, m := range emailRe.FindAllIndex([]byte(s), 16) {
			want = append(want, strconv.Itoa(m[0])+":"+s[m[0]:m[1]])
		}
		scanEmail([]byte(s), func(m PatternMatch) { got = append(got, strconv.Itoa(m.Offset)+":"+m.Value) })
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// Matcher with filters must find what a naive search finds.
func TestMatcherAgreesWithNaiveSearch(t *testing.T) {
	m := benchMatcher(64)
	var forms []*Form
	for _, b := range m.long {
		forms = append(append(forms, b.ci...), b.cs...)
	}
	for _, b := range m.short {
		forms = append(append(forms, b.ci...), b.cs...)
	}
	// A payload that holds every form once, separated by spaces, with
	// case-insensitive forms upper-cased.
	var b []byte
	for _, f := range forms {
		p := f.Pattern
		if !f.CaseSensitive {
			p = []byte(strings.ToUpper(string(p)))
		}
		b = append(append(b, ' '), p...)
	}
	b = append(b, ' ')
	got := map[*Form]int{}
	m.Find(b, func(f *Form, off int) { got[f]++ })
	for _, f := range forms {
		if got[f] == 0 {
			t.Errorf("form %q (%s) not found", f.Pattern, f.Label)
		}
	}
	if len(forms) < 1000 {
		t.Fatalf("only %d forms indexed", len(forms))
	}
}

// FindEnding(p, from) reports exactly the occurrences Find reports that
// end past from.
func TestFindEnding(t *testing.T) {
	m := benchMatcher(4)
	forms := ValueForms(EmailAddress, "jane@example.com", "auditor")
	for j := range forms {
		m.Add(&forms[j])
	}
	mac := capture.MAC{0x3c, 0x22, 0xfb, 0, 2, 14}
	text := []byte("xx" + mac.String() + " jane@example.com " + strings.ToUpper(mac.String()) + " 3c22fb00020e " +
		string(mac[:]) + " jane%40example.com")
	type hit struct {
		pattern string
		off     int
	}
	for from := 0; from <= len(text); from++ {
		var want, got []hit
		m.Find(text, func(f *Form, off int) {
			if off+len(f.Pattern) > from {
				want = append(want, hit{string(f.Pattern), off})
			}
		})
		m.FindEnding(text, from, func(f *Form, off int) { got = append(got, hit{string(f.Pattern), off}) })
		if len(want) == 0 && from == 0 {
			t.Fatal("the text holds forms, Find found none")
		}
		if len(got) != len(want) {
			t.Fatalf("from %d: %d hits, want %d (%v, %v)", from, len(got), len(want), got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("from %d: hit %d is %v, want %v", from, i, got[i], want[i])
			}
		}
	}
}

// lowerInto, eight bytes at a time, must lower exactly what a byte-by-byte
// loop lowers: every byte value in every lane of a word, beside random
// neighbours, at every length of tail.
func TestLowerIntoBytewise(t *testing.T) {
	bytewise := func(p []byte) []byte {
		out := make([]byte, len(p))
		for i, c := range p {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out[i] = c
		}
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 40; n++ {
		p := make([]byte, n)
		for lane := 0; lane < n; lane++ {
			for v := 0; v < 256; v++ {
				for i := range p {
					p[i] = byte(rng.UintN(256))
				}
				p[lane] = byte(v)
				if got, want := lowerInto(nil, p), bytewise(p); !bytes.Equal(got, want) {
					t.Fatalf("lowerInto(%x) = %x, want %x", p, got, want)
				}
			}
		}
	}
}

// The table gives what the comparisons it replaced gave.
func TestTextByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := (c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n' || c == '\t'
		if (textByte[c] == 1) != want {
			t.Errorf("textByte[%#x] = %d", c, textByte[c])
		}
	}
}

func BenchmarkLowerInto(b *testing.B) {
	dst := make([]byte, len(benchText))
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		dst = lowerInto(dst, benchText)
	}
}

// naiveFind is what Find reports, found the slow way: at each offset in
// turn, the case-insensitive forms of eight bytes or more, then the
// case-sensitive ones, then the same for shorter forms, each group in the
// order the forms were added; case-insensitive forms match the
// lower-cased payload outside longer hex runs.
func naiveFind(forms []*Form, p []byte, fn func(f *Form, off int)) {
	low := bytes.ToLower(p)
	for i := range p {
		for _, long := range []bool{true, false} {
			for _, cs := range []bool{false, true} {
				for _, f := range forms {
					if len(f.Pattern) < 4 || (len(f.Pattern) >= 8) != long || f.CaseSensitive != cs {
						continue
					}
					if cs && bytes.HasPrefix(p[i:], f.Pattern) || !cs && bytes.HasPrefix(low[i:], f.Pattern) && boundary(low, i, len(f.Pattern)) {
						fn(f, i)
					}
				}
			}
		}
	}
}

// Find reports what naiveFind reports, in the same order, on payloads
// that hold forms of every length and case, overlapping and next to each
// other, among random bytes and text.
func TestMatcherAgreesWithNaiveOrder(t *testing.T) {
	var forms []*Form
	add := func(fs []Form) {
		for i := range fs {
			forms = append(forms, &fs[i])
		}
	}
	for i := 0; i < 6; i++ {
		add(MACForms(MACAddress, capture.MAC{0x3c, 0x22, 0xfb, 0, byte(i), byte(i * 7)}, "dev"))
	}
	add(ValueForms(EmailAddress, "jane@example.com", "auditor"))
	add(ValueForms(DeviceName, "cam1", "dev")) // four bytes
	add([]Form{{Pattern: []byte("AbCdEfGh"), CaseSensitive: true}, {Pattern: []byte("abcdefgh"), CaseSensitive: false},
		{Pattern: []byte("abcdefghij"), CaseSensitive: false}, {Pattern: []byte("AbCdEfGhIj"), CaseSensitive: true}})
	// Short patterns with one first byte are found by another scan than
	// those with several.
	t.Run("one short first byte", func(t *testing.T) { testNaiveOrder(t, forms) })
	add(ValueForms(DeviceName, "Hub-7x", "dev"))
	add([]Form{{Pattern: []byte("AbCd"), CaseSensitive: true}, {Pattern: []byte("abcd"), CaseSensitive: false}})
	t.Run("several short first bytes", func(t *testing.T) { testNaiveOrder(t, forms) })
}

func testNaiveOrder(t *testing.T, forms []*Form) {
	m := NewMatcher(nil)
	for _, f := range forms {
		m.Add(f)
	}
	if len(m.shortFirst) == 0 {
		t.Fatal("no short pattern")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789abcdefABCDEF:-.%xyzXYZ \r\n\"=&")
	total := 0
	for round := 0; round < 300; round++ {
		var p []byte
		for len(p) < 40+round {
			switch rng.IntN(4) {
			case 0:
				f := forms[rng.IntN(len(forms))]
				s := f.Pattern
				if !f.CaseSensitive && rng.IntN(2) == 0 {
					s = bytes.ToUpper(s)
				}
				p = append(p, s[:rng.IntN(len(s))+1]...) // sometimes cut short
			case 1:
				p = append(p, forms[rng.IntN(len(forms))].Pattern...)
			default:
				for n := rng.IntN(6); n > 0; n-- {
					p = append(p, alphabet[rng.IntN(len(alphabet))])
				}
			}
		}
		type hit struct {
			f   *Form
			off int
		}
		var want, got []hit
		naiveFind(forms, p, func(f *Form, off int) { want = append(want, hit{f, off}) })
		m.Find(p, func(f *Form, off int) { got = append(got, hit{f, off}) })
		total += len(want)
		if len(got) != len(want) {
			t.Fatalf("payload %q: %d hits, want %d", p, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("payload %q: hit %d is %q at %d, want %q at %d", p, i, got[i].f.Pattern, got[i].off, want[i].f.Pattern, want[i].off)
			}
		}
	}
	if total < 500 {
		t.Fatalf("only %d hits in all payloads", total)
	}
}
