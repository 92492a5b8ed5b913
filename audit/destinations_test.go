package audit

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

func aRecord(name, addr string) capture.DNSRecord {
	return capture.DNSRecord{Name: name, Type: "A", Addr: netip.MustParseAddr(addr)}
}

func httpHost(pkt uint64, client, server, host string) *capture.HTTPEvent {
	return &capture.HTTPEvent{Meta: capture.Meta{File: "home.pcap", Packet: pkt, Time: t0.Add(time.Second), SrcMAC: plug,
		Src: ap(client), Dst: ap(server), Transport: capture.TCP}, Method: "GET", Host: host, Path: "/"}
}

func serverCert(pkt uint64, client, server, subject string) *capture.TLSServerEvent {
	return &capture.TLSServerEvent{Meta: capture.Meta{File: "home.pcap", Packet: pkt, Time: t0.Add(time.Second), DstMAC: plug,
		Src: ap(server), Dst: ap(client), Transport: capture.TCP}, Version: 0x0303, HasCert: true, Subject: subject}
}

func nameList(dst result.Destination) string {
	var l []string
	for _, n := range dst.Names {
		l = append(l, n.Name+"/"+n.Source)
	}
	return strings.Join(l, " ")
}

// A destination is shown by its best name; an IP literal from a Host
// header and a certificate name that is no host name are only aliases.
func TestDisplayName(t *testing.T) {
	const c, s = "192.168.1.20:40000", "52.212.170.9:80"
	tests := []struct {
		name      string
		events    []capture.Event
		wantName  string
		wantNames string
	}{
		{"ip literal in Host", []capture.Event{dnsAnswer(0, 1, "mp-eu-sas-1.auto.mydlink.com", aRecord("mp-eu-sas-1.auto.mydlink.com", "52.212.170.9")),
			httpHost(4, c, s, "52.212.170.9:80")},
			"mp-eu-sas-1.auto.mydlink.com", "mp-eu-sas-1.auto.mydlink.com/dns 52.212.170.9/http"},
		{"ip literal in Host, no dns", []capture.Event{httpHost(4, c, s, "52.212.170.9")}, "", "52.212.170.9/http"},
		{"certificate name that is no host name", []capture.Event{dnsAnswer(0, 1, "dc.connect.smartthings.com", aRecord("dc.connect.smartthings.com", "52.212.170.9")),
			serverCert(6, c, s, "st_srv_2015")},
			"dc.connect.smartthings.com", "dc.connect.smartthings.com/dns st_srv_2015/cert"},
		{"certificate host name loses to the device's dns answer", []capture.Event{dnsAnswer(0, 1, "a.example.com", aRecord("a.example.com", "52.212.170.9")),
			serverCert(6, c, s, "edge.cdn.example.net")},
			"a.example.com", "a.example.com/dns edge.cdn.example.net/cert"},
		{"certificate host name when nothing else", []capture.Event{serverCert(6, c, s, "edge.cdn.example.net")},
			"edge.cdn.example.net", "edge.cdn.example.net/cert"},
		{"Host name beats a certificate", []capture.Event{serverCert(6, c, s, "edge.cdn.example.net"), httpHost(4, c, s, "api.example.com")},
			"api.example.com", "api.example.com/http edge.cdn.example.net/cert"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			for _, e := range tc.events {
				b.Event(e)
			}
			b.Flow(flow(c, s, time.Second, 3))
			d := onlyDevice(t, b)
			if len(d.Destinations) != 1 {
				t.Fatalf("%d destinations", len(d.Destinations))
			}
			dst := d.Destinations[0]
			if dst.Name != tc.wantName || nameList(dst) != tc.wantNames {
				t.Errorf("name %q, names %q; want %q, %q", dst.Name, nameList(dst), tc.wantName, tc.wantNames)
			}
		})
	}
}

// A name learned later names the earlier flows to the same address too.
func TestNameLearnedLaterNamesEarlierFlows(t *testing.T) {
	b := NewBuilder()
	b.Flow(flow("192.168.1.20:40000", "52.1.2.3:443", time.Second, 1)) // ended before the answer
	b.Event(dnsAnswer(30*time.Second, 9, "api.example.com", aRecord("api.example.com", "52.1.2.3")))
	b.Flow(flow("192.168.1.20:40001", "52.1.2.3:443", 31*time.Second, 10))
	b.Flow(flow("192.168.1.20:40002", "52.9.9.9:443", 40*time.Second, 20)) // never named
	d := onlyDevice(t, b)
	if len(d.Destinations) != 2 {
		t.Fatalf("got %d destinations, want the named one and 52.9.9.9: %+v", len(d.Destinations), d.Destinations)
	}
	dst := d.Destinations[0]
	if dst.Name != "api.example.com" || dst.Flows != 2 || dst.BytesOut != 2000 || dst.Packet != 1 || !dst.First.Equal(t0.Add(time.Second)) {
		t.Errorf("named destination = %s, %d flows, %d bytes out, first packet %d", dst.Name, dst.Flows, dst.BytesOut, dst.Packet)
	}
	if d.Destinations[1].Name != "" || d.Destinations[1].IP != "52.9.9.9" {
		t.Errorf("second destination = %+v", d.Destinations[1])
	}
}

// The same flow in two overlapping input files: both copies are named.
func TestSameFlowTwiceKeepsItsName(t *testing.T) {
	b := NewBuilder()
	b.Event(&capture.TLSEvent{Meta: capture.Meta{File: "a.pcap", Packet: 3, Time: t0.Add(time.Second), SrcMAC: plug,
		Src: ap("192.168.1.20:40000"), Dst: ap("52.1.2.3:443"), Transport: capture.TCP},
		Hello: fingerprints.ClientHello{SNI: "api.example.com", Version: 0x0303}, JA4: "t13d1516h2_x_y"})
	short := flow("192.168.1.20:40000", "52.1.2.3:443", time.Second, 1)
	short.Packets, short.Bytes = [2]uint64{1, 0}, [2]uint64{300, 0}
	b.Flow(short)
	full := flow("192.168.1.20:40000", "52.1.2.3:443", time.Second, 1)
	full.File = "b.pcap"
	full.Packets = [2]uint64{5, 4}
	b.Flow(full)
	d := onlyDevice(t, b)
	if len(d.Destinations) != 1 || d.Destinations[0].Name != "api.example.com" || d.Destinations[0].PacketsOut != 6 {
		t.Fatalf("destinations = %+v", d.Destinations)
	}
}

// The owner is the organisation of the name the device used; a CNAME
// target or a published address range says where it is hosted.
func TestOwnerAndHost(t *testing.T) {
	know := &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	tests := []struct {
		name                                string
		dst                                 result.Destination
		org, cat, party, hosting, hostingBy string
	}{
		{"vendor name on a cloud's CNAME", result.Destination{Name: "api.allegionengage.com", IP: "13.69.1.1",
			Names: []result.NameSeen{{Name: "api.allegionengage.com", Source: "dns"}, {Name: "allegion-prod.cloudapp.net", Source: "dns-cname"}}},
			"Allegion", "iot-cloud", "third", "Microsoft", "dns-cname:allegion-prod.cloudapp.net"},
		{"vendor name in a cloud's range", result.Destination{Name: "dcp.dc1.philips.com", IP: "54.158.44.113",
			Names: []result.NameSeen{{Name: "dcp.dc1.philips.com", Source: "dns"}}},
			"Philips", "service", "third", "Amazon Web Services", "ip-range:54.144.0.0/12"},
		{"unknown name on a cloud: its owner is unknown", result.Destination{Name: "api.unheard-of.example", IP: "54.158.44.113",
			Names: []result.NameSeen{{Name: "api.unheard-of.example", Source: "dns"}, {Name: "x.us-east-1.elb.amazonaws.com", Source: "dns-cname"}}},
			"", "", "unclassified", "Amazon Web Services", "dns-cname:x.us-east-1.elb.amazonaws.com"},
		{"bare address in a published range", result.Destination{IP: "54.158.44.113"},
			"Amazon Web Services", "cloud", "support", "Amazon Web Services", "ip-range:54.144.0.0/12"},
		{"bare address of a public resolver", result.Destination{IP: "208.67.222.222"},
			"OpenDNS (Cisco)", "dns", "support", "", ""},
		{"time server of an unknown owner", result.Destination{Name: "ntp2.unheard-of.example", IP: "203.0.113.5"},
			"", "time", "support", "", ""},
		{"bare address nobody publishes", result.Destination{IP: "203.0.113.5"},
			"", "", "unclassified", "", ""},
		{"bare address speaking NTP", result.Destination{IP: "203.0.113.5", Port: 123, Protocols: []string{"ntp"}},
			"", "time", "support", "", ""},
		{"bare address answering DNS", result.Destination{IP: "203.0.113.5", Port: 53, Protocols: []string{"dns"}},
			"", "dns", "support", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := tc.dst
			know.classify(nil, "tp-link", &dst)
			if dst.Organization != tc.org || dst.Category != tc.cat || dst.Party != tc.party || dst.Hosting != tc.hosting || dst.HostingBy != tc.hostingBy {
				t.Errorf("got %q %q %q hosted on %q (%s), want %q %q %q hosted on %q (%s)", dst.Organization, dst.Category, dst.Party,
					dst.Hosting, dst.HostingBy, tc.org, tc.cat, tc.party, tc.hosting, tc.hostingBy)
			}
			if tc.org != "" && tc.hostingBy != "" && strings.HasPrefix(dst.ClassifiedBy, "ip-range") && dst.Confidence >= confName {
				t.Errorf("an owner from the address alone has confidence %v", dst.Confidence)
			}
		})
	}
}

// A domain nobody listed is the vendor's own when it starts with the
// vendor's name; short names are words and match nothing.
func TestVendorNamedDomain(t *testing.T) {
	know := &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	tests := []struct{ vendor, name, org, party string }{
		{"tp-link", "use1-api.tplinkra-unlisted.com", "TP-Link", "first"},
		{"edimax", "cam.myedimax-unlisted.net", "Edimax", "first"},
		{"sengled", "sengledcloud-unlisted.com", "Sengled", "first"},
		{"ring", "api.ringcentral-unlisted.com", "", "unclassified"}, // "ring" is a word
		{"tp-link", "api.someone-else.example", "", "unclassified"},
		{"", "use1-api.tplinkra-unlisted.com", "", "unclassified"},
	}
	for _, tc := range tests {
		dst := result.Destination{Name: tc.name, IP: "203.0.113.9", Names: []result.NameSeen{{Name: tc.name, Source: "dns"}}}
		know.classify(nil, tc.vendor, &dst)
		if dst.Organization != tc.org || dst.Party != tc.party || (tc.org != "" && dst.Confidence >= confName) {
			t.Errorf("%s to a %q device: %q %s (%v), want %q %s", tc.name, tc.vendor, dst.Organization, dst.Party, dst.Confidence, tc.org, tc.party)
		}
	}
}

// A worker's remembered look-ups classify as looking every name up: the
// same destinations, classified twice through one lookups (the second
// time from it), come out as classified without one.
func TestLookupsSameClassification(t *testing.T) {
	know := &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	dests := func() []result.Destination {
		return []result.Destination{
			{Name: "devs.tplinkcloud.com", IP: "52.1.2.3", Names: []result.NameSeen{{Name: "devs.tplinkcloud.com", Source: "dns"}, {Name: "x.cloudfront.net", Source: "dns-cname"}}},
			{Name: "use1-api.tplinkra-unlisted.com", IP: "203.0.113.9", Names: []result.NameSeen{{Name: "use1-api.tplinkra-unlisted.com", Source: "dns"}}},
			{Name: "time.google.com", IP: "216.239.35.0", Names: []result.NameSeen{{Name: "time.google.com", Source: "dns"}}},
			{Name: "app-measurement.com", IP: "142.250.1.1", Names: []result.NameSeen{{Name: "app-measurement.com", Source: "sni"}}},
			{IP: "8.8.8.8", Protocols: []string{"dns"}},
			{Name: "nobody.example", IP: "198.51.100.7", Names: []result.NameSeen{{Name: "nobody.example", Source: "dns"}}},
		}
	}
	var lk lookups
	for _, vendor := range []string{"tp-link", "", "google"} {
		want := dests()
		for i := range want {
			know.classify(nil, vendor, &want[i])
		}
		for round := range 2 {
			got := dests()
			for i := range got {
				know.classify(&lk, vendor, &got[i])
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("vendor %q, round %d: %+v, want %+v", vendor, round, got, want)
			}
		}
	}
	if len(lk.m) == 0 {
		t.Fatal("nothing remembered")
	}
}
