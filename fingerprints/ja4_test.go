package fingerprints

import (
	"strings"
	"testing"
)

// foxioExample is the ClientHello of FoxIO's JA4 specification
// (technical_details/JA4.md), with GREASE values added where Chrome sends
// them: they must not change any form.
func foxioExample() *ClientHello {
	return &ClientHello{
		Version:      0x0303,
		CipherSuites: []uint16{0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		Extensions: []uint16{0x8a8a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
			0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x3a3a},
		SNI:               "example.com",
		ALPN:              []string{"h2", "http/1.1"},
		SupportedVersions: []uint16{0x7a7a, 0x0304, 0x0303},
		SignatureAlgs:     []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
	}
}

// chrome143 is a Chrome 143 ClientHello as browserleaks.com reported it
// (JA3 text, JA4 and JA4_o published side by side), GREASE added.
func chrome143() *ClientHello {
	return &ClientHello{
		Version:      0x0303,
		CipherSuites: []uint16{0xdada, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53},
		Extensions: []uint16{0x0a0a, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27,
			0xfafa},
		SNI:               "tls.browserleaks.com",
		ALPN:              []string{"h2", "http/1.1"},
		SupportedVersions: []uint16{0x4a4a, 0x0304, 0x0303},
		SignatureAlgs:     []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
		Curves:            []uint16{0x1a1a, 4588, 29, 23, 24},
		PointFormats:      []uint8{0},
	}
}

func TestJA4Vectors(t *testing.T) {
	tests := []struct {
		name                   string
		hello                  *ClientHello
		ja4, ja4r, ja4o, ja4ro string
	}{
		{
			name:  "FoxIO specification example",
			hello: foxioExample(),
			ja4:   "t13d1516h2_8daaf6152771_e5627efa2ab1",
			ja4r:  "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
			ja4o:  "t13d1516h2_acb858a92679_18f69afefd3d",
			ja4ro: "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601",
		},
		{
			name:  "Chrome 143 (browserleaks)",
			hello: chrome143(),
			ja4:   "t13d1516h2_8daaf6152771_d8a2da3f94cd",
			ja4r:  "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
			ja4o:  "t13d1516h2_acb858a92679_f96a17c57971",
			ja4ro: "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b_0403,0804,0401,0503,0805,0501,0806,0601",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ja4, ja4r := JA4(tt.hello)
			ja4o, ja4ro := JA4O(tt.hello)
			for _, c := range []struct{ form, got, want string }{
				{"JA4", ja4, tt.ja4}, {"JA4_r", ja4r, tt.ja4r}, {"JA4_o", ja4o, tt.ja4o}, {"JA4_ro", ja4ro, tt.ja4ro},
			} {
				if c.got != c.want {
					t.Errorf("%s\n got %s\nwant %s", c.form, c.got, c.want)
				}
			}
		})
	}
}

// TestJA4Parts checks each rule of part a and the empty-list and
// no-signature-algorithm cases of parts b and c.
func TestJA4Parts(t *testing.T) {
	many := make([]uint16, 120)
	for i := range many {
		many[i] = uint16(0x1000 + i)
	}
	noSigs := foxioExample()
	noSigs.SignatureAlgs = nil
	tests := []struct {
		name   string
		modify func(h *ClientHello)
		want   string // prefix of JA4, or the whole of it
	}{
		{"quic", func(h *ClientHello) { h.QUIC = true }, "q13d1516h2_"},
		{"dtls 1.2 from the handshake version", func(h *ClientHello) {
			h.DTLS, h.Version, h.SupportedVersions = true, 0xfefd, nil
		}, "dd2d1516h2_"},
		{"dtls 1.3 from supported_versions", func(h *ClientHello) {
			h.DTLS, h.Version, h.SupportedVersions = true, 0xfefd, []uint16{0xfefc, 0xfefd}
		}, "dd3d1516h2_"},
		{"no supported_versions: legacy version", func(h *ClientHello) { h.SupportedVersions = nil }, "t12d1516h2_"},
		{"only GREASE in supported_versions", func(h *ClientHello) { h.SupportedVersions = []uint16{0x0a0a} }, "t12d1516h2_"},
		{"tls 1.0", func(h *ClientHello) { h.SupportedVersions, h.Version = nil, 0x0301 }, "t10d"},
		{"ssl 3", func(h *ClientHello) { h.SupportedVersions, h.Version = nil, 0x0300 }, "ts3d"},
		{"unknown version", func(h *ClientHello) { h.SupportedVersions, h.Version = nil, 0x0999 }, "t00d"},
		{"no SNI extension", func(h *ClientHello) { h.Extensions = h.Extensions[3:] }, "t13i1514h2_"},
		{"no ALPN", func(h *ClientHello) { h.ALPN = nil }, "t13d151600_"},
		{"empty first ALPN", func(h *ClientHello) { h.ALPN = []string{"", "h2"} }, "t13d151600_"},
		{"http/1.1", func(h *ClientHello) { h.ALPN = []string{"http/1.1"} }, "t13d1516h1_"},
		{"one-character ALPN", func(h *ClientHello) { h.ALPN = []string{"x"} }, "t13d1516xx_"},
		{"non-ASCII ALPN", func(h *ClientHello) { h.ALPN = []string{"\xba\xad"} }, "t13d151699_"},
		{"non-ASCII last byte", func(h *ClientHello) { h.ALPN = []string{"h\xff"} }, "t13d1516h9_"},
		{"separator in ALPN", func(h *ClientHello) { h.ALPN = []string{"_a"} }, "t13d15169a_"},
		{"counts capped at 99", func(h *ClientHello) { h.CipherSuites, h.Extensions = many, many }, "t13i9999h2_"},
		{"no ciphers, no extensions", func(h *ClientHello) {
			h.CipherSuites, h.Extensions, h.SignatureAlgs, h.SupportedVersions = nil, nil, nil, nil
		}, "t12i0000h2_000000000000_000000000000"},
		{"only SNI and ALPN extensions", func(h *ClientHello) {
			h.Extensions, h.SignatureAlgs = []uint16{0, 16}, nil
		}, "t13d1502h2_8daaf6152771_000000000000"},
		// FoxIO's specification: without signature algorithms the
		// extension list is hashed alone, without a trailing '_'.
		{"no signature algorithms", func(h *ClientHello) { h.SignatureAlgs = nil }, "t13d1516h2_8daaf6152771_6d807ffa2a79"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := foxioExample()
			tt.modify(h)
			got, raw := JA4(h)
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("JA4 = %s, want prefix %s", got, tt.want)
			}
			if got[:10] != raw[:10] || strings.Count(raw, "_") < 2 {
				t.Errorf("JA4_r %s does not share part a with %s", raw, got)
			}
			o, ro := JA4O(h)
			if o[:10] != got[:10] || ro[:10] != got[:10] {
				t.Errorf("original-order forms %s %s differ in part a from %s", o, ro, got)
			}
		})
	}
}

func TestIsGREASE(t *testing.T) {
	for v := 0; v <= 0xffff; v++ {
		want := v>>8 == v&0xff && v&0x0f == 0x0a
		if got := IsGREASE(uint16(v)); got != want {
			t.Fatalf("IsGREASE(%#04x) = %v", v, got)
		}
	}
}

func FuzzJA4(f *testing.F) {
	f.Add([]byte{3, 3, 0x13, 1, 0xc0, 0x2f, 0, 0, 0, 16, 0, 43, 4, 3, 8, 4}, "h2", false, false)
	f.Add([]byte{}, "", true, false)
	f.Add([]byte{0xfe, 0xfd, 0x0a, 0x0a}, "\xff_", false, true)
	f.Fuzz(func(t *testing.T, b []byte, alpn string, quic, dtls bool) {
		// Spread the bytes over the lists: every field gets hostile values.
		var vs []uint16
		for i := 0; i+1 < len(b); i += 2 {
			vs = append(vs, uint16(b[i])<<8|uint16(b[i+1]))
		}
		h := &ClientHello{QUIC: quic, DTLS: dtls, ALPN: []string{alpn}, PointFormats: b}
		if len(vs) > 0 {
			h.Version = vs[0]
			n := len(vs)
			h.CipherSuites, h.Extensions, h.SignatureAlgs, h.SupportedVersions, h.Curves = vs[:n/2], vs[n/2:], vs[n/3:], vs[:n/4], vs[n/4:]
		}
		ja4, ja4r := JA4(h)
		ja4o, ja4ro := JA4O(h)
		checkSameAsReference(t, h)
		for _, s := range []string{ja4, ja4o} {
			if len(s) != 36 || strings.Count(s, "_") != 2 {
				t.Fatalf("malformed JA4 %q", s)
			}
		}
		if ja4r[:10] != ja4[:10] || ja4ro[:10] != ja4[:10] || ja4o[:10] != ja4[:10] {
			t.Fatalf("part a differs: %s %s %s %s", ja4, ja4r, ja4o, ja4ro)
		}
		JA3(h)
	})
}

func BenchmarkJA4(b *testing.B) {
	h := chrome143()
	b.ReportAllocs()
	for b.Loop() {
		JA4(h)
	}
}

func BenchmarkJA3(b *testing.B) {
	h := chrome143()
	b.ReportAllocs()
	for b.Loop() {
		JA3(h)
	}
}

// TestJA4OnlySNI follows FoxIO's vector for a hello whose only extension
// is SNI (socks-https-example.pcap): JA4_ro lists 0000, yet JA4_o's part
// c is the empty-list value.
func TestJA4OnlySNI(t *testing.T) {
	h := &ClientHello{Version: 0x0301, CipherSuites: []uint16{0x0039, 0x0038, 0x00ff}, Extensions: []uint16{0x0000}}
	tests := []struct {
		name, got, want string
	}{
		{"JA4", first(JA4(h)), "t10d030100_" + hash12("0038,0039,00ff") + "_000000000000"},
		{"JA4_r", second(JA4(h)), "t10d030100_0038,0039,00ff_"},
		{"JA4_o", first(JA4O(h)), "t10d030100_" + hash12("0039,0038,00ff") + "_000000000000"},
		{"JA4_ro", second(JA4O(h)), "t10d030100_0039,0038,00ff_0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func first(a, _ string) string  { return a }
func second(_, b string) string { return b }

// checkSameAsReference fails t when JA4, JA4O or JA3 give other strings
// than the reference implementations (ref_test.go).
func checkSameAsReference(t *testing.T, h *ClientHello) {
	t.Helper()
	for _, sorted := range []bool{true, false} {
		hashed, raw := ja4Forms(h, sorted)
		if wh, wr := refJA4Forms(h, sorted); hashed != wh || raw != wr {
			t.Errorf("sorted %v: JA4 forms %s %s, reference %s %s", sorted, hashed, raw, wh, wr)
		}
	}
	gh, gr := JA3(h)
	if wh, wr := refJA3(h); gh != wh || gr != wr {
		t.Errorf("JA3 %s %s, reference %s %s", gh, gr, wh, wr)
	}
}

// The vectors' hellos, and ones with more values than the functions'
// stack buffers hold, give the reference implementations' strings.
func TestJA4SameAsReference(t *testing.T) {
	big := make([]uint16, 300)
	for i := range big {
		big[i] = uint16(i*7919) ^ 0x5a5a
	}
	for _, h := range []*ClientHello{foxioExample(), chrome143(), {},
		{Version: 0xfefd, DTLS: true, CipherSuites: big, Extensions: big, SignatureAlgs: big, Curves: big, PointFormats: []uint8{0, 1, 2, 255}, ALPN: []string{"x"}}} {
		checkSameAsReference(t, h)
	}
}
