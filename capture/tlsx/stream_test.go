package tlsx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/netip"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
)

// record wraps handshake bytes in TLS records of at most n bytes each.
func record(hs []byte, n int) []byte {
	var out []byte
	for len(hs) > 0 {
		k := min(n, len(hs))
		out = append(out, 0x16, 3, 3, byte(k>>8), byte(k))
		out = append(out, hs[:k]...)
		hs = hs[k:]
	}
	return out
}

func handshake(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func serverHelloMsg(version, cipher uint16, supported uint16) []byte {
	b := []byte{byte(version >> 8), byte(version)}
	b = append(b, make([]byte, 32)...)
	b = append(b, 0, byte(cipher>>8), byte(cipher), 0)
	var exts []byte
	if supported != 0 {
		exts = append(exts, 0, 43, 0, 2, byte(supported>>8), byte(supported))
	}
	exts = append(exts, 0xff, 0x01, 0, 1, 0)
	b = append(b, byte(len(exts)>>8), byte(len(exts)))
	return handshake(2, append(b, exts...))
}

func certificateMsg(ders ...[]byte) []byte {
	var list []byte
	for _, d := range ders {
		list = append(list, byte(len(d)>>16), byte(len(d)>>8), byte(len(d)))
		list = append(list, d...)
	}
	return handshake(11, append([]byte{byte(len(list) >> 16), byte(len(list) >> 8), byte(len(list))}, list...))
}

func selfSigned(t testing.TB) ([]byte, time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	notAfter := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "camera.local"},
		DNSNames:     []string{"camera.local", "cam.example"},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der, notAfter
}

type tcpRun struct {
	flow   *capture.Flow
	d      capture.Dissector
	events []capture.Event
	last   *capture.Packet
}

func newTCPRun(port uint16) *tcpRun {
	c := netip.MustParseAddrPort("192.168.1.5:40000")
	s := netip.AddrPortFrom(netip.MustParseAddr("52.1.2.3"), port)
	return &tcpRun{flow: &capture.Flow{Key: capture.FlowKey{Client: c, Server: s, Transport: capture.TCP}}, d: NewTLS()}
}

func (r *tcpRun) send(dir int, seq uint32, payload []byte) {
	r.flow.Packets[dir]++
	m := capture.Meta{Src: r.flow.Key.Client, Dst: r.flow.Key.Server, Transport: capture.TCP}
	if dir == capture.ToClient {
		m.Src, m.Dst = m.Dst, m.Src
	}
	r.last = &capture.Packet{Meta: m, Payload: payload, Flow: r.flow, Dir: dir, TCPSeq: seq}
	r.d.Dissect(r.last, func(e capture.Event) { r.events = append(r.events, e) })
}

type seg struct {
	dir      int
	from, to int // byte range of the direction's stream
}

func TestTLSDissectorStreams(t *testing.T) {
	client := hello("split.example")
	n := len(client)
	der, notAfter := selfSigned(t)
	server12 := append(record(serverHelloMsg(0x0303, 0xc02f, 0), 1<<14), record(certificateMsg(der), 200)...)
	server13 := record(serverHelloMsg(0x0303, 0x1301, 0x0304), 1<<14)
	const cISN, sISN = 0xfffffff0, 1000 // the client's sequence numbers wrap
	tests := []struct {
		name    string
		port    uint16
		server  []byte
		segs    []seg
		hello   bool
		srvVer  uint16
		hasCert bool
	}{
		{"whole hello, TLS 1.3 server", 443, server13, []seg{{0, 0, n}, {1, 0, len(server13)}}, true, 0x0304, false},
		{"hello in three segments on port 8883", 8883, server13, []seg{{0, 0, 20}, {0, 20, 60}, {0, 60, n}}, true, 0, false},
		{"segments out of order", 443, server13, []seg{{0, 0, 20}, {0, 60, n}, {0, 20, 60}}, true, 0, false},
		{"retransmissions and overlap", 443, server13, []seg{{0, 0, 30}, {0, 0, 30}, {0, 10, 50}, {0, 50, n}, {0, 50, n}}, true, 0, false},
		{"TLS 1.2 server flight with certificate across segments", 443, server12,
			[]seg{{0, 0, n}, {1, 0, 100}, {1, 100, 400}, {1, 400, len(server12)}}, true, 0x0303, true},
		{"gap never filled", 443, server13, []seg{{0, 0, 20}, {0, 60, n}}, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTCPRun(tt.port)
			for _, s := range tt.segs {
				data, isn := client, uint32(cISN)
				if s.dir == capture.ToClient {
					data, isn = tt.server, sISN
				}
				r.send(s.dir, isn+uint32(s.from), data[s.from:s.to])
			}
			var ch *capture.TLSEvent
			var sh *capture.TLSServerEvent
			for _, e := range r.events {
				switch e := e.(type) {
				case *capture.TLSEvent:
					if ch != nil {
						t.Error("two ClientHello events")
					}
					ch = e
				case *capture.TLSServerEvent:
					sh = e
				}
			}
			if tt.hello != (ch != nil) {
				t.Fatalf("ClientHello event %v, want %v (notes %v)", ch != nil, tt.hello, r.flow.Notes)
			}
			if ch != nil {
				want, _ := fingerprints.JA4(&ch.Hello)
				if ch.Hello.SNI != "split.example" || r.flow.ServerName != "split.example" || r.flow.App != "tls" || ch.JA4 != want || ch.JA3 == "" {
					t.Errorf("hello %+v, flow %q %q", ch, r.flow.App, r.flow.ServerName)
				}
			}
			if tt.srvVer == 0 {
				return
			}
			if sh == nil {
				t.Fatalf("no server event (notes %v)", r.flow.Notes)
			}
			if sh.Version != tt.srvVer || sh.HasCert != tt.hasCert {
				t.Errorf("server event version %#x cert %v", sh.Version, sh.HasCert)
			}
			if tt.hasCert {
				if sh.Subject != "camera.local" || len(sh.SANs) != 2 || sh.SANs[1] != "cam.example" || !sh.SelfSigned || !sh.NotAfter.Equal(notAfter) || sh.Issuer != "camera.local" {
					t.Errorf("certificate %+v", sh)
				}
			}
			if *r.last.State() != nil {
				t.Error("state kept after both directions were read")
			}
		})
	}
}

func TestTLSDissectorDeclines(t *testing.T) {
	tests := []struct {
		name     string
		payloads [][]byte
	}{
		{"HTTP", [][]byte{[]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")}},
		{"binary protocol", [][]byte{{0x16, 0x04, 0x00, 0x01}, {0x00, 0x01}}},
		{"handshake record from the server only", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTCPRun(443)
			for i := range startTLSWindow + 2 {
				p := []byte("x")
				if len(tt.payloads) > 0 {
					p = tt.payloads[i%len(tt.payloads)]
				}
				r.send(capture.ToServer, uint32(100*i), p)
				r.send(capture.ToClient, uint32(100*i), hello("server.example"))
			}
			if len(r.events) != 0 || r.flow.App == "tls" || *r.last.State() != nil {
				t.Errorf("events %d, app %q, state %v", len(r.events), r.flow.App, *r.last.State())
			}
		})
	}
}

func TestParseClientHelloErrors(t *testing.T) {
	rec := hello("example.com")
	for n := range len(rec) {
		if _, err := ParseClientHello(rec[:n]); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("prefix of %d bytes: %v, want ErrIncomplete", n, err)
		}
	}
	hs := rec[5:]
	tests := []struct {
		name string
		in   []byte
		want error // nil: parses; else errors.Is target, or a non-nil error when ErrNotTLS is not it
	}{
		{"hello over records of 50 bytes", record(hs, 50), nil},
		{"application data", []byte{0x17, 3, 3, 0, 5, 1, 2, 3, 4, 5}, ErrNotTLS},
		{"ServerHello where a ClientHello should be", record(serverHelloMsg(0x0303, 0x1301, 0), 100), errAny},
		{"zero-length record", []byte{0x16, 3, 1, 0, 0}, errAny},
		{"alert interrupting the handshake", append(record(hs[:30], 30), 0x15, 3, 3, 0, 2, 2, 40), errAny},
		{"hello body cut inside the extensions", record(handshake(1, hs[4:64]), 1000), errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseClientHello(tt.in)
			switch {
			case tt.want == nil && (err != nil || h.SNI != "example.com"):
				t.Errorf("got %+v, %v", h, err)
			case tt.want == errAny && (err == nil || errors.Is(err, ErrIncomplete)):
				t.Errorf("err = %v, want a parse error", err)
			case tt.want != nil && tt.want != errAny && !errors.Is(err, tt.want):
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestParseServerHello(t *testing.T) {
	tests := []struct {
		name            string
		msg             []byte
		version, cipher uint16
	}{
		{"TLS 1.2", serverHelloMsg(0x0303, 0xc030, 0), 0x0303, 0xc030},
		{"TLS 1.3 via supported_versions", serverHelloMsg(0x0303, 0x1302, 0x0304), 0x0304, 0x1302},
		{"TLS 1.0", serverHelloMsg(0x0301, 0x002f, 0), 0x0301, 0x002f},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, msg, err := ParseServerHello(record(tt.msg, 16))
			if err != nil || sh.Version != tt.version || sh.Cipher != tt.cipher || len(msg) != len(tt.msg) {
				t.Errorf("got %+v (%d bytes), %v", sh, len(msg), err)
			}
		})
	}
}

func BenchmarkParseClientHelloJA4(b *testing.B) {
	rec := hello("bench.example")
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		h, err := ParseClientHello(rec)
		if err != nil {
			b.Fatal(err)
		}
		fingerprints.JA4(h)
	}
}

func BenchmarkTLSDissector(b *testing.B) {
	rec := hello("bench.example")
	b.ReportAllocs()
	for b.Loop() {
		r := newTCPRun(443)
		r.send(capture.ToServer, 1, rec[:100])
		r.send(capture.ToServer, 101, rec[100:])
	}
}

// Each TLS dissector has a certificate cache of its own (it was one for
// the process, shared by every scan), and a zero TLS, with none, still
// reads certificates.
func TestCertCachePerDissector(t *testing.T) {
	der, _ := selfSigned(t)
	server12 := append(record(serverHelloMsg(0x0303, 0xc02f, 0), 1<<14), record(certificateMsg(der), 200)...)
	client := hello("cert.example")
	run := func(d capture.Dissector) *capture.TLSServerEvent {
		r := newTCPRun(443)
		r.d = d
		r.send(capture.ToServer, 1, client)
		r.send(capture.ToClient, 1, server12)
		for _, e := range r.events {
			if sh, ok := e.(*capture.TLSServerEvent); ok {
				return sh
			}
		}
		t.Fatalf("no server event (notes %v)", r.flow.Notes)
		return nil
	}
	a, b := NewTLS().(*TLS), NewTLS().(*TLS)
	if sh := run(a); !sh.HasCert || sh.Subject != "camera.local" {
		t.Fatalf("server event %+v", sh)
	}
	if len(a.certs.m) != 1 || len(b.certs.m) != 0 {
		t.Fatalf("caches hold %d and %d certificates, want 1 (the dissector that saw it) and 0", len(a.certs.m), len(b.certs.m))
	}
	if sh := run(&TLS{}); !sh.HasCert || sh.Subject != "camera.local" || !sh.SelfSigned {
		t.Fatalf("zero TLS: server event %+v", sh)
	}
}

// A certificate seen again is summarised from the cache, the same as the
// first time; a full cache starts again.
func TestCertCache(t *testing.T) {
	der, _ := selfSigned(t)
	c := newCertCache()
	first, ok := c.get(der)
	if !ok || !first.selfSigned || first.subject == "" {
		t.Fatalf("first parse: %+v %v", first, ok)
	}
	again, ok := c.get(der)
	if !ok || again.subject != first.subject || again.selfSigned != first.selfSigned || !again.notAfter.Equal(first.notAfter) || len(c.m) != 1 {
		t.Fatalf("cached: %+v (%d entries)", again, len(c.m))
	}
	if _, ok := c.get([]byte("not a certificate")); ok {
		t.Fatal("garbage parsed as a certificate")
	}
	for i := 0; len(c.m) < certCacheSize; i++ {
		c.m[string([]byte{byte(i), byte(i >> 8), 1})] = certSummary{}
	}
	if _, ok := c.get([]byte("another")); ok || len(c.m) != 1 {
		t.Fatalf("a new entry in a full cache: %d entries, want 1", len(c.m))
	}
	// Bounded in bytes too: DER of maxCertBytes/4 each, four kept at most.
	c = newCertCache()
	big := make([]byte, maxCertBytes/4)
	for i := range 9 {
		big[0] = byte(i)
		c.get(big)
		if c.bytes > maxCertBytes || len(c.m) > 4 {
			t.Fatalf("after %d certificates: %d entries, %d bytes", i+1, len(c.m), c.bytes)
		}
	}
	if len(c.m) == 0 {
		t.Fatal("nothing kept")
	}
}

// TestStreamHalfSpaceJump: a segment exactly 2^31 past the expected
// sequence number is neither before nor after it in RFC 1982 terms; with
// int32 arithmetic place sliced data[-2147483648:]. It now counts as a
// gap too far to wait for.
func TestStreamHalfSpaceJump(t *testing.T) {
	for _, tc := range []struct {
		name string
		jump uint32
		ok   bool
		buf  string
	}{
		{"2^31 ahead", 1 << 31, false, "abcdef"},
		{"2^31-1 ahead", 1<<31 - 1, false, "abcdef"},
		{"2^31+1 (behind: a retransmission)", 1<<31 + 1, true, "abcdef"},
		{"2^32-1 (one byte behind: overlaps by one)", 1<<32 - 1, true, "abcdefUMP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d stream
			d.add(1000, []byte("abcdef"))
			if got := d.add(1006+tc.jump, []byte("JUMP")); got != tc.ok {
				t.Errorf("add = %v, want %v", got, tc.ok)
			}
			if string(d.buf) != tc.buf || d.next != 1000+uint32(len(tc.buf)) {
				t.Errorf("buf %q next %d, want %q", d.buf, d.next, tc.buf)
			}
		})
	}
}

// BenchmarkTLSHandshake is one TLS 1.2 connection as most are seen: the
// ClientHello whole in the client's first segment, the ServerHello and
// the certificate in the server's first two. Its allocations are the
// dissector's cost per TLS flow.
func BenchmarkTLSHandshake(b *testing.B) {
	client := hello("bench.example")
	der, _ := selfSigned(b)
	server := append(record(serverHelloMsg(0x0303, 0xc02f, 0), 1<<14), record(certificateMsg(der), 200)...)
	b.ReportAllocs()
	for b.Loop() {
		r := newTCPRun(443)
		r.send(capture.ToServer, 1, client)
		r.send(capture.ToClient, 1, server[:100])
		r.send(capture.ToClient, 101, server[100:])
		if len(r.events) != 2 {
			b.Fatalf("%d events", len(r.events))
		}
	}
}
