package inspect

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
)

var devMAC = capture.MAC{0x50, 0xc7, 0xbf, 0x0a, 0xbc, 0xde}

func sha1hex(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func TestMACFormsAreFound(t *testing.T) {
	m := NewMatcher(MACForms(MACAddress, devMAC, "dev"))
	md := md5.Sum([]byte("50:C7:BF:0A:BC:DE"))
	s2 := sha256.Sum256([]byte("50c7bf0abcde"))
	tests := []struct {
		name    string
		payload string
		label   string
	}{
		{"colons lower", "mac=50:c7:bf:0a:bc:de&x=1", "with colons"},
		{"colons upper", `{"mac":"50:C7:BF:0A:BC:DE"}`, "with colons"},
		{"no separators", "id=50C7BF0ABCDE;", "without separators"},
		{"dashes", "50-c7-bf-0a-bc-de", "with dashes"},
		{"url-encoded", "m=" + url.QueryEscape("50:c7:bf:0a:bc:de"), "URL-encoded with colons"},
		{"base64", "v=" + base64.StdEncoding.EncodeToString([]byte("50:c7:bf:0a:bc:de")), "base64 of lower-case with colons"},
		{"sha1 upper no sep", "h=" + sha1hex("50C7BF0ABCDE"), "SHA-1 of upper-case without separators"},
		{"md5 upper colons, upper hex", "h=" + strings.ToUpper(hex.EncodeToString(md[:])), "MD5 of upper-case with colons"},
		{"sha256 lower", "h=" + hex.EncodeToString(s2[:]) + "&", "SHA-256 of lower-case without separators"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var labels []string
			m.Find([]byte(tc.payload), func(f *Form, off int) { labels = append(labels, f.Label) })
			found := false
			for _, l := range labels {
				if l == tc.label {
					found = true
				}
			}
			if !found {
				t.Errorf("labels %q, want %q", labels, tc.label)
			}
		})
	}
	t.Run("inside a longer hex token is not a match", func(t *testing.T) {
		n := 0
		m.Find([]byte("token=aa50c7bf0abcdeff"), func(*Form, int) { n++ })
		if n != 0 {
			t.Errorf("%d matches inside a hex token", n)
		}
	})
}

func TestValueForms(t *testing.T) {
	forms := ValueForms(SerialNumber, "SN-12345678", "auditor")
	m := NewMatcher(forms)
	for _, payload := range []string{"serial=sn-12345678", "x=" + base64.StdEncoding.EncodeToString([]byte("SN-12345678")), sha1hex("sn-12345678")} {
		n := 0
		m.Find([]byte(payload), func(f *Form, off int) {
			n++
			if f.DataType != SerialNumber || f.Value != "SN-12345678" {
				t.Errorf("form %+v", f)
			}
		})
		if n == 0 {
			t.Errorf("%q not found", payload)
		}
	}
	if ValueForms(EmailAddress, "  ", "a") != nil {
		t.Error("blank value produced forms")
	}
	ph := NewMatcher(ValueForms(PhoneNumber, "+1 (555) 010-9999", "auditor"))
	n := 0
	ph.Find([]byte("tel=15550109999&"), func(*Form, int) { n++ })
	if n == 0 {
		t.Error("phone number digits-only form not found")
	}
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		name, payload, dataType, value string
	}{
		{"email", `{"user":"jane.doe+tv@example.co.uk"}`, EmailAddress, "jane.doe+tv@example.co.uk"},
		{"lat lon json", `{"lat": 48.85661, "lon": 2.35222}`, Geolocation, "48.85661,2.35222"},
		{"lat lng query", `?latitude=-33.8688&longitude=151.2093`, Geolocation, "-33.8688,151.2093"},
		{"bare pair", `loc=40.7128,-74.0060;`, Geolocation, "40.7128,-74.0060"},
		{"imei", `imei=490154203237518&`, IMEI, "490154203237518"},
		{"ad id", `{"advertising_id":"38400000-8cf0-11bd-b23e-10b96e40000d"}`, AdvertisingID, "38400000-8cf0-11bd-b23e-10b96e40000d"},
		{"mac", `neighbours=a4:77:33:01:02:03,`, MACAddress, "a4:77:33:01:02:03"},
		{"imei json", `{"deviceImei": "490154203237518"}`, IMEI, "490154203237518"},
		{"ad id camel case", `{"googleAdId":"38400000-8cf0-11bd-b23e-10b96e40000d"}`, AdvertisingID, "38400000-8cf0-11bd-b23e-10b96e40000d"},
		{"ad id plist", `<key>idfa</key><string>38400000-8cf0-11bd-b23e-10b96e40000d</string>`, AdvertisingID, "38400000-8cf0-11bd-b23e-10b96e40000d"},
		// The demo TV's query string: percent-decoded before matching.
		{"url-encoded pair", `GET /acr?loc=40.712776%2C-74.005974&v=2 HTTP/1.1`, Geolocation, "40.712776,-74.005974"},
		{"url-encoded lat lon", `q=%7B%22lat%22%3A48.85661%2C%22lon%22%3A2.35222%7D`, Geolocation, "48.85661,2.35222"},
		{"url-encoded email", `user=jane.doe%40example.com&x=1`, EmailAddress, "jane.doe@example.com"},
		{"email next to ssh-like words", `MAIL FROM:<hmac-sha@example.com>`, EmailAddress, "hmac-sha@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []PatternMatch
			ScanPatterns([]byte(tc.payload), func(m PatternMatch) { got = append(got, m) })
			for _, m := range got {
				if m.DataType == tc.dataType && m.Value == tc.value {
					return
				}
			}
			t.Errorf("got %+v, want %s %q", got, tc.dataType, tc.value)
		})
	}
	negatives := []struct{ name, payload string }{
		{"imei with bad luhn", "n=490154203237519&"},
		{"uuid without ad key", `{"session":"38400000-8cf0-11bd-b23e-10b96e40000d"}`},
		{"version numbers", "v=1.2.3,4.5.6"},
		{"out of range coordinates", `{"lat": 148.85661, "lon": 2.35222}`},
		// A Hue bridge's hex token: 15 digits inside it pass Luhn.
		{"imei inside a hex token", "imei=1&t=23d35bd8768840c391027186194650a2"},
		{"imei without a key", `"job_id":"652010620664805","nonce":"600a0000"`},
		{"imei key far away", `imei=1&` + strings.Repeat("x", 40) + `&n=490154203237518`},
		{"imei in a decimal", "imei=1.490154203237518"},
		{"ad key inside a word", `{"state":"Florida","session":"38400000-8cf0-11bd-b23e-10b96e40000d"}`},
		{"ad key far from the uuid", `{"idfa_enabled":true,"some_other_field_name_here":"38400000-8cf0-11bd-b23e-10b96e40000d"}`},
		{"ssh algorithm names", "\x00\x00\x01\x22ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519,aes128-gcm@openssh.com,aes128-ctr\x00\x00\x00\x1ahmac-sha2-256-etm@openssh.com\x00"},
	}
	for _, tc := range negatives {
		t.Run(tc.name, func(t *testing.T) {
			ScanPatterns([]byte(tc.payload), func(m PatternMatch) {
				if m.DataType != MACAddress {
					t.Errorf("false positive %+v", m)
				}
			})
		})
	}
}

// TestPatternOffsetDecoded checks where a match found after
// percent-decoding is placed: ending where its encoded form ends, so the
// inspector's "ends in the part already seen" test holds.
func TestPatternOffsetDecoded(t *testing.T) {
	p := "GET /acr?loc=40.712776%2C-74.005974&v=2"
	n := 0
	ScanPatterns([]byte(p), func(m PatternMatch) {
		if m.DataType != Geolocation {
			return
		}
		n++
		if end := strings.Index(p, "&v"); m.Offset+len(m.Value) != end {
			t.Errorf("match %+v ends at %d, want %d", m, m.Offset+len(m.Value), end)
		}
	})
	if n != 1 {
		t.Errorf("%d geolocation matches, want 1", n)
	}
}

type collect struct{ events []*PersonalDataEvent }

func (c *collect) emit(e capture.Event) {
	if p, ok := e.(*PersonalDataEvent); ok {
		c.events = append(c.events, p)
	}
}

func tcpPacket(f *capture.Flow, seq uint32, n uint64, payload string) *capture.Packet {
	return &capture.Packet{
		Meta: capture.Meta{File: "t.pcap", Packet: n, Time: time.Unix(0, 0), SrcMAC: devMAC,
			Src: f.Key.Client, Dst: f.Key.Server, Transport: capture.TCP},
		Payload: []byte(payload), Flow: f, Dir: capture.ToServer, TCPSeq: seq,
	}
}

func newFlow() *capture.Flow {
	return &capture.Flow{Key: capture.FlowKey{Client: netip.MustParseAddrPort("192.168.1.20:40000"),
		Server: netip.MustParseAddrPort("52.1.2.3:80"), Transport: capture.TCP}, App: "http"}
}

func TestInspectorAcrossSegments(t *testing.T) {
	sha := sha1hex("50C7BF0ABCDE")
	body := "GET /track?uid=" + sha + "&email=jane%40example.com HTTP/1.1\r\nHost: t.example\r\n\r\n"
	cut := strings.Index(body, sha) + 10 // split inside the hash
	tests := []struct {
		name string
		segs []struct {
			off int
			end int
		}
	}{
		{"in order", []struct{ off, end int }{{0, cut}, {cut, len(body)}}},
		{"out of order", []struct{ off, end int }{{cut, len(body)}, {0, cut}}},
		{"with retransmission overlap", []struct{ off, end int }{{0, cut}, {cut - 5, len(body)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := New(Config{})
			f := newFlow()
			f.SawSYN[capture.ToServer], f.StreamStart[capture.ToServer] = true, 1000
			c := &collect{}
			for i, s := range tc.segs {
				in.Dissect(tcpPacket(f, 1000+uint32(s.off), uint64(i+1), body[s.off:s.end]), c.emit)
			}
			var hit *PersonalDataEvent
			for _, e := range c.events {
				if e.DataType == MACAddress && e.Label == "SHA-1 of upper-case without separators" {
					hit = e
				}
			}
			if hit == nil {
				t.Fatalf("hashed MAC split across segments not found; events: %+v", c.events)
			}
			if len(hit.Packets) != 2 {
				t.Errorf("match spans packets %v, want two", hit.Packets)
			}
			if hit.Owner != devMAC.String() || !hit.FromClient || hit.Protocol != "http" {
				t.Errorf("event = %+v", hit)
			}
			if in.Buffered() != 0 {
				t.Errorf("%d bytes still buffered after the gap filled", in.Buffered())
			}
		})
	}
}

func TestInspectorCredentials(t *testing.T) {
	tests := []struct{ name, payload, want string }{
		{"ftp", "USER alice\r\nPASS s3cret\r\n", "s3cret"},
		{"http basic", "GET / HTTP/1.1\r\nAuthorization: Basic " + base64.StdEncoding.EncodeToString([]byte("bob:hunter2")) + "\r\n\r\n", "bob:hunter2"},
		{"imap", "a001 LOGIN carol pa55word\r\n", "carol:pa55word"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := New(Config{})
			f := newFlow()
			f.App = ""
			c := &collect{}
			in.Dissect(tcpPacket(f, 1, 1, tc.payload), c.emit)
			for _, e := range c.events {
				if e.DataType == Credentials && e.Value == tc.want {
					return
				}
			}
			t.Errorf("credential %q not found in %+v", tc.want, c.events)
		})
	}
}

func TestInspectorSkipsEncryptedAndBounds(t *testing.T) {
	in := New(Config{MaxStreamBytes: 64, TotalBuffer: 100})
	f := newFlow()
	f.App = "tls"
	c := &collect{}
	p := tcpPacket(f, 1, 1, "mac=50:c7:bf:0a:bc:de")
	in.Dissect(p, c.emit)
	if len(c.events) != 0 {
		t.Errorf("inspected a TLS flow: %+v", c.events)
	}
	// Out-of-order data beyond the total budget is skipped, not held.
	f2 := newFlow()
	in.Dissect(tcpPacket(f2, 1, 1, "x"), c.emit)
	for i := 0; i < 10; i++ {
		in.Dissect(tcpPacket(f2, uint32(1000+i*100), uint64(i+2), strings.Repeat("y", 60)), c.emit)
		if in.Buffered() > 100 {
			t.Fatalf("buffered %d bytes, budget 100", in.Buffered())
		}
	}
	if f2.Notes["inspect: gap skipped"] == 0 {
		t.Error("skipped gap not noted on the flow")
	}
	// Beyond MaxStreamBytes nothing more is read.
	f3 := newFlow()
	c3 := &collect{}
	in.Dissect(tcpPacket(f3, 1, 1, strings.Repeat("z", 64)), c3.emit)
	in.Dissect(tcpPacket(f3, 65, 2, "mac=50:c7:bf:0a:bc:de"), c3.emit)
	if len(c3.events) != 0 {
		t.Errorf("read past MaxStreamBytes: %+v", c3.events)
	}
}

func TestEntropyClass(t *testing.T) {
	var text, rnd, bin [256]uint32
	s := strings.Repeat("GET /index.html HTTP/1.1\r\n", 40)
	for i := 0; i < len(s); i++ {
		text[s[i]]++
	}
	for i := 0; i < 4096; i++ {
		rnd[(i*167+13)%256]++
		bin[i%16]++
	}
	for _, tc := range []struct {
		name string
		h    *[256]uint32
		n    int
		want string
	}{{"text", &text, len(s), "text"}, {"uniform", &rnd, 4096, "encrypted"}, {"low-entropy binary", &bin, 4096, "binary"}, {"too short", &text, 10, "unknown"}} {
		if got := entropyClass(tc.h, tc.n); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func FuzzInspector(f *testing.F) {
	f.Add([]byte("GET /?mac=50:c7:bf:0a:bc:de&lat=48.8566&lon=2.3522 HTTP/1.1\r\n"), uint32(1))
	f.Add([]byte("USER a\r\nPASS b\r\nAUTH PLAIN AGJvYgBwdw==\r\n"), uint32(0xfffffff0))
	f.Fuzz(func(t *testing.T, data []byte, seq uint32) {
		in := New(Config{MaxStreamBytes: 4096, TotalBuffer: 8192})
		fl := newFlow()
		c := &collect{}
		half := len(data) / 2
		in.Dissect(tcpPacket(fl, seq+uint32(half), 1, string(data[half:])), c.emit)
		in.Dissect(tcpPacket(fl, seq, 2, string(data[:half])), c.emit)
		in.FlowEnd(fl, *(&capture.Packet{Flow: fl}).State(), c.emit)
		if in.Buffered() != 0 {
			t.Fatalf("buffer not released: %d", in.Buffered())
		}
	})
}

func BenchmarkInspectorHTTP(b *testing.B) {
	in := New(Config{Known: ValueForms(EmailAddress, "jane@example.com", "auditor")})
	payload := "POST /api/v1/telemetry HTTP/1.1\r\nHost: t.example\r\nContent-Type: application/json\r\n\r\n" + strings.Repeat(`{"k":"v","n":12345},`, 60)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	c := &collect{}
	for i := 0; i < b.N; i++ {
		f := newFlow()
		in.Dissect(tcpPacket(f, 1, 1, payload), c.emit)
	}
	_ = fmt.Sprint(len(c.events))
}

// TestInspectorHalfSpaceJump: one segment exactly 2^31 past the expected
// sequence number panicked (data[-2147483648:]); it is now held as a gap
// and the stream goes on, its later bytes still inspected.
func TestInspectorHalfSpaceJump(t *testing.T) {
	in := New(Config{})
	f := newFlow()
	f.SawSYN[capture.ToServer], f.StreamStart[capture.ToServer] = true, 1000
	c := &collect{}
	first := "GET /a HTTP/1.1\r\n"
	in.Dissect(tcpPacket(f, 1000, 1, first), c.emit)
	in.Dissect(tcpPacket(f, 1000+uint32(len(first))+1<<31, 2, "JUMP"), c.emit)
	in.Dissect(tcpPacket(f, 1000+uint32(len(first)), 3, "X-Mail: jane.smith@example.com\r\n\r\n"), c.emit)
	found := false
	for _, e := range c.events {
		found = found || e.DataType == EmailAddress
	}
	if !found {
		t.Errorf("e-mail after the jump not found; events: %+v", c.events)
	}
	in.FlowEnd(f, *(&capture.Packet{Flow: f}).State(), nil)
	if in.Buffered() != 0 {
		t.Errorf("%d bytes still buffered after the flow ended", in.Buffered())
	}
}

// FuzzScanPatterns checks that every match, found in the payload or in
// its percent-decoded form, ends where its (encoded) bytes end: the
// payload up to there decodes to something ending in the value.
func FuzzScanPatterns(f *testing.F) {
	for _, s := range []string{"loc=40.712776%2C-74.005974&", "user=jane%40example.com", `{"imei":"490154203237518"}`,
		"%%2c%zz48.85661,2.35222 ", `idfa=38400000-8cf0-11bd-b23e-10b96e40000d`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		ScanPatterns(p, func(m PatternMatch) {
			end := m.Offset + len(m.Value)
			if m.Offset < 0 || end > len(p) {
				t.Fatalf("match %+v outside the payload of %d bytes", m, len(p))
			}
			dec, _ := percentDecode(p[:end])
			if dec == nil {
				dec = p[:end]
			}
			if !bytes.HasSuffix(dec, []byte(m.Value)) {
				t.Fatalf("match %+v: the payload up to %d decodes to %q", m, end, dec)
			}
		})
	})
}

// Past maxLearnedMACs every packet of an unlearned sender is counted,
// however many come in a row; learned senders are learned once, whichever
// order their packets come in.
func TestLearnMACCountsEveryPacketPastTheBound(t *testing.T) {
	in := New(Config{})
	mac := func(i int) capture.MAC { return capture.MAC{0x02, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)} }
	for i := range maxLearnedMACs {
		in.learnMAC(mac(i))
		in.learnMAC(mac(i))
	}
	n := in.m.n
	for _, i := range []int{3, 5, 3, 5, 7, 3} {
		in.learnMAC(mac(i))
	}
	if in.m.n != n || len(in.macsSeen) != maxLearnedMACs {
		t.Fatalf("learned senders added forms again: %d -> %d patterns, %d MACs", n, in.m.n, len(in.macsSeen))
	}
	for range 3 {
		in.learnMAC(mac(maxLearnedMACs))
	}
	in.learnMAC(mac(3))
	in.learnMAC(mac(maxLearnedMACs + 1))
	if _, over := in.Dropped(); over != 4 {
		t.Errorf("%d packets counted past the bound, want 4", over)
	}
}

// An ended flow's state is used again by a later flow, which must find
// what it would find in a state of its own: the same events (nothing
// held back as already reported, no match joined to the ended flow's
// last bytes) and the same entropy class.
func TestInspectorReusesEndedFlowState(t *testing.T) {
	in := New(Config{})
	seg1 := ":bc:de&note=hello X-Mail: jane.smith@example.com lat=48.85661&lon=2.35222 "
	seg2 := strings.Repeat("some plain text ", 8) + "mac=50:c7:bf:0a"
	run := func() ([]string, any) {
		f := newFlow()
		f.App = ""
		f.SawSYN[capture.ToServer], f.StreamStart[capture.ToServer] = true, 1
		var got []string
		emit := func(e capture.Event) { got = append(got, fmt.Sprintf("%+v", e)) }
		in.Dissect(tcpPacket(f, 1+uint32(len(seg1)), 1, seg2), emit) // held until seg1 fills the gap
		in.Dissect(tcpPacket(f, 1, 2, seg1), emit)
		st := *(&capture.Packet{Flow: f}).State()
		in.FlowEnd(f, st, emit)
		return got, st
	}
	first, st1 := run()
	if len(in.spareHists) == 0 || *in.spareHists[0] != [256]uint16{} {
		t.Fatal("the ended flow's histogram was not kept, emptied")
	}
	second, st2 := run()
	if st1 != st2 {
		t.Fatal("the second flow did not get the first one's state")
	}
	if len(first) < 3 {
		t.Fatalf("only %d events: %v", len(first), first)
	}
	if strings.Join(first, "\n") != strings.Join(second, "\n") {
		t.Errorf("a flow in a used state found\n%s\nwhere the first found\n%s", strings.Join(second, "\n"), strings.Join(first, "\n"))
	}
}

// Declines says what Dissect does with a packet before reading it: for
// the packets it declines Dissect learns nothing (not the device's MAC)
// and finds nothing; for the others it reads the packet.
func TestDeclinesAgreesWithDissect(t *testing.T) {
	for _, app := range []string{"", "http", capture.AppTLS, capture.AppQUIC, capture.AppSSH, capture.AppDTLS, capture.AppDHCP, capture.AppDHCPv6, capture.AppDNS, capture.AppMDNS, capture.AppLLMNR} {
		for _, dir := range []int{capture.ToServer, capture.ToClient} {
			in := New(Config{})
			f := newFlow()
			f.App = app
			p := tcpPacket(f, 1, 1, "mac=50:c7:bf:0a:bc:de")
			p.Dir = dir
			skip, _ := in.Declines(f, dir)
			c := &collect{}
			in.Dissect(p, c.emit)
			if read := len(in.macsSeen) > 0; read == skip {
				t.Errorf("app %q dir %d: Declines says skip=%v, Dissect learned a MAC: %v", app, dir, skip, read)
			}
			if skip && len(c.events) > 0 {
				t.Errorf("app %q dir %d: declined, yet found %+v", app, dir, c.events)
			}
		}
	}
}

// BenchmarkMACForms: the forms of one MAC, built each time the inspector
// learns a device (up to maxLearnedMACs).
func BenchmarkMACForms(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		MACForms(MACAddress, capture.MAC{0x3c, 0x22, 0xfb, byte(i >> 8), byte(i), 7}, "d")
	}
}

// isMAC agrees with comparing MAC.String's result, for the MAC itself,
// its other spellings and strings that differ from it in one byte.
func TestIsMAC(t *testing.T) {
	for _, mac := range []capture.MAC{{}, {0x02, 0x10, 0x20, 0xab, 0xcd, 0xef}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x9a, 0x0b, 0xc0, 0x01, 0xf2, 0x3e}} {
		s := mac.String()
		cands := []string{s, "", strings.ToUpper(s), strings.ReplaceAll(s, ":", "-"), s + ":", s[:16]}
		for i := range s {
			for _, c := range []byte{'0', '9', 'a', 'f', ':', 'g'} {
				b := []byte(s)
				b[i] = c
				cands = append(cands, string(b))
			}
		}
		for _, c := range cands {
			if got, want := isMAC(mac, c), c == s; got != want {
				t.Errorf("isMAC(%v, %q) = %v, want %v", mac, c, got, want)
			}
		}
	}
}
