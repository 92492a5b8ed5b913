package audit

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/tattle-audit/tattle/internal/gen"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

// packetAt decodes packet n (1-based) of a pcapng file.
func packetAt(t *testing.T, path string, n uint64) gopacket.Packet {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); ; i++ {
		data, _, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		if i == n {
			return gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		}
	}
}

// TestRouterAdvertisementCapture scans testdata/ipv6.pcapng (made by
// internal/gen's IPv6Flat): a router that answers no DHCP and carries
// traffic to one internet address only is found by its IPv6 router
// advertisements alone; a Thread border router's advertisement (lifetime
// 0) and an advertisement that crossed a router (hop limit 64) make
// nobody the gateway.
func TestRouterAdvertisementCapture(t *testing.T) {
	path := filepath.Join(testutil.ModuleRoot(t), "testdata", "ipv6.pcapng")
	res := scanPaths(t, path)
	byID := map[string]*result.Device{}
	for i := range res.Devices {
		byID[res.Devices[i].ID] = &res.Devices[i]
	}
	router, homepod, laptop := byID[gen.V6Router.MAC.String()], byID[gen.V6HomePod.MAC.String()], byID[gen.V6Laptop.MAC.String()]
	if router == nil || homepod == nil || laptop == nil {
		t.Fatalf("devices %v", slices.Sorted(maps.Keys(byID)))
	}
	id := router.Identity
	if id.Type.Value != "router" || !id.Infrastructure || id.IsIoT {
		t.Fatalf("router typed %q infrastructure=%v iot=%v", id.Type.Value, id.Infrastructure, id.IsIoT)
	}
	if len(id.Type.Evidence) != 1 {
		t.Fatalf("router evidence %+v: want the router advertisement alone", id.Type.Evidence)
	}
	ev := id.Type.Evidence[0]
	for _, want := range []string{"router advertisements", "default router", "1800 s", "2001:db8:4::/64", "MTU 1492", "DNS fd00:4::1"} {
		if ev.Source != "gateway" || !strings.Contains(ev.Detail, want) {
			t.Errorf("router evidence %s %q lacks %q", ev.Source, ev.Detail, want)
		}
	}
	// The cited packet is the router's advertisement.
	p := packetAt(t, path, ev.Packet)
	eth, _ := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	icmp, _ := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	if eth == nil || icmp == nil || eth.SrcMAC.String() != gen.V6Router.MAC.String() || icmp.TypeCode.Type() != layers.ICMPv6TypeRouterAdvertisement {
		t.Errorf("evidence packet %d is not the router's advertisement: %v", ev.Packet, p)
	}
	if id := homepod.Identity; id.Type.Value == "router" || id.Infrastructure || !id.IsIoT {
		t.Errorf("Thread border router (lifetime 0) typed %q infrastructure=%v iot=%v: a speaker, not the gateway", id.Type.Value, id.Infrastructure, id.IsIoT)
	}
	if id := laptop.Identity; id.Type.Value == "router" || id.Infrastructure {
		t.Errorf("an advertisement with hop limit 64 made the laptop %q", id.Type.Value)
	}
}
