package inspect

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// imeiRe is the expression fifteenDigits replaced.
var imeiRe = regexp.MustCompile(`(?:^|\D)(\d{15})(?:\D|$)`)

func fifteenDigitsRegexp(p []byte) (out [][2]int) {
	for _, m := range imeiRe.FindAllSubmatchIndex(p, 8) {
		out = append(out, [2]int{m[2], m[3]})
	}
	return out
}

func fifteenDigitsScan(p []byte) (out [][2]int) {
	fifteenDigits(p, func(i, j int) { out = append(out, [2]int{i, j}) })
	return out
}

var imeiSeeds = []string{
	"", "490154203237518", `{"imei":"490154203237518"}`, "x490154203237518", "490154203237518x",
	"4901542032375181", "49015420323751", "490154203237518,490154203237518",
	"490154203237518,,490154203237518", "490154203237518é490154203237518", "490154203237518\xff490154203237518",
	"490154203237518\xe2\x82490154203237518", "a490154203237518b490154203237518c490154203237518",
	strings.Repeat("490154203237518 ", 12), strings.Repeat("1", 30) + " 490154203237518",
}

// TestFifteenDigitsAsRegexp: the scanner finds what the expression
// found, on the shapes around a 15-digit run (its neighbours, runs one
// character apart, multi-byte and invalid UTF-8 after a run, the limit of
// 8 matches).
func TestFifteenDigitsAsRegexp(t *testing.T) {
	for _, s := range imeiSeeds {
		if got, want := fifteenDigitsScan([]byte(s)), fifteenDigitsRegexp([]byte(s)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, the expression %v", s, got, want)
		}
	}
}

func FuzzFifteenDigits(f *testing.F) {
	for _, s := range imeiSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if got, want := fifteenDigitsScan(p), fifteenDigitsRegexp(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %v, the expression %v", p, got, want)
		}
	})
}
