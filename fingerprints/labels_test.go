package fingerprints

import (
	"strings"
	"testing"
)

func TestParseLabel(t *testing.T) {
	tests := []struct {
		in      string
		want    Label
		wantErr string
	}{
		{"5c:cf:7f:06:d9:02=Smarter/appliance/iKettle 2.0", Label{Vendor: "Smarter", Type: "appliance", Model: "iKettle 2.0", Source: "x"}, ""},
		{"5C-CF-7F-06-D9-02=Smarter", Label{Vendor: "Smarter", Source: "x"}, ""},
		{"5c:cf:7f:06:d9:02=//AC/DC 2", Label{Model: "AC/DC 2", Source: "x"}, ""},
		{"5c:cf:7f:06:d9:02=Smarter/kettle", Label{}, "unknown type"},
		{"5c:cf:7f:06:d9:02=//", Label{}, "says nothing"},
		{"kettle=Smarter", Label{}, "not a MAC"},
		{"5c:cf:7f:06:d9:02", Label{}, "MAC=vendor"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			mac, l, err := ParseLabel(tc.in, "x")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || l != tc.want || mac != [6]byte{0x5c, 0xcf, 0x7f, 6, 0xd9, 2} {
				t.Fatalf("got %x %+v %v, want %+v", mac, l, err, tc.want)
			}
		})
	}
}

func TestLoadLabels(t *testing.T) {
	m := map[[6]byte]Label{}
	err := LoadLabels(strings.NewReader("# home\n\n5c:cf:7f:06:d9:02=Smarter/appliance\nac:cf:23:62:3c:6e=ednet/hub/living gateway\n"), "labels.txt", m)
	if err != nil || len(m) != 2 || m[[6]byte{0xac, 0xcf, 0x23, 0x62, 0x3c, 0x6e}].Source != "labels.txt:4" {
		t.Fatalf("%v %+v", err, m)
	}
	err = LoadLabels(strings.NewReader("5c:cf:7f:06:d9:02=Other\n"), "more.txt", m)
	if err == nil || !strings.Contains(err.Error(), "more.txt:1") || !strings.Contains(err.Error(), "labels.txt:3") {
		t.Errorf("a MAC labelled twice: %v", err)
	}
	if err := LoadLabels(strings.NewReader("x\n"), "bad.txt", m); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("bad line: %v", err)
	}
}

// TestLabelWins: the user's label overrides every signal, is evidence
// of source "user", and a module stays shown.
func TestLabelWins(t *testing.T) {
	s := sig(espMAC, "dhcp_hostname", "ESP_06D902", "dhcp_vendor_class", "MSFT 5.0")
	s.Label = &Label{Vendor: "Smarter", Type: "appliance", Model: "iKettle 2.0", Source: "--label"}
	id := DefaultDB().Identify(s)
	if id.Vendor.Value != "Smarter" || id.Type.Value != "appliance" || id.Model.Value != "iKettle 2.0" || !id.IsIoT {
		t.Fatalf("identity %+v", id)
	}
	if id.Vendor.Confidence != 1 || id.Vendor.Evidence[0].Source != "user" || !strings.Contains(id.Vendor.Evidence[0].Detail, "--label") {
		t.Errorf("vendor claim %+v", id.Vendor)
	}
	if id.Module.Value != "Espressif" {
		t.Errorf("module %q", id.Module.Value)
	}
}
