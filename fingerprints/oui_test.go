package fingerprints

import "testing"

func TestLookupOUI(t *testing.T) {
	tests := []struct {
		mac  [6]byte
		want string
		ok   bool
	}{
		{[6]byte{0x50, 0xc7, 0xbf, 0, 0xc7, 0x03}, "TP-LINK TECHNOLOGIES CO.,LTD.", true},
		{[6]byte{0x00, 0x17, 0x88, 0x24, 0x76, 0xff}, "Philips Lighting BV", true},
		{[6]byte{0x5c, 0xcf, 0x7f, 0x07, 0xae, 0xfb}, "Espressif Inc.", true},
		{[6]byte{0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x01}, "TELEPLATFORMS", true}, // MA-S
		{[6]byte{0xda, 0xa1, 0x19, 0x6e, 0x20, 0x44}, "", false},             // locally administered
	}
	for _, tc := range tests {
		got, ok := LookupOUI(tc.mac)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%x: %q %v, want %q %v", tc.mac, got, ok, tc.want, tc.ok)
		}
	}
	if OUIDate() == "" {
		t.Error("registry snapshot has no date")
	}
	if !IsModuleMaker("Espressif Inc.") || IsModuleMaker("Belkin International Inc.") {
		t.Error("module maker detection")
	}
}

func BenchmarkLookupOUI(b *testing.B) {
	mac := [6]byte{0x50, 0xc7, 0xbf, 0, 0xc7, 0x03}
	LookupOUI(mac)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		LookupOUI(mac)
	}
}
