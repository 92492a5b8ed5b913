package audit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

func TestBoundedCountsWhatGoesPast(t *testing.T) {
	var over limitCounts
	s := newBounded[string, int](limDeviceUPnP, &over)
	bound := limitInfo[limDeviceUPnP].bound
	for i := 0; i < bound+3; i++ {
		ok := s.add(strings.Repeat("k", i+1), i)
		if ok != (i < bound) {
			t.Fatalf("add %d: %v, want %v (bound %d)", i, ok, i < bound, bound)
		}
	}
	if s.len() != bound || over[limDeviceUPnP] != 3 {
		t.Fatalf("len %d over %d, want %d and 3", s.len(), over[limDeviceUPnP], bound)
	}
	if v, ok := s.get("k"); !ok || v != 0 {
		t.Fatalf("get k = %d, %v", v, ok)
	}
}

func TestCountKeepsFirstSighting(t *testing.T) {
	var over limitCounts
	c := newBounded[string, *result.Seen](limDeviceUAs, &over)
	count(&c, "", &capture.Meta{File: "a", Packet: 1})
	count(&c, "ua", &capture.Meta{File: "a", Packet: 2})
	count(&c, "ua", &capture.Meta{File: "b", Packet: 3})
	s, ok := c.get("ua")
	if c.len() != 1 || !ok || s.Count != 2 || s.File != "a" || s.Packet != 2 {
		t.Fatalf("got len %d %+v", c.len(), s)
	}
}

// TestPartsListEveryCollection keeps device.parts, which result assembles
// from and empty reads, complete: a new map or bounded field on device
// fails it until it is listed.
func TestPartsListEveryCollection(t *testing.T) {
	d := newDevice(devKey{}, nil)
	n := 0
	typ := reflect.TypeOf(*d)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Type.Kind() == reflect.Map || strings.HasPrefix(f.Type.Name(), "bounded[") {
			n++
		}
	}
	if got := len(parts); got != n {
		t.Fatalf("device has %d collections, parts lists %d", n, got)
	}
}

func TestEmptyDevice(t *testing.T) {
	d := newDevice(devKey{}, nil)
	d.listen.add("tcp/80", result.Seen{Value: "tcp/80"})
	if !d.empty() {
		t.Fatal("a device with only a listening port is not empty")
	}
	count(&d.queries, "example.com", &capture.Meta{})
	if d.empty() {
		t.Fatal("a device that asked DNS is empty")
	}
}
