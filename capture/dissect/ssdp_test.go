package dissect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
)

const (
	ssdpNotify = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nserver: Linux/2.6 UPnP/1.0 Belkin/1.0\r\n" +
		"LOCATION: http://192.168.1.5:49153/setup.xml\r\nNT: urn:Belkin:device:controllee:1\r\nNTS: ssdp:alive\r\n" +
		"USN: uuid:Socket-1_0-221517K0101769::urn:Belkin:device:controllee:1\r\n\r\n"
	ssdpSearch   = "M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nMan: \"ssdp:discover\"\r\nMX: 3\r\nSt: ssdp:all\r\nUser-Agent: Google Chrome/120.0 Windows\r\n\r\n"
	ssdpResponse = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=100\r\nEXT:\r\nLOCATION: http://192.168.1.2:80/description.xml\r\n" +
		"SERVER: Hue/1.0 UPnP/1.0 IpBridge/1.16.0\r\nST: upnp:rootdevice\r\nUSN: uuid:2f402f80-da50-11e1-9b23-001788255acc::upnp:rootdevice\r\n\r\n"
)

func TestSSDP(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string
		payload  string
		want     *capture.SSDPEvent // Meta filled by the test; nil: no event
		note     string
	}{
		{"NOTIFY", "192.168.1.5:1900", "239.255.255.250:1900", ssdpNotify, &capture.SSDPEvent{
			StartLine: "NOTIFY * HTTP/1.1", Server: "Linux/2.6 UPnP/1.0 Belkin/1.0", Location: "http://192.168.1.5:49153/setup.xml",
			NT: "urn:Belkin:device:controllee:1", USN: "uuid:Socket-1_0-221517K0101769::urn:Belkin:device:controllee:1"}, ""},
		{"M-SEARCH, mixed-case headers", "192.168.1.30:50000", "239.255.255.250:1900", ssdpSearch, &capture.SSDPEvent{
			StartLine: "M-SEARCH * HTTP/1.1", ST: "ssdp:all", UserAgent: "Google Chrome/120.0 Windows"}, ""},
		{"unicast response from port 1900", "192.168.1.2:1900", "192.168.1.30:50000", ssdpResponse, &capture.SSDPEvent{
			StartLine: "HTTP/1.1 200 OK", Server: "Hue/1.0 UPnP/1.0 IpBridge/1.16.0", Location: "http://192.168.1.2:80/description.xml",
			ST: "upnp:rootdevice", USN: "uuid:2f402f80-da50-11e1-9b23-001788255acc::upnp:rootdevice"}, ""},
		{"bare LF line ends and a folded header", "192.168.1.5:1900", "239.255.255.250:1900",
			"NOTIFY * HTTP/1.1\nSERVER: Linux\n  UPnP/1.0\nNT: upnp:rootdevice\n\n", &capture.SSDPEvent{
				StartLine: "NOTIFY * HTTP/1.1", Server: "Linux UPnP/1.0", NT: "upnp:rootdevice"}, ""},
		{"not SSDP on port 1900", "192.168.1.5:1900", "239.255.255.250:1900", "\x00\x01binary", nil, "ssdp: not an SSDP message"},
		{"other port", "192.168.1.5:1901", "239.255.255.250:1902", ssdpNotify, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.UDP, tc.src, tc.dst, []byte(tc.payload))
			ev := eventsOf[*capture.SSDPEvent](run(NewSSDP(), p))
			if tc.note != "" && p.Flow.Notes[tc.note] != 1 {
				t.Errorf("notes = %v, want %q", p.Flow.Notes, tc.note)
			}
			if tc.want == nil {
				if len(ev) != 0 {
					t.Fatalf("unexpected event %+v", ev[0])
				}
				return
			}
			if len(ev) != 1 {
				t.Fatalf("%d events, want 1", len(ev))
			}
			tc.want.Meta = p.Meta
			if *ev[0] != *tc.want {
				t.Errorf("got  %+v\nwant %+v", ev[0], tc.want)
			}
			if p.Flow.App != "ssdp" {
				t.Errorf("flow app = %q", p.Flow.App)
			}
		})
	}
}

func TestNTP(t *testing.T) {
	ntp := func(first, stratum byte, n int) []byte {
		b := make([]byte, n)
		b[0], b[1] = first, stratum
		return b
	}
	tests := []struct {
		name     string
		src, dst string
		payload  []byte
		want     *capture.NTPEvent
		note     string
	}{
		{"v4 client", "192.168.1.5:40000", "52.1.2.3:123", ntp(0x23, 0, 48), &capture.NTPEvent{Version: 4, Mode: 3}, ""},
		{"v3 server, stratum 2, with a MAC", "52.1.2.3:123", "192.168.1.5:123", ntp(0x1c, 2, 68), &capture.NTPEvent{Version: 3, Mode: 4, Stratum: 2}, ""},
		{"v1 symmetric active", "10.0.0.1:123", "10.0.0.2:123", ntp(0x09, 1, 48), &capture.NTPEvent{Version: 1, Mode: 1, Stratum: 1}, ""},
		{"short", "192.168.1.5:40000", "52.1.2.3:123", ntp(0x23, 0, 47), nil, "ntp: not an NTP packet"},
		{"version 0", "192.168.1.5:40000", "52.1.2.3:123", ntp(0x03, 0, 48), nil, "ntp: not an NTP packet"},
		{"version 5", "192.168.1.5:40000", "52.1.2.3:123", ntp(0x2b, 0, 48), nil, "ntp: not an NTP packet"},
		{"other port", "192.168.1.5:40000", "52.1.2.3:124", ntp(0x23, 0, 48), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.UDP, tc.src, tc.dst, tc.payload)
			ev := eventsOf[*capture.NTPEvent](run(NewNTP(), p))
			if tc.note != "" && p.Flow.Notes[tc.note] != 1 {
				t.Errorf("notes = %v, want %q", p.Flow.Notes, tc.note)
			}
			if tc.want == nil {
				if len(ev) != 0 {
					t.Fatalf("unexpected event %+v", ev[0])
				}
				return
			}
			if len(ev) != 1 {
				t.Fatalf("%d events, want 1", len(ev))
			}
			tc.want.Meta = p.Meta
			if *ev[0] != *tc.want || p.Flow.App != "ntp" {
				t.Errorf("got %+v (flow app %q), want %+v", ev[0], p.Flow.App, tc.want)
			}
		})
	}
}

func FuzzSSDP(f *testing.F) {
	fuzzDissector(f, NewSSDP, capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900",
		[]byte(ssdpNotify), []byte(ssdpSearch), []byte(ssdpResponse))
}

// ssdpReference is the event the SSDP dissector made when it read every
// header with splitHeaders (the reference parser of headers_test.go).
func ssdpReference(b []byte) capture.SSDPEvent {
	start, hs := splitHeaders(b)
	e := capture.SSDPEvent{StartLine: start}
	for _, h := range hs {
		switch strings.ToUpper(h[0]) {
		case "SERVER":
			e.Server = h[1]
		case "USER-AGENT":
			e.UserAgent = h[1]
		case "LOCATION":
			e.Location = h[1]
		case "NT":
			e.NT = h[1]
		case "ST":
			e.ST = h[1]
		case "USN":
			e.USN = h[1]
		}
	}
	return e
}

// FuzzSSDPEvent compares the dissector's event with ssdpReference's, and
// checks that it does not change when the payload is written over.
func FuzzSSDPEvent(f *testing.F) {
	for _, s := range append([]string{ssdpNotify, ssdpSearch, ssdpResponse}, headerSeeds...) {
		f.Add(uint8(0), []byte(s))
	}
	starts := []string{"M-SEARCH ", "NOTIFY ", "HTTP/1."}
	f.Fuzz(func(t *testing.T, start uint8, rest []byte) {
		b := append([]byte(starts[int(start)%len(starts)]), rest...)
		want := ssdpReference(b)
		// The message read, then the same bytes again (a repeat, in a
		// packet of its own).
		d := NewSSDP()
		p := packet(capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900", b)
		ev := eventsOf[*capture.SSDPEvent](run(d, p))
		again := packet(capture.UDP, "192.168.1.6:1900", "239.255.255.250:1900", append([]byte(nil), b...))
		again.Packet = 2
		ev = append(ev, eventsOf[*capture.SSDPEvent](run(d, again))...)
		if len(ev) != 2 {
			t.Fatalf("%d events, want 2", len(ev))
		}
		for i := range b {
			b[i] = 'x'
		}
		for i := range again.Payload {
			again.Payload[i] = 'y'
		}
		for i, m := range []capture.Meta{p.Meta, again.Meta} {
			want.Meta = m
			if *ev[i] != want {
				t.Errorf("event %d: got  %+v\nwant %+v", i+1, ev[i], want)
			}
		}
	})
}

// A message seen before gives the event it gave then (with its own
// metadata) while the cache is on, and a fresh parse's when it is off;
// what is kept stays within its bound.
func TestSSDPRepeats(t *testing.T) {
	defer func(off bool) { repeat.Off = off }(repeat.Off)
	for _, off := range []bool{false, true} {
		repeat.Off = off
		d := NewSSDP().(*SSDP)
		for i, m := range []string{ssdpNotify, ssdpSearch, ssdpNotify, ssdpResponse, ssdpSearch, ssdpNotify} {
			p := packet(capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900", []byte(m))
			p.Packet = uint64(i + 1)
			got := eventsOf[*capture.SSDPEvent](run(d, p))
			want := ssdpReference([]byte(m))
			want.Meta = p.Meta
			if len(got) != 1 || *got[0] != want {
				t.Fatalf("off %v, message %d: got %+v, want %+v", off, i+1, got, want)
			}
		}
		if n := len(d.seen.m); off && n != 0 || !off && n != 3 {
			t.Errorf("off %v: %d messages kept", off, n)
		}
	}
	repeat.Off = false
	d := NewSSDP().(*SSDP)
	for i := range 20000 {
		m := fmt.Sprintf("NOTIFY * HTTP/1.1\r\nLOCATION: http://192.168.1.5:49153/%d/setup.xml\r\nNT: urn:Belkin:device:controllee:1\r\n\r\n", i)
		p := packet(capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900", []byte(m))
		if got := eventsOf[*capture.SSDPEvent](run(d, p)); len(got) != 1 || got[0].Location != fmt.Sprintf("http://192.168.1.5:49153/%d/setup.xml", i) {
			t.Fatalf("message %d: got %+v", i, got)
		}
		if d.seen.bytes > maxRepeatBytes {
			t.Fatalf("after %d messages %d bytes kept, limit %d", i+1, d.seen.bytes, maxRepeatBytes)
		}
	}
	if n := len(d.seen.m); n == 0 || n >= 20000 {
		t.Errorf("%d messages kept of 20000: the cache should have started again", n)
	}
}

func FuzzNTP(f *testing.F) {
	b := make([]byte, 48)
	b[0] = 0x23
	fuzzDissector(f, NewNTP, capture.UDP, "192.168.1.5:40000", "52.1.2.3:123", b)
}

// BenchmarkSSDP is an announcement the dissector has seen before
// (repeated) and one it reads as if it had not (uncached: the repeat
// cache off).
func BenchmarkSSDP(b *testing.B) {
	benchRepeated(b, NewSSDP, packet(capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900", []byte(ssdpNotify)))
}

func BenchmarkNTP(b *testing.B) {
	d := NewNTP()
	p := packet(capture.UDP, "192.168.1.5:40000", "52.1.2.3:123", make([]byte, 48))
	p.Payload[0] = 0x23
	b.ReportAllocs()
	for b.Loop() {
		d.Dissect(p, func(capture.Event) {})
	}
}
