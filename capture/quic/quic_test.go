package quic

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/tlsx"
)

// readHex reads a testdata file of hex lines ('#' lines are comments).
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(l, "#") {
			sb.WriteString(strings.TrimSpace(l))
		}
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

var rfcDCID = mustHex("8394c8f03e515708")

// TestInitialKeys checks key derivation against RFC 9001 A.1 and RFC
// 9369 A.1.
func TestInitialKeys(t *testing.T) {
	tests := []struct {
		name         string
		version      uint32
		server       bool
		key, iv, hp  string
		wantErrorFor bool
	}{
		{"v1 client", Version1, false, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2", false},
		{"v1 server", Version1, true, "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314", false},
		{"v2 client", Version2, false, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9", false},
		{"unknown version", 0xdeadbeef, false, "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := InitialKeys(tt.version, rfcDCID, tt.server)
			if tt.wantErrorFor {
				if !errors.Is(err, ErrUnsupportedVersion) {
					t.Fatalf("err = %v, want ErrUnsupportedVersion", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(k.Key); got != tt.key {
				t.Errorf("key %s, want %s", got, tt.key)
			}
			if got := hex.EncodeToString(k.IV); got != tt.iv {
				t.Errorf("iv %s, want %s", got, tt.iv)
			}
			if got := hex.EncodeToString(k.HP); got != tt.hp {
				t.Errorf("hp %s, want %s", got, tt.hp)
			}
		})
	}
}

// TestDecryptRFCClientInitial decrypts the sample client Initial packets
// of RFC 9001 A.2 (v1) and RFC 9369 A.2 (v2) and reads the ClientHello.
func TestDecryptRFCClientInitial(t *testing.T) {
	frame := readHex(t, "rfc9001-a2-crypto-frame.hex")
	tests := []struct {
		name    string
		file    string
		version uint32
	}{
		{"RFC 9001 A.2 (v1)", "rfc9001-a2-client-initial.hex", Version1},
		{"RFC 9369 A.2 (v2)", "rfc9369-a2-client-initial.hex", Version2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkt, rest, err := DecryptInitial(readHex(t, tt.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if pkt.Version != tt.version || !bytes.Equal(pkt.DCID, rfcDCID) || len(pkt.SCID) != 0 || pkt.Number != 2 || len(rest) != 0 {
				t.Errorf("packet version %#x dcid %x scid %x pn %d rest %d", pkt.Version, pkt.DCID, pkt.SCID, pkt.Number, len(rest))
			}
			// The plaintext is the CRYPTO frame, then PADDING to 1162 bytes.
			if len(pkt.Payload) != 1162 || !bytes.HasPrefix(pkt.Payload, frame) || bytes.ContainsFunc(pkt.Payload[len(frame):], func(r rune) bool { return r != 0 }) {
				t.Fatalf("payload (%d bytes) is not the RFC's frame plus padding: %x", len(pkt.Payload), pkt.Payload[:min(64, len(pkt.Payload))])
			}
			frags, err := CryptoFrames(pkt.Payload)
			if err != nil || len(frags) != 1 || frags[0].Offset != 0 || len(frags[0].Data) != 241 {
				t.Fatalf("frames %v, err %v", frags, err)
			}
			h, err := tlsx.ParseHandshake(frags[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			h.QUIC = true
			e := tlsx.HelloEvent(capture.Meta{}, h)
			// Two ciphers (1301, 1302), eleven extensions, ALPN "alpn".
			if h.SNI != "example.com" || len(h.ALPN) != 1 || h.ALPN[0] != "alpn" || !strings.HasPrefix(e.JA4, "q13d0211an_") {
				t.Errorf("SNI %q ALPN %q JA4 %s", h.SNI, h.ALPN, e.JA4)
			}
		})
	}
}

// seal protects a client Initial as a QUIC client would: 4-byte packet
// number, AES-128-GCM, header protection. TestSealMatchesRFC checks it
// against the RFC's own packet, so the dissector tests below can build
// packets RFC 9001 would.
func seal(t testing.TB, version uint32, dcid, keyDCID, scid []byte, pn uint32, payload []byte) []byte {
	t.Helper()
	p, _ := params(version)
	k, err := InitialKeys(version, keyDCID, false)
	if err != nil {
		t.Fatal(err)
	}
	hdr := []byte{0xc3 | p.initialType<<4}
	hdr = binary.BigEndian.AppendUint32(hdr, version)
	hdr = append(hdr, byte(len(dcid)))
	hdr = append(hdr, dcid...)
	hdr = append(hdr, byte(len(scid)))
	hdr = append(hdr, scid...)
	hdr = append(hdr, 0) // no token
	length := 4 + len(payload) + 16
	hdr = append(hdr, 0x40|byte(length>>8), byte(length))
	pnOff := len(hdr)
	hdr = binary.BigEndian.AppendUint32(hdr, pn)
	block, _ := aes.NewCipher(k.Key)
	aead, _ := cipher.NewGCM(block)
	nonce := append([]byte(nil), k.IV...)
	for i := range 4 {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	out := aead.Seal(append([]byte(nil), hdr...), nonce, payload, hdr)
	hp, _ := aes.NewCipher(k.HP)
	var mask [16]byte
	hp.Encrypt(mask[:], out[pnOff+4:pnOff+20])
	out[0] ^= mask[0] & 0x0f
	for i := range 4 {
		out[pnOff+i] ^= mask[1+i]
	}
	return out
}

func TestSealMatchesRFC(t *testing.T) {
	payload := make([]byte, 1162)
	copy(payload, readHex(t, "rfc9001-a2-crypto-frame.hex"))
	for _, c := range []struct {
		version uint32
		file    string
	}{{Version1, "rfc9001-a2-client-initial.hex"}, {Version2, "rfc9369-a2-client-initial.hex"}} {
		if got, want := seal(t, c.version, rfcDCID, rfcDCID, nil, 2, payload), readHex(t, c.file); !bytes.Equal(got, want) {
			t.Errorf("version %#x: sealed packet differs from the RFC's", c.version)
		}
	}
}

// cryptoFrame encodes a CRYPTO frame.
func cryptoFrame(off int, data []byte) []byte {
	f := []byte{0x06, 0x80 | byte(off>>24), byte(off >> 16), byte(off >> 8), byte(off), 0x40 | byte(len(data)>>8), byte(len(data))}
	return append(f, data...)
}

func padded(frames ...[]byte) []byte {
	var p []byte
	for _, f := range frames {
		p = append(p, f...)
	}
	return append(p, make([]byte, max(0, 1150-len(p)))...)
}

type flowRun struct {
	flow   *capture.Flow
	d      capture.Dissector
	events []capture.Event
}

func newRun() *flowRun {
	c, s := netip.MustParseAddrPort("192.168.1.20:51000"), netip.MustParseAddrPort("203.0.113.9:8443")
	return &flowRun{
		flow: &capture.Flow{Key: capture.FlowKey{Client: c, Server: s, Transport: capture.UDP}},
		d:    NewQUIC(),
	}
}

func (r *flowRun) send(dir int, payload []byte) *capture.Packet {
	r.flow.Packets[dir]++
	m := capture.Meta{Src: r.flow.Key.Client, Dst: r.flow.Key.Server, Transport: capture.UDP}
	if dir == capture.ToClient {
		m.Src, m.Dst = m.Dst, m.Src
	}
	p := &capture.Packet{Meta: m, Payload: payload, Flow: r.flow, Dir: dir}
	r.d.Dissect(p, func(e capture.Event) { r.events = append(r.events, e) })
	return p
}

func (r *flowRun) hello(t *testing.T) *capture.TLSEvent {
	t.Helper()
	if len(r.events) != 1 {
		t.Fatalf("%d events, want 1 (notes %v)", len(r.events), r.flow.Notes)
	}
	e, ok := r.events[0].(*capture.TLSEvent)
	if !ok || !e.QUIC || e.Hello.SNI != "example.com" || e.JA4[0] != 'q' {
		t.Fatalf("event %+v", r.events[0])
	}
	if r.flow.App != "quic" || r.flow.ServerName != "example.com" {
		t.Errorf("flow app %q server name %q", r.flow.App, r.flow.ServerName)
	}
	return e
}

func TestDissector(t *testing.T) {
	hello := readHex(t, "rfc9001-a2-crypto-frame.hex")[4:] // the ClientHello itself
	serverCID := mustHex("f067a5502a4262b5")
	retryCID := mustHex("0102030405060708090a")
	dg := func(version uint32, pn uint32, frames ...[]byte) []byte {
		return seal(t, version, rfcDCID, rfcDCID, nil, pn, padded(frames...))
	}
	tests := []struct {
		name      string
		datagrams [][]byte
	}{
		{"one Initial", [][]byte{dg(Version1, 0, cryptoFrame(0, hello))}},
		{"v2", [][]byte{dg(Version2, 0, cryptoFrame(0, hello))}},
		{"draft-29", [][]byte{dg(VersionDraft29, 0, cryptoFrame(0, hello))}},
		{"frames shuffled in one packet, PING and ACK between", [][]byte{dg(Version1, 0,
			cryptoFrame(150, hello[150:]), []byte{0x01}, cryptoFrame(0, hello[:70]), []byte{0x02, 0, 0, 0, 0}, cryptoFrame(70, hello[70:150]))}},
		{"split over two datagrams, second first", [][]byte{
			dg(Version1, 1, cryptoFrame(100, hello[100:])),
			dg(Version1, 0, cryptoFrame(0, hello[:100])),
		}},
		{"duplicate and overlapping fragments", [][]byte{
			dg(Version1, 0, cryptoFrame(0, hello[:120])),
			dg(Version1, 0, cryptoFrame(0, hello[:120])),
			dg(Version1, 1, cryptoFrame(60, hello[60:])),
		}},
		{"two Initials coalesced in one datagram", [][]byte{
			append(dg(Version1, 0, cryptoFrame(0, hello[:90])), dg(Version1, 1, cryptoFrame(90, hello[90:]))...),
		}},
		{"second Initial to the server's CID, keys from the first DCID", [][]byte{
			dg(Version1, 0, cryptoFrame(0, hello[:90])),
			seal(t, Version1, serverCID, rfcDCID, nil, 1, padded(cryptoFrame(90, hello[90:]))),
		}},
		{"after a Retry, keys from the new DCID", [][]byte{
			dg(Version1, 0, cryptoFrame(0, hello[:90])),
			seal(t, Version1, retryCID, retryCID, nil, 1, padded(cryptoFrame(0, hello))),
		}},
		{"Initial then coalesced junk", [][]byte{append(dg(Version1, 0, cryptoFrame(0, hello)), 0xe0, 0, 0, 0, 1, 0xff)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun()
			var last *capture.Packet
			for _, d := range tt.datagrams {
				last = r.send(capture.ToServer, d)
			}
			e := r.hello(t)
			if !strings.HasPrefix(e.JA4, "q13d0211an_") {
				t.Errorf("JA4 %s", e.JA4)
			}
			if *last.State() != nil {
				t.Error("state kept after the ClientHello was read")
			}
		})
	}
}

func TestDissectorGivesUp(t *testing.T) {
	hello := readHex(t, "rfc9001-a2-crypto-frame.hex")[4:]
	tests := []struct {
		name      string
		datagrams [][]byte
		note      string // a note the flow must carry, if any
	}{
		{"DNS-like datagrams", [][]byte{{0x12, 0x34, 1, 0, 0, 1}, {0x12, 0x35, 1, 0, 0, 1}, {0x12, 0x36, 1, 0, 0, 1}}, ""},
		{"long header of an unknown version", [][]byte{append([]byte{0xc0, 0xde, 0xad, 0xbe, 0xef, 8}, make([]byte, 1200)...)}, ""},
		{"Initial that does not authenticate", [][]byte{func() []byte {
			b := seal(t, Version1, rfcDCID, rfcDCID, nil, 0, padded(cryptoFrame(0, hello)))
			b[len(b)-1] ^= 1
			return b
		}()}, "quic: " + ErrDecrypt.Error()},
		{"gap never filled", func() [][]byte {
			var ds [][]byte
			for i := range maxTries {
				ds = append(ds, seal(t, Version1, rfcDCID, rfcDCID, nil, uint32(i), padded(cryptoFrame(100, hello[100:]))))
			}
			return ds
		}(), ""},
		{"ClientHello announcing 16 MiB", [][]byte{seal(t, Version1, rfcDCID, rfcDCID, nil, 0, padded(cryptoFrame(0, []byte{1, 0xff, 0xff, 0xff, 3, 3})))}, "quic: ClientHello too long"},
		{"CRYPTO offset beyond bounds", [][]byte{seal(t, Version1, rfcDCID, rfcDCID, nil, 0, padded(cryptoFrame(1<<20, hello)))}, "quic: " + ErrTooLarge.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun()
			for _, d := range tt.datagrams {
				r.send(capture.ToServer, d)
			}
			if len(r.events) != 0 {
				t.Errorf("events %v", r.events)
			}
			if tt.note != "" && r.flow.Notes[tt.note] == 0 {
				t.Errorf("notes %v, want %q", r.flow.Notes, tt.note)
			}
		})
	}
}

func TestReassembler(t *testing.T) {
	msg := append([]byte{1, 0, 0, 20}, bytes.Repeat([]byte{7}, 20)...)
	tests := []struct {
		name  string
		frags []Fragment
		whole bool
	}{
		{"in order", []Fragment{{0, msg[:10]}, {10, msg[10:]}}, true},
		{"reverse", []Fragment{{20, msg[20:]}, {10, msg[10:20]}, {0, msg[:10]}}, true},
		{"overlaps", []Fragment{{5, msg[5:15]}, {0, msg[:8]}, {12, msg[12:]}}, true},
		{"gap", []Fragment{{0, msg[:10]}, {12, msg[12:]}}, false},
		{"header only", []Fragment{{0, msg[:4]}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reassembler
			for _, f := range tt.frags {
				if err := r.Add(f); err != nil {
					t.Fatal(err)
				}
			}
			m, ok := r.Message()
			if ok != tt.whole || (ok && !bytes.Equal(m, msg)) {
				t.Errorf("Message() = %x, %v", m, ok)
			}
		})
	}
	var r Reassembler
	for i := range maxPending {
		if err := r.Add(Fragment{uint64(100 + 2*i), []byte{1}}); err != nil {
			t.Fatalf("fragment %d: %v", i, err)
		}
	}
	if err := r.Add(Fragment{5000, []byte{1}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("fragment past the pending bound: %v", err)
	}
}

func FuzzQUICInitial(f *testing.F) {
	f.Add(readHex(f, "rfc9001-a2-client-initial.hex"))
	f.Add(readHex(f, "rfc9369-a2-client-initial.hex"))
	f.Add(readHex(f, "rfc9001-a2-crypto-frame.hex"))
	f.Add([]byte{0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x41, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if pkt, _, err := DecryptInitial(b, nil); err == nil {
			_, _ = CryptoFrames(pkt.Payload)
		}
		// The plaintext paths, reached directly with hostile bytes.
		frags, _ := CryptoFrames(b)
		var r Reassembler
		for _, fr := range frags {
			_ = r.Add(fr)
		}
		_ = r.Add(Fragment{0, b})
		if m, ok := r.Message(); ok {
			_, _ = tlsx.ParseHandshake(m)
		}
		run := newRun()
		for range 3 {
			run.send(capture.ToServer, b)
		}
	})
}

func BenchmarkDecryptInitial(b *testing.B) {
	pkt := readHex(b, "rfc9001-a2-client-initial.hex")
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		p, _, err := DecryptInitial(pkt, nil)
		if err != nil {
			b.Fatal(err)
		}
		frags, _ := CryptoFrames(p.Payload)
		h, err := tlsx.ParseHandshake(frags[0].Data)
		if err != nil {
			b.Fatal(err)
		}
		h.QUIC = true
		tlsx.HelloEvent(capture.Meta{}, h)
	}
}
