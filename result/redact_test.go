package result

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	r := &Result{Devices: []Device{{
		ID: "50:c7:bf:0a:bc:de", MAC: "50:c7:bf:0a:bc:de",
		IPs: []AddrSeen{{IP: "192.168.1.24"}, {IP: "203.0.113.7"}},
		Observations: Observations{
			DHCP:      []DHCPObs{{Hostname: "Janes-iPhone", ClientID: "0150c7bf0abcde"}},
			Hostnames: []Seen{{Value: "Janes-iPhone"}},
			MDNS:      []MDNSObs{{Instance: "Jane's Room._airplay._tcp", Service: "_airplay._tcp", TXT: []string{"deviceid=50:C7:BF:0A:BC:DE"}}},
			SSDP:      []SSDPObs{{Location: "http://192.168.1.24:80/setup.xml?id=secret", USN: "uuid:abc"}},
		},
		Destinations: []Destination{{Name: "api.example.com", IP: "52.1.2.3"}, {Name: "tv.local", IP: "192.168.1.23", Local: true}},
		Findings:     []Finding{{Excerpt: "mac=50:c7:bf:0a:bc:de", Personal: true, Message: "sends 50:c7:bf:0a:bc:de"}},
		Identity:     Identity{Vendor: Field{Value: "TP-Link", Evidence: []Evidence{{Detail: `dhcp hostname "Janes-iPhone"`}}}},
	}}}
	before, _ := json.Marshal(r)
	c := Redact(r)
	after, _ := json.Marshal(r)
	if string(before) != string(after) {
		t.Fatal("Redact changed its input")
	}
	out, _ := json.Marshal(c)
	for _, leak := range []string{"0a:bc:de", "0A:BC:DE", "Janes-iPhone", "192.168.1.24", "0150c7bf0abcde", "Jane's Room", "secret", "uuid:abc"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("redacted result still holds %q", leak)
		}
	}
	for _, keep := range []string{"50:c7:bf:xx:xx:xx", "api.example.com", "52.1.2.3", "203.0.113.7", "TP-Link", "_airplay._tcp"} {
		if !strings.Contains(string(out), keep) {
			t.Errorf("redaction removed %q, which is not personal", keep)
		}
	}
	if !c.Redacted {
		t.Error("Redacted flag not set")
	}
}

func TestRedactMACAndDeviceIDs(t *testing.T) {
	for in, want := range map[string]string{
		"50:c7:bf:01:02:03":   "50:c7:bf:xx:xx:xx",
		"ip:192.168.10.255":   "ip:192.168.0.0/16", // 17 characters, like a MAC
		"ip:203.0.113.7":      "ip:203.0.113.7",
		"ip:fe80::1":          "ip:[redacted-ipv6]",
		"not-a-mac-address-x": "not-a-mac-address-x",
	} {
		if got := RedactMAC(in); got != want {
			t.Errorf("RedactMAC(%q) = %q, want %q", in, got, want)
		}
	}
}

// redactMACsInRef is the first, plain version of redactMACsIn: every
// position tried on a copy.
func redactMACsInRef(s string) string {
	b := []byte(s)
	for i := 0; i+17 <= len(b); i++ {
		ok := true
		for j := 0; j < 17; j++ {
			c := b[i+j]
			if j%3 == 2 {
				ok = ok && c == ':'
			} else {
				ok = ok && (('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F'))
			}
		}
		if ok {
			copy(b[i+9:], "xx:xx:xx")
			i += 16
		}
	}
	return string(b)
}

func TestRedactMACsIn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"no address here", "no address here"},
		{"sends 50:c7:bf:0a:bc:de to x", "sends 50:c7:bf:xx:xx:xx to x"},
		{"50:C7:BF:0A:BC:DE", "50:C7:BF:xx:xx:xx"},
		{"50:c7:bf:0a:bc:de:11:22:33:44:55:66", "50:c7:bf:xx:xx:xx:11:22:33:xx:xx:xx"},
		{"50:c7:bf:0a:bc:d", "50:c7:bf:0a:bc:d"},
		{"zz:c7:bf:0a:bc:de", "zz:c7:bf:0a:bc:de"},
	} {
		if got := redactMACsIn(tc.in); got != tc.want {
			t.Errorf("redactMACsIn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzRedactMACsIn(f *testing.F) {
	for _, s := range []string{"sends 50:c7:bf:0a:bc:de", "1:22:33:44:55:66:77:88", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := redactMACsIn(s), redactMACsInRef(s); got != want {
			t.Fatalf("redactMACsIn(%q) = %q, want %q", s, got, want)
		}
	})
}
