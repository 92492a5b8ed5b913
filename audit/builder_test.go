package audit

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/result"
)

var (
	t0     = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	plug   = capture.MAC{0x50, 0xc7, 0xbf, 1, 2, 3}
	router = capture.MAC{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func dnsAnswer(at time.Duration, pkt uint64, q string, answers ...capture.DNSRecord) *capture.DNSEvent {
	return &capture.DNSEvent{
		Meta: capture.Meta{File: "home.pcap", Packet: pkt, Time: t0.Add(at), SrcMAC: router, DstMAC: plug,
			Src: ap("192.168.1.1:53"), Dst: ap("192.168.1.20:5000"), Transport: capture.UDP},
		Proto: "dns", Response: true,
		Questions: []capture.DNSQuestion{{Name: q, Type: "A"}},
		Answers:   answers,
	}
}

func flow(client, server string, at time.Duration, pkt uint64) *capture.Flow {
	return &capture.Flow{
		Key:       capture.FlowKey{Client: ap(client), Server: ap(server), Transport: capture.TCP},
		ClientMAC: plug, ServerMAC: router, File: "home.pcap", FirstPkt: pkt,
		First: t0.Add(at), Last: t0.Add(at + time.Second),
		Packets: [2]uint64{10, 8}, Bytes: [2]uint64{1000, 5000}, App: "tls",
	}
}

func onlyDevice(t *testing.T, b *Builder) result.Device {
	t.Helper()
	devs := b.Devices()
	if len(devs) != 1 {
		t.Fatalf("got %d devices, want 1: %+v", len(devs), devs)
	}
	return devs[0]
}

func TestDestinationNaming(t *testing.T) {
	cname := capture.DNSRecord{Name: "devs.tplinkcloud.com", Type: "CNAME", Data: "lb.aws-elb.example"}
	a := capture.DNSRecord{Name: "lb.aws-elb.example", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}
	tests := []struct {
		name      string
		events    []capture.Event
		flow      *capture.Flow
		wantName  string
		wantNames []string // name/source pairs
	}{
		{
			name:      "dns answer through a CNAME names the address with the question",
			events:    []capture.Event{dnsAnswer(0, 3, "devs.tplinkcloud.com", cname, a)},
			flow:      flow("192.168.1.20:40000", "52.1.2.3:443", time.Second, 5),
			wantName:  "devs.tplinkcloud.com",
			wantNames: []string{"devs.tplinkcloud.com/dns", "lb.aws-elb.example/dns-cname"},
		},
		{
			name: "sni beats dns",
			events: []capture.Event{
				dnsAnswer(0, 3, "a.example.com", capture.DNSRecord{Name: "a.example.com", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}),
				&capture.TLSEvent{Meta: capture.Meta{File: "home.pcap", Packet: 7, Time: t0.Add(time.Second), SrcMAC: plug,
					Src: ap("192.168.1.20:40000"), Dst: ap("52.1.2.3:443"), Transport: capture.TCP},
					Hello: fingerprints.ClientHello{SNI: "B.Example.com", Version: 0x0303}, JA4: "t13d1516h2_x_y"},
			},
			flow:      flow("192.168.1.20:40000", "52.1.2.3:443", time.Second, 5),
			wantName:  "b.example.com",
			wantNames: []string{"b.example.com/sni", "a.example.com/dns"},
		},
		{
			name: "latest answer before the flow wins",
			events: []capture.Event{
				dnsAnswer(0, 1, "old.example.com", capture.DNSRecord{Name: "old.example.com", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}),
				dnsAnswer(10*time.Second, 2, "new.example.com", capture.DNSRecord{Name: "new.example.com", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}),
				dnsAnswer(60*time.Second, 3, "later.example.com", capture.DNSRecord{Name: "later.example.com", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}),
			},
			flow:      flow("192.168.1.20:40000", "52.1.2.3:443", 20*time.Second, 5),
			wantName:  "new.example.com",
			wantNames: []string{"new.example.com/dns"},
		},
		{
			name:   "no name: reached by IP only",
			events: nil,
			flow:   flow("192.168.1.20:40000", "52.1.2.3:443", 0, 5),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			for _, e := range tc.events {
				b.Event(e)
			}
			b.Flow(tc.flow)
			d := onlyDevice(t, b)
			if d.ID != plug.String() {
				t.Errorf("device id %s, want %s", d.ID, plug)
			}
			if len(d.Destinations) != 1 {
				t.Fatalf("got %d destinations", len(d.Destinations))
			}
			dst := d.Destinations[0]
			if dst.Name != tc.wantName {
				t.Errorf("name = %q, want %q", dst.Name, tc.wantName)
			}
			var got []string
			for _, n := range dst.Names {
				got = append(got, n.Name+"/"+n.Source)
				if n.File == "" || n.Packet == 0 {
					t.Errorf("name %q without evidence", n.Name)
				}
			}
			if len(got) != len(tc.wantNames) {
				t.Fatalf("names = %v, want %v", got, tc.wantNames)
			}
			for i := range got {
				if got[i] != tc.wantNames[i] {
					t.Errorf("names = %v, want %v", got, tc.wantNames)
				}
			}
			if dst.IP != "52.1.2.3" || dst.Port != 443 || dst.Transport != "tcp" {
				t.Errorf("endpoint = %s:%d/%s", dst.IP, dst.Port, dst.Transport)
			}
			if dst.BytesOut != 1000 || dst.BytesIn != 5000 || dst.Party != "unclassified" {
				t.Errorf("bytes/party = %d/%d/%s", dst.BytesOut, dst.BytesIn, dst.Party)
			}
		})
	}
}

func TestCNAMELoopIsBounded(t *testing.T) {
	b := NewBuilder()
	b.Event(dnsAnswer(0, 1, "a.example",
		capture.DNSRecord{Name: "a.example", Type: "CNAME", Data: "b.example"},
		capture.DNSRecord{Name: "b.example", Type: "CNAME", Data: "a.example"},
		capture.DNSRecord{Name: "b.example", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}))
	b.Flow(flow("192.168.1.20:40000", "52.1.2.3:443", time.Second, 5))
	d := onlyDevice(t, b)
	if d.Destinations[0].Name == "" {
		t.Fatal("looping CNAME chain lost the name altogether")
	}
}

func TestInboundFlowBelongsToLocalDevice(t *testing.T) {
	b := NewBuilder()
	f := flow("203.0.113.9:50000", "192.168.1.20:8080", 0, 1)
	f.ClientMAC, f.ServerMAC = router, plug
	b.Flow(f)
	d := onlyDevice(t, b)
	if d.ID != plug.String() {
		t.Fatalf("inbound flow attributed to %s, want the local device %s", d.ID, plug)
	}
	dst := d.Destinations[0]
	if !dst.Inbound || dst.IP != "203.0.113.9" || dst.BytesOut != 5000 || dst.BytesIn != 1000 {
		t.Errorf("inbound destination = %+v", dst)
	}
}

func TestIdentityObservations(t *testing.T) {
	b := NewBuilder()
	meta := capture.Meta{File: "home.pcap", Packet: 1, Time: t0, SrcMAC: plug, DstMAC: capture.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		Src: ap("0.0.0.0:68"), Dst: ap("255.255.255.255:67"), Transport: capture.UDP}
	for i := 0; i < 3; i++ {
		b.Event(&capture.DHCPEvent{Meta: meta, MsgType: "DISCOVER", ClientMAC: plug, Hostname: "HS110", VendorClass: "udhcp 1.19",
			ParamList: []uint8{1, 3, 6, 12, 15}})
	}
	b.Event(&capture.DHCPEvent{Meta: capture.Meta{File: "home.pcap", Packet: 2, Time: t0, SrcMAC: router, Src: ap("192.168.1.1:67"), Dst: ap("255.255.255.255:68")},
		MsgType: "ACK", ClientMAC: plug, YourIP: netip.MustParseAddr("192.168.1.20")})
	ssdp := capture.Meta{File: "home.pcap", Packet: 4, Time: t0, SrcMAC: plug, Src: ap("192.168.1.20:1900"), Dst: ap("239.255.255.250:1900")}
	b.Event(&capture.SSDPEvent{Meta: ssdp, StartLine: "NOTIFY * HTTP/1.1", Server: "Linux UPnP/1.0", NT: "upnp:rootdevice"})
	d := onlyDevice(t, b)
	if len(d.Observations.DHCP) != 1 || d.Observations.DHCP[0].Count != 3 || d.Observations.DHCP[0].ParamList != "1,3,6,12,15" {
		t.Errorf("dhcp observations = %+v", d.Observations.DHCP)
	}
	if len(d.Observations.Hostnames) != 1 || d.Observations.Hostnames[0].Value != "HS110" {
		t.Errorf("hostnames = %+v", d.Observations.Hostnames)
	}
	if len(d.IPs) != 1 || d.IPs[0].IP != "192.168.1.20" {
		t.Errorf("ips = %+v (the DHCP ACK gives the address)", d.IPs)
	}
	if len(d.Observations.SSDP) != 1 || d.Observations.SSDP[0].Server != "Linux UPnP/1.0" {
		t.Errorf("ssdp = %+v", d.Observations.SSDP)
	}
}

func TestFindings(t *testing.T) {
	b := NewBuilder()
	meta := capture.Meta{File: "home.pcap", Packet: 9, Time: t0.Add(time.Second), SrcMAC: plug, DstMAC: router,
		Src: ap("192.168.1.20:40000"), Dst: ap("52.1.2.3:80"), Transport: capture.TCP}
	b.Event(dnsAnswer(0, 3, "t.example.com", capture.DNSRecord{Name: "t.example.com", Type: "A", Addr: netip.MustParseAddr("52.1.2.3")}))
	for i := 0; i < 2; i++ {
		b.Event(&inspect.PersonalDataEvent{Meta: meta, Protocol: "http", DataType: "mac address", Label: "SHA-1 of upper-case without separators",
			Value: plug.String(), Owner: plug.String(), Excerpt: "uid=...", Packets: []uint64{8, 9}, FromClient: true})
	}
	tlsMeta := meta
	tlsMeta.Dst, tlsMeta.Packet = ap("52.1.2.4:443"), 12
	b.Event(&capture.TLSEvent{Meta: tlsMeta, Hello: fingerprints.ClientHello{Version: 0x0301, SNI: "old.example.com",
		CipherSuites: []uint16{0x0005, 0x000a, 0x002f}}})
	f := flow("192.168.1.20:40000", "52.1.2.3:80", time.Second, 7)
	f.App, f.Payload = "http", [2]uint64{300, 200}
	b.Flow(f)
	f2 := flow("192.168.1.20:40000", "52.1.2.4:443", time.Second, 11)
	b.Flow(f2)
	d := onlyDevice(t, b)
	kinds := map[string]result.Finding{}
	for _, f := range d.Findings {
		kinds[f.Kind] = f
		if f.ID == "" || len(f.Evidence) == 0 {
			t.Errorf("finding without id or evidence: %+v", f)
		}
	}
	pd, ok := kinds[KindCleartextPersonal]
	if !ok || pd.DataType != "mac address" || pd.Destination != "t.example.com" || !pd.Personal || pd.Severity != result.SeverityHigh {
		t.Errorf("personal-data finding = %+v", pd)
	}
	if len(pd.Evidence) != 4 || pd.Evidence[0].Packet != 8 {
		t.Errorf("evidence = %+v, want packets 8,9 twice", pd.Evidence)
	}
	if c, ok := kinds[KindCleartextProtocol]; !ok || c.Destination != "t.example.com" {
		t.Errorf("cleartext protocol finding = %+v", c)
	}
	if w, ok := kinds[KindWeakTLSVersion]; !ok || w.Destination != "old.example.com" {
		t.Errorf("weak TLS version finding = %+v", w)
	}
	if w, ok := kinds[KindWeakTLSCipher]; !ok || !strings.Contains(w.Message, "3DES, RC4") {
		t.Errorf("weak cipher finding = %+v", w)
	}
	// IDs are stable across runs.
	if FindingID("k", "d", "s") != FindingID("k", "d", "s") || FindingID("k", "d", "s") == FindingID("k", "d", "t") {
		t.Error("finding IDs not stable or not distinct")
	}
}

func TestServerCertificateFindings(t *testing.T) {
	b := NewBuilder()
	meta := capture.Meta{File: "c.pcap", Packet: 4, Time: t0, SrcMAC: router, DstMAC: plug,
		Src: ap("52.1.2.9:443"), Dst: ap("192.168.1.20:40000"), Transport: capture.TCP}
	b.Event(&capture.TLSServerEvent{Meta: meta, Version: 0x0301, Cipher: 0x000a, HasCert: true, Subject: "cloud.vendor.example",
		SelfSigned: true, NotAfter: t0.Add(-24 * time.Hour)})
	f := flow("192.168.1.20:40000", "52.1.2.9:443", time.Second, 1)
	b.Flow(f)
	d := onlyDevice(t, b)
	if d.Destinations[0].Name != "cloud.vendor.example" || d.Destinations[0].Names[0].Source != "cert" {
		t.Errorf("destination named %q by %+v, want the certificate's subject", d.Destinations[0].Name, d.Destinations[0].Names)
	}
	kinds := map[string]bool{}
	for _, f := range d.Findings {
		kinds[f.Kind] = true
	}
	for _, k := range []string{KindWeakTLSUsed, KindCertSelfSigned, KindCertExpired} {
		if !kinds[k] {
			t.Errorf("no %s finding; have %v", k, kinds)
		}
	}
	if tls := d.Destinations[0].TLS; tls == nil || tls.Version != "TLS 1.0" || !tls.CertSelfSigned {
		t.Errorf("tls = %+v", tls)
	}
}

// A DHCP message whose client hardware address is multicast (seen in a
// shared capture) belongs to its sender, not to a device without address.
func TestDHCPMulticastClientAddress(t *testing.T) {
	b := NewBuilder()
	b.Event(&capture.DHCPEvent{Meta: capture.Meta{File: "x.pcap", Packet: 1, Time: t0, SrcMAC: plug, Src: ap("10.30.1.1:68"),
		Dst: ap("255.255.255.255:67"), Transport: capture.UDP}, MsgType: "INFORM", ClientMAC: capture.MAC{0x01, 0, 0x5e, 0, 0, 1}})
	d := onlyDevice(t, b)
	if d.ID != plug.String() {
		t.Fatalf("device %q, want the sender %s", d.ID, plug)
	}
}

// One kind of finding for one named destination at two addresses is one
// finding (baselines compare IDs), whatever order it was built in.
func TestMergeFindingsSameID(t *testing.T) {
	mk := func(pkt uint64, msg string) result.Finding {
		return result.Finding{ID: "tls-certificate-self-signed:1", Kind: "tls-certificate-self-signed", Message: msg,
			Evidence: []result.Evidence{{Source: "flow", File: "a.pcap", Packet: pkt}}}
	}
	other := result.Finding{ID: "cleartext-protocol:2", Message: "x"}
	a := result.MergeFindings([]result.Finding{mk(9, "m"), other, mk(3, "m")}, 10)
	b := result.MergeFindings([]result.Finding{mk(3, "m"), mk(9, "m"), other}, 10)
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("merged to %d and %d findings, want 2", len(a), len(b))
	}
	got := a[1]
	if got.ID != "tls-certificate-self-signed:1" || len(got.Evidence) != 2 || got.Evidence[0].Packet != 3 || got.Evidence[1].Packet != 9 ||
		!strings.Contains(got.Message, "1 more like it") {
		t.Fatalf("merged finding = %+v", got)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("order changed the result:\n%v\n%v", a, b)
	}
}

// TestBroadcastIsNeverADevice: flows whose "client" side the flow table
// took to be a broadcast or multicast address (a DHCP server's broadcast
// offer from port 67, a DHCPv6 solicit answered by unicast) belong to the
// side that sent; the group address is a destination, never a device.
func TestBroadcastIsNeverADevice(t *testing.T) {
	bcast := capture.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	v6group := capture.MAC{0x33, 0x33, 0, 1, 0, 2}
	tests := []struct {
		name               string
		client, server     string
		clientMAC, srvMAC  capture.MAC
		wantDevice, wantTo string
	}{
		{"limited broadcast as client", "255.255.255.255:68", "192.168.1.1:67", bcast, router, router.String(), "255.255.255.255"},
		{"subnet broadcast, no link layer", "192.168.10.255:25508", "192.168.10.204:25508", capture.MAC{}, capture.MAC{}, "ip:192.168.10.204", "192.168.10.255"},
		{"IPv6 multicast as client", "[ff02::1:2]:547", "[fe80::201:2ff:fe03:405]:546", v6group, plug, plug.String(), "ff02::1:2"},
		{"public address broadcasting on the LAN", "98.245.242.69:2190", "255.255.255.255:2190", plug, bcast, plug.String(), "255.255.255.255"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			f := flow(tc.client, tc.server, 0, 1)
			f.Key.Transport = capture.UDP
			f.ClientMAC, f.ServerMAC = tc.clientMAC, tc.srvMAC
			b.Flow(f)
			d := onlyDevice(t, b)
			if d.ID != tc.wantDevice {
				t.Fatalf("device %s, want %s", d.ID, tc.wantDevice)
			}
			if len(d.Destinations) != 1 || d.Destinations[0].IP != tc.wantTo {
				t.Fatalf("destinations %+v, want %s", d.Destinations, tc.wantTo)
			}
		})
	}
}

// TestGatewayIsInfrastructure: the MAC that answers DHCP and behind
// which the internet addresses sit is the gateway: a router, never IoT,
// whatever else it says.
func TestGatewayIsInfrastructure(t *testing.T) {
	b := NewBuilder()
	b.Know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	b.Event(&capture.DHCPEvent{Meta: capture.Meta{File: "home.pcap", Packet: 2, Time: t0, SrcMAC: router, DstMAC: plug,
		Src: ap("192.168.1.1:67"), Dst: ap("192.168.1.20:68"), Transport: capture.UDP}, MsgType: "OFFER", ClientMAC: plug})
	b.Flow(flow("192.168.1.20:40000", "52.1.2.3:443", 0, 3))
	b.Flow(flow("192.168.1.20:40001", "52.1.2.4:443", 0, 5))
	// The router speaks for itself too (an mDNS announcement).
	b.Event(&capture.MDNSEvent{Meta: capture.Meta{File: "home.pcap", Packet: 9, Time: t0, SrcMAC: router,
		Src: ap("192.168.1.1:5353"), Dst: ap("224.0.0.251:5353"), Transport: capture.UDP}, Hostnames: []string{"router.local"}})
	var gw *result.Device
	devs := b.Devices()
	for i := range devs {
		if devs[i].ID == router.String() {
			gw = &devs[i]
		}
	}
	if gw == nil {
		t.Fatalf("no router device in %+v", devs)
	}
	id := gw.Identity
	if id.Type.Value != "router" || !id.Infrastructure || id.IsIoT {
		t.Fatalf("gateway type %q infrastructure %v iot %v", id.Type.Value, id.Infrastructure, id.IsIoT)
	}
	if len(id.Type.Evidence) != 2 || id.Type.Evidence[0].Source != "gateway" {
		t.Errorf("evidence %+v, want DHCP server and default route", id.Type.Evidence)
	}
}

// TestPartyWords: the parties fingerprints decides are the words the
// result model documents.
func TestPartyWords(t *testing.T) {
	for _, p := range [][2]string{
		{fingerprints.PartyFirst, result.PartyFirst}, {fingerprints.PartySupport, result.PartySupport},
		{fingerprints.PartyThird, result.PartyThird}, {fingerprints.PartyLocal, result.PartyLocal},
		{fingerprints.PartyUnclassified, result.PartyUnclassified},
	} {
		if p[0] != p[1] {
			t.Errorf("fingerprints says %q, result %q", p[0], p[1])
		}
	}
}

// TestSeparateFilesForgetsRecentDevices: with SeparateFiles, a device
// that did nothing in one file is dropped at the next file, and a flow of
// the next file from the same device makes it anew, even when it was the
// device looked up last (Builder.dev keeps the last two at hand).
func TestSeparateFilesForgetsRecentDevices(t *testing.T) {
	b := NewBuilder()
	b.SeparateFiles = true
	ans := dnsAnswer(0, 1, "api.example.com", capture.DNSRecord{Name: "api.example.com", Type: "A", Addr: netip.MustParseAddr("203.0.113.7")})
	ans.File = "a.pcap"
	b.Event(ans) // plug only receives: nothing of it is shown
	f := flow("192.168.1.20:40000", "203.0.113.9:443", time.Second, 1)
	f.File = "b.pcap"
	b.Flow(f)
	d := onlyDevice(t, b)
	if len(d.Destinations) != 1 || d.Destinations[0].Flows != 1 {
		t.Errorf("got destinations %+v, want the flow of b.pcap", d.Destinations)
	}
}
