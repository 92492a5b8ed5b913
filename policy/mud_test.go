package policy

import (
	"slices"
	"strings"
	"testing"
)

// mudSeed is a MUD file in the shape RFC 8520 gives (section 8 and
// appendix A): a from-device policy naming an access list that allows
// two DNS names, and a to-device list that is not the device's own.
const mudSeed = `{
  "ietf-mud:mud": {
    "mud-version": 1,
    "mud-url": "https://lights.example.com/lightbulb2000",
    "last-update": "2019-01-28T11:20:51+01:00",
    "cache-validity": 48,
    "is-supported": true,
    "systeminfo": "The BMS Example Light Bulb",
    "mfg-name": "Example Lights",
    "model-name": "Bulb 2000",
    "from-device-policy": {"access-lists": {"access-list": [{"name": "mud-76100-v6fr"}]}},
    "to-device-policy": {"access-lists": {"access-list": [{"name": "mud-76100-v6to"}]}}
  },
  "ietf-access-control-list:acls": {
    "acl": [
      {"name": "mud-76100-v6to", "type": "ipv6-acl-type", "aces": {"ace": [{"name": "cl0-todev",
        "matches": {"ipv6": {"ietf-acldns:src-dnsname": "test.example.com", "protocol": 6}},
        "actions": {"forwarding": "accept"}}]}},
      {"name": "mud-76100-v6fr", "type": "ipv6-acl-type", "aces": {"ace": [
        {"name": "cl0-frdev", "matches": {"ipv6": {"ietf-acldns:dst-dnsname": "Test.Example.com.", "protocol": 6}},
         "actions": {"forwarding": "accept"}},
        {"name": "cl1-frdev", "matches": {"ipv6": {"ietf-acldns:dst-dnsname": "updates.example.com"}},
         "actions": {"forwarding": "accept"}}]}}
    ]
  }
}`

func TestParseMUDSeed(t *testing.T) {
	d, err := ParseMUD("bulb.json", []byte(mudSeed))
	if err != nil {
		t.Fatal(err)
	}
	if !d.MUD || d.Vendor != "Example Lights" || !slices.Equal(d.AppliesTo.Models, []string{"Bulb 2000"}) || d.PolicyDate != "2019-01-28" ||
		!slices.Equal(d.AllowedDomains, []string{"test.example.com", "updates.example.com"}) {
		t.Fatalf("parsed %+v", d)
	}
}

// FuzzParseMUD: no panic; a MUD file that parses names a vendor or a
// model, and its allowed names are sorted, without ASCII capitals, and
// each from a string of the input (memory bounded by the input's size;
// lowercasing grows a name by at most half).
func FuzzParseMUD(f *testing.F) {
	f.Add([]byte(mudSeed))
	f.Add([]byte(`{"ietf-mud:mud": {"mfg-name": "x"}}`))
	f.Add([]byte(`{"ietf-mud:mud": {"model-name": "m", "from-device-policy": {}}, "x:access-lists": {"acl": [{"name": "a", "ietf-acldns:dst-dnsname": "A."}]}}`))
	f.Add([]byte(`{"ietf-mud:mud": [], "ietf-access-control-list:acls": {"acl": [1, "x", null, {"aces": [[[{}]]]}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseMUD("f.json", b)
		if err != nil {
			if d != nil {
				t.Fatal("a declaration with an error")
			}
			return
		}
		if !d.MUD || (d.Vendor == "" && len(d.AppliesTo.Models) == 0) {
			t.Fatalf("parsed without vendor or model: %+v", d)
		}
		if !slices.IsSorted(d.AllowedDomains) {
			t.Fatalf("allowed names not sorted: %q", d.AllowedDomains)
		}
		size := 0
		for _, n := range d.AllowedDomains {
			if strings.ContainsAny(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				t.Fatalf("allowed name %q not lowercased", n)
			}
			size += len(n) + 3 // the name and, at the least, its quotes and a separator
		}
		if size > 2*len(b) {
			t.Fatalf("%d bytes of allowed names from a %d-byte input", size, len(b))
		}
	})
}
