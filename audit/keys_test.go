package audit

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// TestDHCPKeyAsSprintf: the key dhcpKey builds is the one
// fmt.Sprintf made of the observation's fields (the keys order the
// observations in a result).
func TestDHCPKeyAsSprintf(t *testing.T) {
	for _, e := range []*capture.DHCPEvent{
		{},
		{V6: true},
		{Hostname: "plug|1", VendorClass: "udhcp 1.2", ParamList: []uint8{1, 3, 6, 15, 255}, ClientID: []byte{1, 0x50, 0xc7, 0xbf}, MUDURL: "https://mud.example/x"},
		{ParamList6: []uint16{23, 24, 65535}},
		{ParamList: []uint8{0}, ParamList6: []uint16{17}, Hostname: "\x00weird\xff"},
	} {
		want := fmt.Sprintf("%v|%s|%s|%s|%s|%s", e.V6, e.Hostname, e.VendorClass, string(appendInts(nil, e.ParamList, e.ParamList6)), hex.EncodeToString(e.ClientID), e.MUDURL)
		if got := string(dhcpKey([]byte("stale"), e)[len("stale"):]); got != want {
			t.Errorf("dhcpKey(%+v) = %q, want %q", e, got, want)
		}
	}
	if got := string(appendInts(nil, []uint8{1, 3, 255}, []uint16{23, 65535})); got != "1,3,255,23,65535" {
		t.Errorf("appendInts = %q", got)
	}
	if got := string(appendInts(nil, nil, []uint16{23, 24})); got != "23,24" {
		t.Errorf("appendInts of DHCPv6 only = %q", got)
	}
}

func TestJoinKeyAsJoin(t *testing.T) {
	for _, parts := range [][]string{nil, {""}, {"a"}, {"a", ""}, {"", "", ""}, {"srv", "ua", "http://x/", "nt", "st", "usn"}} {
		if got, want := string(joinKey([]byte("x"), 0, parts...)[1:]), strings.Join(parts, "\x00"); got != want {
			t.Errorf("joinKey(%q) = %q, want %q", parts, got, want)
		}
	}
}

// TestKnownKeyAllocatesNothing: looking up a key a collection keeps,
// built in the Builder's buffer, allocates nothing.
func TestKnownKeyAllocatesNothing(t *testing.T) {
	var over limitCounts
	c := newBounded[string, *result.SSDPObs](limDeviceSSDP, &over)
	c.add("srv\x00ua", &result.SSDPObs{})
	var buf []byte
	n := testing.AllocsPerRun(100, func() {
		buf = joinKey(buf[:0], 0, "srv", "ua")
		if o, ok := getKey(&c, buf); !ok || o == nil {
			t.Fatal("key not found")
		}
	})
	if n != 0 {
		t.Errorf("a known key's look-up allocates %v times", n)
	}
}

func TestAppendAddrAsString(t *testing.T) {
	for _, a := range []netip.Addr{{}, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("::ffff:192.0.2.1"), netip.MustParseAddr("fe80::1%eth0")} {
		if got := string(appendAddr([]byte("x"), a)[1:]); got != a.String() {
			t.Errorf("appendAddr(%v) = %q, want %q", a, got, a.String())
		}
	}
}
