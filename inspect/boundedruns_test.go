package inspect

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The expressions boundedRuns replaced, with the limits they were run with.
var (
	imeiRe = regexp.MustCompile(`(?:^|\D)(\d{15})(?:\D|$)`)
	uuidRe = regexp.MustCompile(`(?i)(?:^|[^0-9a-f-])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab0-9a-f][0-9a-f]{3}-[0-9a-f]{12})(?:[^0-9a-f-]|$)`)
	macRe  = regexp.MustCompile(`(?i)(?:^|[^0-9a-f:-])((?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})(?:[^0-9a-f:-]|$)`)
)

type runKind struct {
	name  string
	re    *regexp.Regexp
	limit int
	scan  func(p []byte, fn func(i, j int))
}

var runKinds = []runKind{
	{"imei", imeiRe, 8, fifteenDigits},
	{"uuid", uuidRe, 8, func(p []byte, fn func(i, j int)) { boundedRuns(p, uuidByte, 36, 8, uuidShape, fn) }},
	{"mac", macRe, 32, func(p []byte, fn func(i, j int)) { boundedRuns(p, macByte, 17, 32, macShape, fn) }},
}

func (k runKind) compare(t *testing.T, p []byte) {
	t.Helper()
	var got, want [][2]int
	k.scan(p, func(i, j int) { got = append(got, [2]int{i, j}) })
	for _, m := range k.re.FindAllSubmatchIndex(p, k.limit) {
		want = append(want, [2]int{m[2], m[3]})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %q: %v, the expression %v", k.name, p, got, want)
	}
}

var runSeeds = []string{
	"", "490154203237518", `{"imei":"490154203237518"}`, "x490154203237518", "490154203237518x",
	"4901542032375181", "49015420323751", "490154203237518,490154203237518",
	"490154203237518,,490154203237518", "490154203237518é490154203237518", "490154203237518\xff490154203237518",
	"490154203237518\xe2\x82490154203237518", "a490154203237518b490154203237518c490154203237518",
	strings.Repeat("490154203237518 ", 12), strings.Repeat("1", 30) + " 490154203237518",
	"aa:bb:cc:dd:ee:ff", "AA-bb:CC-dd:EE-ff", "mac=3c:22:fb:01:02:03&x", "3c:22:fb:01:02:03:04", ":3c:22:fb:01:02:03",
	"3c:22:fb:01:02:03,3c:22:fb:01:02:04", "3c:22:fb:01:02:03é3c:22:fb:01:02:04", "g3c:22:fb:01:02:03g",
	strings.Repeat("00:11:22:33:44:55 ", 40), "3c22fb010203", "3c:22:fb:01:02:0g",
	"idfa=38400000-8cf0-11bd-b23e-10b96e40000d", "38400000-8CF0-11BD-B23E-10B96E40000D-", "x38400000-8cf0-11bd-b23e-10b96e40000dx",
	"38400000-8cf0-11bd-b23e-10b96e40000d,38400000-8cf0-11bd-b23e-10b96e40000d", "38400000-8cf0-11bd-b23e-10b96e40000",
	"38400000-8cf0-11bd-b23e-10b96e40000d\xc338400000-8cf0-11bd-b23e-10b96e40000d", "384000008-cf0-11bd-b23e-10b96e40000d",
}

// TestBoundedRunsAsRegexp: the scanners find what the expressions found,
// on the shapes around a run (its neighbours, runs one character apart,
// multi-byte and invalid UTF-8 after a run, mixed case and separators,
// the limits).
func TestBoundedRunsAsRegexp(t *testing.T) {
	for _, s := range runSeeds {
		for _, k := range runKinds {
			k.compare(t, []byte(s))
		}
	}
}

func FuzzBoundedRuns(f *testing.F) {
	for _, s := range runSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		for _, k := range runKinds {
			k.compare(t, p)
		}
	})
}
