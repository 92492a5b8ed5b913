package inspect

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// The prefilters skip from one byte that can start a shape to the next;
// each must answer what a test of every offset answers.

func naiveHasDigitRun(p []byte, n int) bool {
	run := 0
	for _, c := range p {
		if isDigit(c) {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func naiveHasDecimalPair(p []byte) bool {
	for i := 0; i+5 < len(p); i++ {
		if p[i] == '.' && isDigit(p[i+1]) && isDigit(p[i+2]) && isDigit(p[i+3]) && isDigit(p[i+4]) {
			j := i + 5
			for j < len(p) && isDigit(p[j]) {
				j++
			}
			if j < len(p) && p[j] == ',' {
				return true
			}
		}
	}
	return false
}

func naiveHasUUID(p []byte) bool {
	for i := 8; i+28 <= len(p); i++ {
		if p[i] != '-' || p[i+5] != '-' || p[i+10] != '-' || p[i+15] != '-' {
			continue
		}
		if allHex(p[i-8:i]) && allHex(p[i+1:i+5]) && allHex(p[i+6:i+10]) && allHex(p[i+11:i+15]) && allHex(p[i+16:i+28]) {
			return true
		}
	}
	return false
}

func naiveHasMACShape(p []byte) bool {
	for i := 0; i+17 <= len(p); i++ {
		sep := p[i+2]
		if sep != ':' && sep != '-' {
			continue
		}
		ok := true
		for j := 0; j < 6 && ok; j++ {
			ok = isHexByte(p[i+3*j]) && isHexByte(p[i+3*j+1]) && (j == 5 || p[i+3*j+2] == sep)
		}
		if ok {
			return true
		}
	}
	return false
}

func naiveMayHoldCredentials(low []byte) bool {
	for _, w := range [...]string{"user ", "pass "} {
		if bytes.HasPrefix(low, []byte(w)) || bytes.Contains(low, []byte("\n"+w)) {
			return true
		}
	}
	for _, w := range [...]string{" login ", "auth plain", "authorization:"} {
		if bytes.Contains(low, []byte(w)) {
			return true
		}
	}
	return false
}

func naivePercentFirst(p []byte) int {
	for i := 0; i+2 < len(p); i++ {
		if p[i] == '%' && isHexByte(p[i+1]) && isHexByte(p[i+2]) {
			return i
		}
	}
	return -1
}

func TestPrefiltersAgreeWithEveryOffset(t *testing.T) {
	tokens := []string{"0", "1", "9", "a", "f", "F", "g", "z", ":", "-", ".", ",", "%", "%4", "%2c", "\n", " ", "\r\n",
		"0123456", "12345678", ".8566,", "48.8566", ".12345,", "deadbeef", "50:c7:bf", ":0a:bc", "-de-ad", "3c-22-fb-", "1234-", "-5678-9abc-",
		"38400000-8cf0-11bd-b23e-10b96e40000d", "38400000-8cf0-", "11bd-b23e-10b96e40000d", "user ", "pass ", "auth", " plain", "auth plain", "orization:", " login ", "login ", "USER ", "\nuser"}
	rng := rand.New(rand.NewPCG(5, 6))
	counts := map[string]int{}
	check := func(name string, got, want bool) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %v, want %v", name, got, want)
		}
		if want {
			counts[name]++
		}
	}
	for round := 0; round < 20000; round++ {
		var b strings.Builder
		for n := rng.IntN(24); n > 0; n-- {
			b.WriteString(tokens[rng.IntN(len(tokens))])
		}
		p := []byte(b.String())
		check("digit run", hasDigitRun(p, 15), naiveHasDigitRun(p, 15))
		check("short digit run", hasDigitRun(p, 4), naiveHasDigitRun(p, 4))
		check("decimal pair", hasDecimalPair(p), naiveHasDecimalPair(p))
		check("uuid", hasUUID(p), naiveHasUUID(p))
		check("mac shape", hasMACShape(p), naiveHasMACShape(p))
		low := bytes.ToLower(p)
		check("credentials", mayHoldCredentials(low), naiveMayHoldCredentials(low))
		dec, _ := percentDecode(p)
		check("percent", dec != nil, naivePercentFirst(p) >= 0)
		if dec != nil && !bytes.Equal(dec[:naivePercentFirst(p)], p[:naivePercentFirst(p)]) {
			t.Fatalf("percentDecode(%q) = %q", p, dec)
		}
	}
	for _, name := range []string{"digit run", "short digit run", "decimal pair", "uuid", "mac shape", "credentials", "percent"} {
		if counts[name] < 20 {
			t.Errorf("%s: only %d payloads hold the shape", name, counts[name])
		}
	}
}

// naiveEntropyClass is entropyClass as it was before it stopped early:
// every logarithm taken, then the class chosen.
func naiveEntropyClass(hist *[256]uint32, n int) string {
	if n < 64 {
		return "unknown"
	}
	var h float64
	printable := 0
	for c, k := range hist {
		if k == 0 {
			continue
		}
		p := float64(k) / float64(n)
		h -= p * math.Log2(p)
		if (c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n' || c == '\t' {
			printable += int(k)
		}
	}
	limit := math.Log2(math.Min(float64(n), 256))
	switch {
	case float64(printable) >= 0.9*float64(n):
		return "text"
	case h >= 0.9*limit:
		return "encrypted"
	}
	return "binary"
}

// entropyClass gives what it gave when it took every logarithm, on
// samples of every kind, near the bounds, and on histograms whose counts
// do not add up to n.
func TestEntropyClassAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	classes := map[string]int{}
	for round := 0; round < 20000; round++ {
		var hist [256]uint32
		n := rng.IntN(8192) + 1
		span := 1 + rng.IntN(256) // distinct byte values drawn from
		base := rng.IntN(256)     // where they start
		text := rng.IntN(100)     // percent of draws from printable bytes
		for i := 0; i < n; i++ {
			c := (base + rng.IntN(span)) % 256
			if rng.IntN(100) < text {
				c = 0x20 + rng.IntN(0x5f)
			}
			hist[c]++
		}
		m := n
		switch rng.IntN(8) {
		case 0:
			m = n / 2 // counts above n
		case 1:
			m = n + rng.IntN(n) + 1
		case 2:
			hist[255] += uint32(n + rng.IntN(2*n)) // one count above n, after the others
		}
		got, want := entropyClass(&hist, m), naiveEntropyClass(&hist, m)
		if got != want {
			t.Fatalf("n %d of %d counted: %s, want %s", m, n, got, want)
		}
		classes[want]++
	}
	for _, c := range []string{"text", "encrypted", "binary", "unknown"} {
		if classes[c] < 100 {
			t.Errorf("only %d samples of class %s", classes[c], c)
		}
	}
}

// entropyEstimate differs from the entropy summed term by term (as
// entropyClass sums it) by far less than entropyMargin, on samples of
// every spread and size the inspector counts, so that the class it
// decides is the one the sum gives.
func TestEntropyEstimateWithinMargin(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	worst := 0.0
	for round := 0; round < 20000; round++ {
		var hist [256]uint32
		n := 64 + rng.IntN(2*entropySample-63)
		span := 1 + rng.IntN(256)
		base := rng.IntN(256)
		total := n - rng.IntN(n/2+1) // a sample counted in part (App set later)
		for i := 0; i < total; i++ {
			hist[(base+rng.IntN(span))%256]++
		}
		var h float64
		for _, k := range hist {
			if k != 0 {
				p := float64(k) / float64(n)
				h -= p * math.Log2(p)
			}
		}
		worst = max(worst, math.Abs(entropyEstimate(&hist, total, n)-h))
	}
	if worst > entropyMargin/1000 {
		t.Fatalf("estimate off by %g, margin %g", worst, entropyMargin)
	}
	t.Logf("worst difference %g", worst)
}

// FlowEnd reports the class of the histograms of both directions added
// up (as it did before it took a lone direction's histogram as it is),
// for flows with bytes from one direction, the other or both, and none
// for a flow whose histograms counted no bytes.
func TestFlowEndEntropyOneOrBoth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	in := New(Config{})
	for round := 0; round < 3000; round++ {
		fs := &flowState{}
		var sum [256]uint32
		n := 0
		for i := range fs.dir {
			if round%3 == i { // 0: only the server's, 1: only the client's, 2: both
				continue
			}
			d := &fs.dir[i]
			d.hist = new([256]uint16)
			if round%17 == 0 {
				continue // made, no bytes counted
			}
			d.histN = rng.IntN(entropySample) + 1
			span, text := 1+rng.IntN(256), rng.IntN(100)
			for k := 0; k < d.histN; k++ {
				c := rng.IntN(span)
				if rng.IntN(100) < text {
					c = 0x20 + rng.IntN(0x5f)
				}
				d.hist[c]++
				sum[c]++
			}
			n += d.histN
		}
		var got []string
		in.FlowEnd(&capture.Flow{}, fs, func(e capture.Event) { got = append(got, e.(*EntropyEvent).Class) })
		switch {
		case n == 0 && len(got) != 0:
			t.Fatalf("round %d: no bytes counted, reported %v", round, got)
		case n > 0 && (len(got) != 1 || got[0] != entropyClass(&sum, n)):
			t.Fatalf("round %d: reported %v, want %s", round, got, entropyClass(&sum, n))
		}
	}
}
