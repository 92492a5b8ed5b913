package tlsx

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
)

// hello builds a minimal TLS 1.3 ClientHello record.
func hello(sni string) []byte {
	ext := func(typ uint16, data []byte) []byte {
		return append([]byte{byte(typ >> 8), byte(typ), byte(len(data) >> 8), byte(len(data))}, data...)
	}
	name := []byte(sni)
	sniData := append([]byte{0, byte(len(name) + 3), 0, 0, byte(len(name))}, name...)
	var exts []byte
	exts = append(exts, ext(0x0a0a, nil)...) // GREASE
	exts = append(exts, ext(0, sniData)...)
	exts = append(exts, ext(16, []byte{0, 3, 2, 'h', '2'})...)
	exts = append(exts, ext(43, []byte{4, 0x03, 0x04, 0x03, 0x03})...)
	exts = append(exts, ext(13, []byte{0, 4, 0x04, 0x03, 0x08, 0x04})...)
	exts = append(exts, ext(10, []byte{0, 2, 0, 0x1d})...)
	body := []byte{3, 3}
	body = append(body, make([]byte, 32)...)
	body = append(body, 0)
	body = append(body, 0, 6, 0x1a, 0x1a, 0x13, 0x01, 0xc0, 0x2f)
	body = append(body, 1, 0)
	body = append(body, byte(len(exts)>>8), byte(len(exts)))
	body = append(body, exts...)
	hs := append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{0x16, 3, 1, byte(len(hs) >> 8), byte(len(hs))}, hs...)
}

func TestParseClientHello(t *testing.T) {
	h, err := ParseClientHello(hello("example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if h.SNI != "example.com" || len(h.ALPN) != 1 || h.ALPN[0] != "h2" || len(h.CipherSuites) != 3 || len(h.Extensions) != 6 {
		t.Fatalf("hello = %+v", h)
	}
	ja4, ja4r := fingerprints.JA4(h)
	// t, TLS 1.3 from supported_versions, SNI present, 2 ciphers and 5
	// extensions once GREASE is removed, ALPN h2.
	if ja4[:10] != "t13d0205h2" {
		t.Errorf("JA4 = %s", ja4)
	}
	if ja4r != "t13d0205h2_1301,c02f_000a,000d,002b_0403,0804" {
		t.Errorf("JA4_r = %s", ja4r)
	}
	if _, err := ParseClientHello(hello("example.com")[:40]); err != ErrIncomplete {
		t.Errorf("truncated hello: %v, want ErrIncomplete", err)
	}
}

func TestTLSDissectorAcrossSegments(t *testing.T) {
	rec := hello("split.example")
	s, d := netip.MustParseAddrPort("192.168.1.5:40000"), netip.MustParseAddrPort("52.1.2.3:8443")
	f := &capture.Flow{Key: capture.FlowKey{Client: s, Server: d, Transport: capture.TCP}}
	var ev []capture.Event
	x := NewTLS()
	for i, seg := range [][]byte{rec[:20], rec[20:]} {
		p := &capture.Packet{Meta: capture.Meta{Src: s, Dst: d, Transport: capture.TCP}, Payload: seg, Flow: f, Dir: capture.ToServer, TCPSeq: uint32(100 + 20*i)}
		x.Dissect(p, func(e capture.Event) { ev = append(ev, e) })
	}
	if len(ev) != 1 || ev[0].(*capture.TLSEvent).Hello.SNI != "split.example" || f.App != "tls" || f.ServerName != "split.example" {
		t.Fatalf("events = %+v, flow %s %s", ev, f.App, f.ServerName)
	}
}

func TestGQUICCHLO(t *testing.T) {
	chlo := []byte("CHLO")
	chlo = append(chlo, 2, 0, 0, 0)
	chlo = append(chlo, 'S', 'N', 'I', 0, 11, 0, 0, 0)
	chlo = append(chlo, 'U', 'A', 'I', 'D', 18, 0, 0, 0) // end offsets are cumulative
	chlo = append(chlo, "example.com"...)
	chlo = append(chlo, "ChromeX"...)
	tags := parseCHLO(chlo)
	if string(tags["SNI\x00"]) != "example.com" || string(tags["UAID"]) != "ChromeX" {
		t.Errorf("tags = %q", tags)
	}
	if parseCHLO([]byte("CHLO\xff\xff")) != nil {
		t.Error("absurd tag count accepted")
	}
}

func FuzzParseClientHello(f *testing.F) {
	f.Add(hello("a.example"))
	f.Add(hello("")[:30])
	f.Add(append(record(serverHelloMsg(0x0303, 0xc02f, 0), 100), record(certificateMsg([]byte{0x30, 0x03, 0x02, 0x01, 0x01}), 100)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, err := ParseClientHello(b); err == nil {
			fingerprints.JA4(h)
			fingerprints.JA3(h)
		}
		_, _, _ = ParseServerHello(b)
		// The dissector on both directions: the server side reaches the
		// certificate parser when the bytes start like a ServerHello.
		r := newTCPRun(443)
		r.send(capture.ToServer, 1, hello("fuzz.example"))
		r.send(capture.ToClient, 1, b)
		r.send(capture.ToClient, 1+uint32(len(b)), b)
	})
}

func FuzzDTLSAndGQUIC(f *testing.F) {
	f.Add([]byte{0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 1, 0, 0, 8, 0, 0, 0, 0, 0, 0, 8, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0})
	f.Add([]byte("\x08Q043CHLO\x01\x00\x00\x00SNI\x00\x03\x00\x00\x00abc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, d := netip.MustParseAddrPort("10.0.0.1:5000"), netip.MustParseAddrPort("10.0.0.2:443")
		for _, x := range []capture.Dissector{NewDTLS(), NewGQUIC()} {
			f := &capture.Flow{Key: capture.FlowKey{Client: s, Server: d, Transport: capture.UDP}}
			p := &capture.Packet{Meta: capture.Meta{Src: s, Dst: d, Transport: capture.UDP}, Payload: b, Flow: f, Dir: capture.ToServer}
			x.Dissect(p, func(capture.Event) {})
		}
	})
}

// The cipher suites, the extension types and the lists of uint16 the
// extensions hold share one array: appending to one list leaves the
// others as they were, and a hello with an empty extension block has no
// extension list, as before they shared it.
func TestHelloListsIndependent(t *testing.T) {
	h, err := ParseClientHello(hello("lists.example"))
	if err != nil {
		t.Fatal(err)
	}
	exts := append([]uint16(nil), h.Extensions...)
	_ = append(h.CipherSuites, 0xffff, 0xffff)
	if !slices.Equal(h.Extensions, exts) || len(h.Extensions) != 6 {
		t.Errorf("extensions %v after appending to the cipher suites, want %v", h.Extensions, exts)
	}
	// The lists of supported_versions, signature_algorithms and
	// supported_groups share it too: with each extension twice (the
	// last counts), one list with a bad length (empty, not nil, as
	// u16list made it), one with an odd byte.
	ext := func(typ uint16, data ...byte) []byte {
		return append([]byte{byte(typ >> 8), byte(typ), byte(len(data) >> 8), byte(len(data))}, data...)
	}
	var exts2 []byte
	for _, e := range [][]byte{
		ext(10, 0, 4, 0, 0x1d, 0, 0x17), ext(43, 4, 3, 4, 3, 3), ext(13, 0, 2, 4, 3), ext(0xff01, 0),
		ext(10, 0, 6, 0, 0x1d, 0, 0x17, 0, 0x18), ext(43, 3, 3, 4, 3), ext(13, 0, 9, 4, 3), ext(16, 0, 3, 2, 'h', '2'),
	} {
		exts2 = append(exts2, e...)
	}
	body2 := append([]byte{3, 3}, make([]byte, 32)...)
	body2 = append(body2, 0, 0, 4, 0x13, 0x01, 0x13, 0x02, 1, 0, byte(len(exts2)>>8), byte(len(exts2)))
	body2 = append(body2, exts2...)
	h, err = ParseHandshake(append([]byte{1, 0, 0, byte(len(body2))}, body2...))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]uint16{{0x1301, 0x1302}, {10, 43, 13, 0xff01, 10, 43, 13, 16}, {0x001d, 0x0017, 0x0018}, {0x0304}, {}}
	got := [][]uint16{h.CipherSuites, h.Extensions, h.Curves, h.SupportedVersions, h.SignatureAlgs}
	for i := range got {
		if !slices.Equal(got[i], want[i]) || got[i] == nil {
			t.Fatalf("list %d = %#v, want %#v", i, got[i], want[i])
		}
	}
	for i := range got {
		_ = append(got[i], 0xeeee, 0xeeee, 0xeeee)
		for j := range got {
			if !slices.Equal(got[j], want[j]) {
				t.Fatalf("list %d = %#v after appending to list %d, want %#v", j, got[j], i, want[j])
			}
		}
	}
	body := append([]byte{3, 3}, make([]byte, 32)...)
	body = append(body, 0, 0, 2, 0x13, 0x01, 1, 0, 0, 0) // no session id, one suite, null compression, empty extensions
	h, err = ParseHandshake(append([]byte{1, 0, 0, byte(len(body))}, body...))
	if err != nil || h.Extensions != nil || !slices.Equal(h.CipherSuites, []uint16{0x1301}) {
		t.Errorf("empty extension block: %+v, %v", h, err)
	}
}
