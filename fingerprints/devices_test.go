package fingerprints

import (
	"strings"
	"testing"
)

func sig(mac [6]byte, kv ...string) *Signals {
	s := &Signals{MAC: mac, HasMAC: true}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "domain" {
			s.Domains = append(s.Domains, Signal{Value: kv[i+1], Ref: Ref{File: "t", Packet: 1}})
			continue
		}
		s.Add(kv[i], kv[i+1], Ref{File: "t", Packet: uint64(i + 2)})
	}
	return s
}

var (
	tplinkMAC = [6]byte{0x50, 0xc7, 0xbf, 1, 2, 3}
	espMAC    = [6]byte{0x5c, 0xcf, 0x7f, 1, 2, 3}
	randMAC   = [6]byte{0xda, 0xa1, 0x19, 1, 2, 3}
	belkinMAC = [6]byte{0x94, 0x10, 0x3e, 1, 2, 3}
)

func TestIdentify(t *testing.T) {
	db := DefaultDB()
	if db.Rules() < 50 {
		t.Fatalf("only %d rules", db.Rules())
	}
	tests := []struct {
		name                string
		s                   *Signals
		vendor, typ, model  string
		iot                 bool
		minVendorConfidence float64
	}{
		{"OUI alone: vendor, modest confidence, no type", sig(tplinkMAC), "TP-Link", "", "", true, 0.6},
		{"Kasa plug by DHCP host name and cloud", sig(tplinkMAC, "dhcp_hostname", "HS110(EU)", "domain", "devs.tplinkcloud.com"), "TP-Link", "plug", "HS110(EU)", true, 0.95},
		{"module OUI gives way to the product's cloud", sig(espMAC, "domain", "a1.tuyaus.com"), "Tuya", "", "", true, 0.5},
		{"HomeKit category and model", sig(randMAC, "mdns_service", "_hap._tcp", "mdns_txt", "ci=7", "mdns_txt", "md=Eve Energy"), "", "plug", "Eve Energy", true, 0},
		{"UPnP description", sig(belkinMAC, "upnp_manufacturer", "Belkin International Inc.", "upnp_model", "Socket 1.0", "ssdp_type", "urn:Belkin:device:controllee:1"), "Belkin", "plug", "Socket 1.0", true, 0.9},
		{"Android phone", sig(randMAC, "dhcp_vendor_class", "android-dhcp-13", "dhcp_hostname", "Pixel-7"), "Google", "phone", "Pixel-7", false, 0.6},
		{"Windows computer", sig(randMAC, "dhcp_vendor_class", "MSFT 5.0"), "", "computer", "", false, 0},
		{"no signal, randomised MAC: unknown, not guessed", sig(randMAC), "", "", "", true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := db.Identify(tc.s)
			if id.Vendor.Value != tc.vendor || id.Type.Value != tc.typ || id.Model.Value != tc.model || id.IsIoT != tc.iot {
				t.Fatalf("identity = %q/%q/%q iot=%v, want %q/%q/%q iot=%v", id.Vendor.Value, id.Type.Value, id.Model.Value, id.IsIoT, tc.vendor, tc.typ, tc.model, tc.iot)
			}
			if id.Vendor.Confidence < tc.minVendorConfidence || id.Vendor.Confidence > 1 {
				t.Errorf("vendor confidence %.2f", id.Vendor.Confidence)
			}
			if id.Vendor.Value != "" && len(id.Vendor.Evidence) == 0 {
				t.Error("a vendor without evidence")
			}
		})
	}
}

func TestIdentifyShowsConflicts(t *testing.T) {
	id := DefaultDB().Identify(sig(tplinkMAC, "upnp_manufacturer", "Belkin International Inc."))
	if len(id.Conflicts) == 0 || id.Conflicts[0].Field != "vendor" || len(id.Conflicts[0].Claims) != 2 {
		t.Fatalf("conflicts = %+v", id.Conflicts)
	}
}

func TestRuleFileErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad regexp", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: '('}\n    type: plug\n    note: x\n", "t.yaml:3"},
		{"unknown signal", "version: 1\nrules:\n  - id: a\n    match: {dhcp_colour: 'x'}\n    type: plug\n    note: x\n", "unknown signal"},
		{"unknown type", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: 'x'}\n    type: toaster\n    note: x\n", "unknown type"},
		{"duplicate id", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: 'x'}\n    type: plug\n    note: x\n  - id: a\n    match: {dhcp_hostname: 'y'}\n    type: plug\n    note: y\n", "repeated"},
		{"concludes nothing", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: 'x'}\n    note: x\n", "concludes nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := &DB{kb: DefaultKB()}
			err := db.Load(strings.NewReader(tc.yaml), "t.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzLoadRules(f *testing.F) {
	f.Add([]byte("version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: '^x'}\n    type: plug\n    note: x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		db := &DB{kb: DefaultKB()}
		if db.Load(strings.NewReader(string(b)), "f.yaml") == nil {
			db.Identify(sig(tplinkMAC, "dhcp_hostname", "x"))
		}
	})
}

func BenchmarkIdentify(b *testing.B) {
	db := DefaultDB()
	s := sig(tplinkMAC, "dhcp_hostname", "HS110(EU)", "dhcp_vendor_class", "udhcp 0.9.9", "domain", "devs.tplinkcloud.com", "mdns_service", "_hap._tcp")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		db.Identify(s)
	}
}
