package audit

import (
	"net/netip"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// TestInternetAddressesOnce: the internet addresses behind a MAC are each
// counted once, however their flows follow one another, up to maxBehind.
func TestInternetAddressesOnce(t *testing.T) {
	var g gateways
	var over limitCounts
	mac := capture.MAC{2, 0, 0, 0, 0, 1}
	x, y := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")
	for _, ip := range []netip.Addr{x, x, y, x, y, y, netip.AddrFrom16(x.As16())} {
		g.internet(mac, ip, "f", 1, &over)
	}
	if n := len(g.behind[mac].ips); n != 2 {
		t.Fatalf("%d addresses, want 2", n)
	}
	for i := 0; i < 2*maxBehind; i++ {
		g.internet(mac, netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)}), "f", 1, &over)
		g.internet(mac, x, "f", 1, &over)
	}
	if n := len(g.behind[mac].ips); n != maxBehind {
		t.Fatalf("%d addresses, want the bound %d", n, maxBehind)
	}
}
