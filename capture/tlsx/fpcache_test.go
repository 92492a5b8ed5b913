package tlsx

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/tattle-audit/tattle/fingerprints"
)

func baseHello() fingerprints.ClientHello {
	return fingerprints.ClientHello{
		RecordVersion: 0x0301, Version: 0x0303,
		CipherSuites: []uint16{0x1301, 0x1302, 0xc02f}, Extensions: []uint16{0, 10, 11, 13, 16, 43},
		SNI: "a.example", ALPN: []string{"h2", "http/1.1"}, SupportedVersions: []uint16{0x0304, 0x0303},
		SignatureAlgs: []uint16{0x0403, 0x0804}, Curves: []uint16{0x001d, 0x0017}, PointFormats: []uint8{0},
		UserAgent: "ua",
	}
}

// Every field of a ClientHello is either in the cache key, or one the
// fingerprints do not read (changing it changes neither). A field added
// to ClientHello fails here until it is placed on one side.
func TestFPKeyCoversFingerprintFields(t *testing.T) {
	notRead := map[string]bool{"SNI": true, "RecordVersion": true, "UserAgent": true}
	typ := reflect.TypeFor[fingerprints.ClientHello]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		h := baseHello()
		f := reflect.ValueOf(&h).Elem().Field(i)
		switch v := f.Addr().Interface().(type) {
		case *uint16:
			*v++
		case *bool:
			*v = !*v
		case *string:
			*v += "x"
		case *[]uint16:
			*v = append(*v, 0x0a0b)
		case *[]uint8:
			*v = append(*v, 1)
		case *[]string:
			*v = append(*v, "x")
		default:
			t.Fatalf("field %s (%s): extend this test and fpKey", name, f.Type())
		}
		base := baseHello()
		sameKey := string(fpKey(nil, &h)) == string(fpKey(nil, &base))
		sameFPs := computeFPs(&h) == computeFPs(&base)
		switch {
		case notRead[name] && (!sameKey || !sameFPs):
			t.Errorf("%s: listed as not read, yet key same %v, fingerprints same %v", name, sameKey, sameFPs)
		case !notRead[name] && sameKey:
			t.Errorf("%s: changing it leaves the cache key the same", name)
		}
	}
	// Lengths keep lists apart: moving a value from one list to the next
	// changes the key.
	a, b := baseHello(), baseHello()
	a.CipherSuites, a.Extensions = []uint16{1, 2}, []uint16{3}
	b.CipherSuites, b.Extensions = []uint16{1}, []uint16{2, 3}
	if string(fpKey(nil, &a)) == string(fpKey(nil, &b)) {
		t.Error("lists run together in the key")
	}
}

// Cached fingerprints are the computed ones, on hellos that repeat and
// hellos that differ, across a cache that fills and starts again.
func TestFPCacheSameAsComputed(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	c := &fpCache{m: map[string]fps{}}
	pick := func(n int) []uint16 {
		var l []uint16
		for range rng.Intn(n) {
			l = append(l, []uint16{0, 0x0a0a, 10, 13, 16, 43, 0x1301, 0xc02b, 0x0304}[rng.Intn(9)])
		}
		return l
	}
	hits := 0
	for i := 0; i < 3000; i++ {
		h := fingerprints.ClientHello{Version: 0x0303, CipherSuites: pick(3), Extensions: pick(3), Curves: pick(2),
			SignatureAlgs: pick(2), SupportedVersions: pick(2), QUIC: rng.Intn(2) == 0}
		if rng.Intn(2) == 0 {
			h.ALPN = []string{"h2"}
		}
		if i == 2000 {
			c.bytes = maxFPBytes - 10 // the next new entry starts the cache again
		}
		if _, ok := c.m[string(fpKey(nil, &h))]; ok {
			hits++
		}
		if got, want := c.fingerprint(&h), computeFPs(&h); got != want {
			t.Fatalf("hello %d %+v: cached %+v, computed %+v", i, h, got, want)
		}
	}
	if hits < 100 || len(c.m) > 2000 {
		t.Fatalf("%d hits, %d entries: the test did not exercise the cache", hits, len(c.m))
	}
}
