package fingerprints

import "testing"

func TestJA3(t *testing.T) {
	tests := []struct {
		name      string
		hello     *ClientHello
		hash, raw string
	}{
		{
			// Salesforce's JA3 README example.
			name: "Salesforce README",
			hello: &ClientHello{
				Version:      769,
				CipherSuites: []uint16{47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
				Extensions:   []uint16{0, 10, 11},
				Curves:       []uint16{23, 24, 25},
				PointFormats: []uint8{0},
			},
			hash: "ada70206e40642a3e4461f35503241d5",
			raw:  "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0",
		},
		{
			// GREASE in ciphers, extensions and curves is removed; the
			// version is legacy_version even for TLS 1.3.
			name:  "Chrome 143 (browserleaks)",
			hello: chrome143(),
			hash:  "98487aa16281980e7d1120d399efb6a4",
			raw:   "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0",
		},
		{
			name:  "empty lists",
			hello: &ClientHello{Version: 771, CipherSuites: []uint16{0x0a0a}},
			hash:  "", // checked against raw only
			raw:   "771,,,,",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, raw := JA3(tt.hello)
			if raw != tt.raw {
				t.Errorf("raw = %s, want %s", raw, tt.raw)
			}
			if tt.hash != "" && hash != tt.hash {
				t.Errorf("hash = %s, want %s", hash, tt.hash)
			}
			if len(hash) != 32 {
				t.Errorf("hash %q is not 32 hex digits", hash)
			}
		})
	}
}
