package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/result"
)

// encodeDevice is the JSON report's encoding of one device.
func encodeDevice(d *result.Device) ([]byte, error) {
	e := jsonEncoder{}
	e.b = e.buffer()
	e.encDevice(d)
	return bytes.Join(append(e.chunks, e.b), nil), e.err
}

// checkDevice fails unless the generated encoder writes d as
// json.MarshalIndent does, which is what the report wrote before.
func checkDevice(t *testing.T, d *result.Device) {
	t.Helper()
	want, err := json.MarshalIndent(d, "    ", "  ")
	got, gotErr := encodeDevice(d)
	if err != nil || gotErr != nil {
		if err == nil || gotErr == nil {
			t.Fatalf("encoding/json's error %v, the encoder's %v", err, gotErr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(i-200, 0)
		t.Fatalf("differs from encoding/json at byte %d:\n got  …%s\n want …%s", i, got[lo:min(i+100, len(got))], want[lo:min(i+100, len(want))])
	}
}

// TestJSONEncoderMatches holds the generated device encoder to
// encoding/json on random devices: every field of every type set (a
// field the encoder does not know shows), or zero, nil or empty; hostile
// strings; floats at the edges of the format; times with nanoseconds, in
// zones.
func TestJSONEncoderMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 1))
	full := &filler{r: r, full: true}
	for range 20 {
		var d result.Device
		full.fill(t, reflect.ValueOf(&d).Elem(), 0)
		checkDevice(t, &d)
	}
	sparse := &filler{r: r}
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		var d result.Device
		sparse.fill(t, reflect.ValueOf(&d).Elem(), 0)
		checkDevice(t, &d)
	}
	var d result.Device
	checkDevice(t, &d) // all zero: nil lists are null

	// A device of many buffers, one of them grown by a long string.
	for range 500 {
		var dst result.Destination
		sparse.fill(t, reflect.ValueOf(&dst).Elem(), 1)
		d.Destinations = append(d.Destinations, dst)
	}
	d.Destinations[100].Name = strings.Repeat("<long>", 3*jsonChunk)
	checkDevice(t, &d)
	e := jsonEncoder{b: make([]byte, 0, jsonChunk)}
	e.encDevice(&d)
	if len(e.chunks) < 10 {
		t.Fatalf("%d buffers", len(e.chunks))
	}
}

// TestJSONEncoderRefuses checks that the devices encoding/json refuses
// are refused, and that the report then gives encoding/json's error.
func TestJSONEncoderRefuses(t *testing.T) {
	for _, d := range []result.Device{
		{Identity: result.Identity{Vendor: result.Field{Confidence: math.NaN()}}},
		{Destinations: []result.Destination{{Confidence: math.Inf(-1)}}},
		{Last: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{IPs: []result.AddrSeen{{First: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}}},
	} {
		_, want := json.MarshalIndent(&d, "    ", "  ")
		if _, err := encodeDevice(&d); err == nil || want == nil {
			t.Fatalf("encoder's error %v, encoding/json's %v", err, want)
		}
		err := marshalDevices([]result.Device{d}, func(int, [][]byte) { t.Fatal("written") })
		if err == nil || err.Error() != want.Error() {
			t.Fatalf("report's error %v, want %v", err, want)
		}
	}
}

// FuzzJSONEncoderStrings writes fuzzed strings and floats in a device.
func FuzzJSONEncoderStrings(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s, 0.5)
	}
	f.Fuzz(func(t *testing.T, s string, x float64) {
		d := result.Device{ID: s, Identity: result.Identity{Apps: []result.Field{{Value: s, Confidence: x}}},
			Destinations: []result.Destination{{Name: s, Protocols: []string{s, ""}, Confidence: x}}}
		checkDevice(t, &d)
	})
}

var hostileStrings = []string{
	"", "plain", `"quoted"`, `back\slash`, "<script>alert('x')</script>", "a&b", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "é ü 日本", "\u2028\u2029", "\xff\xfe", "bad \xc3 utf8", "\xed\xa0\x80", "\U0001F600",
	"\ufffd", "\u00a0\u200e\u202e\ufeff", "trail\xe2\x82",
}

var hostileFloats = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.5, 0.98, 1.0 / 3, 1e-6, 9.99999e-7, 1e-7, 1e20, 1e21, 123456789012345678901.0,
	math.MaxFloat64, math.SmallestNonzeroFloat64, -2.5e-10, 100, 1e6,
}

var zones = []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("", -(9*3600 + 30*60)),
	time.FixedZone("odd", 5*3600+45*60+17)}

// filler sets values at random: with full, every field non-zero (every
// list at least one long, every pointer set), else each also zero, nil
// or empty at times.
type filler struct {
	r    *rand.Rand
	full bool
}

func (f *filler) zero() bool { return !f.full && f.r.IntN(3) == 0 }

func (f *filler) fill(t testing.TB, v reflect.Value, depth int) {
	t.Helper()
	r := f.r
	if v.Type() == reflect.TypeFor[time.Time]() {
		if f.zero() {
			return
		}
		tm := time.Unix(r.Int64N(4e9)-1e9, 0)
		if r.IntN(2) == 0 {
			tm = tm.Add(time.Duration(r.Int64N(1e9)))
		}
		v.Set(reflect.ValueOf(tm.In(zones[r.IntN(len(zones))])))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if f.zero() {
			return
		}
		s := hostileStrings[1+r.IntN(len(hostileStrings)-1)]
		if r.IntN(3) == 0 { // random bytes: any invalid UTF-8
			b := make([]byte, 1+r.IntN(12))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			s = string(b)
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(f.full || r.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		if !f.zero() {
			v.SetInt([]int64{1, -1, 42, math.MaxInt64, math.MinInt64, r.Int64()}[r.IntN(6)])
		}
	case reflect.Uint16, reflect.Uint64:
		if !f.zero() {
			x := []uint64{1, 443, math.MaxUint64, r.Uint64()}[r.IntN(4)]
			if v.OverflowUint(x) {
				x = 1 + r.Uint64N(1<<16-1)
			}
			v.SetUint(x)
		}
	case reflect.Float64:
		x := hostileFloats[r.IntN(len(hostileFloats))]
		if r.IntN(4) == 0 {
			x = r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))
		}
		if f.full && x == 0 {
			x = 0.25
		}
		v.SetFloat(x)
	case reflect.Slice:
		if !f.full && r.IntN(4) == 0 {
			return // nil
		}
		n := r.IntN(3)
		if f.full {
			n = 1 + r.IntN(2)
		}
		if depth > 3 {
			n = min(n, 1)
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(t, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Pointer:
		if f.zero() {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(t, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(t, v.Field(i), depth+1)
			}
		}
	default:
		t.Fatalf("filler: %s (kind %s) is new: teach the filler and check the generator", v.Type(), v.Kind())
	}
}

// BenchmarkJSONDevices encodes the devices of a random result.
func BenchmarkJSONDevices(b *testing.B) {
	devs := make([]result.Device, 64)
	f := &filler{r: rand.New(rand.NewPCG(1, 2)), full: true}
	for i := range devs {
		f.fill(b, reflect.ValueOf(&devs[i]).Elem(), 0)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := marshalDevices(devs, func(int, [][]byte) {}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range devs {
				if _, err := json.MarshalIndent(&devs[i], "    ", "  "); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// skipSafe passes over eight bytes exactly when jsonSafe says each is
// safe: every byte value at every place among safe ones, and two unsafe
// ones.
func TestSkipSafe(t *testing.T) {
	safe8 := func(s string) bool { return skipSafe(s, 0) == 8 }
	base := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			b := append([]byte(nil), base...)
			b[pos] = byte(c)
			want := c < 0x80 && jsonSafe[c]
			if got := safe8(string(b)); got != want {
				t.Fatalf("safe8(%q) = %v, want %v", b, got, want)
			}
			for c2 := range 256 {
				b[(pos+3)%8] = byte(c2)
				want2 := want && c2 < 0x80 && jsonSafe[c2]
				if got := safe8(string(b)); got != want2 {
					t.Fatalf("safe8(%q) = %v, want %v", b, got, want2)
				}
			}
		}
	}
}

// str writes what encoding/json writes for strings of every length to
// 40 made of safe bytes and, at random places, the bytes that need
// escaping or are not ASCII.
func TestStrMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := []byte("\"\\<>&\x00\x1f\n\x7f\x80\xc3\xa9\xe2\x80\xa8\xff ")
	for n := range 41 {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				b[i] = 'a' + byte(r.IntN(26))
				if r.IntN(12) == 0 {
					b[i] = special[r.IntN(len(special))]
				}
			}
			want, err := json.Marshal(string(b))
			if err != nil {
				t.Fatal(err)
			}
			var e jsonEncoder
			e.str(string(b))
			if !bytes.Equal(e.b, want) {
				t.Fatalf("str(%q) = %s, want %s", b, e.b, want)
			}
		}
	}
}

// BenchmarkJSONStr writes strings like a scan's: destination names,
// addresses, findings' titles and messages.
func BenchmarkJSONStr(b *testing.B) {
	texts := []string{"time.google.com", "52.94.236.248", "192.168.0.0/16~3f9a1c2b7d5e", "dns", "Destination not classified",
		"tattle has no knowledge of device-metrics-us.amazon.com (52.94.236.248:443); who receives this traffic is unknown.",
		"The device talks to api.example.com, run by Example Corp (advertising), a company other than its vendor.",
		"sni", "devs.tplinkcloud.com", "50:c7:bf:~3f9a1c2b7d5e4f60", "Contacts Google (analytics)", "tcp", "iot-cloud"}
	var e jsonEncoder
	for b.Loop() {
		for _, s := range texts {
			e.b = e.b[:0]
			e.str(s)
		}
	}
}
