package fingerprints

import (
	"net/netip"
	"strings"
	"testing"
)

func TestDefaultIPRanges(t *testing.T) {
	r := DefaultIPRanges()
	kb := DefaultKB()
	prefixes, orgs := r.Len()
	if prefixes < 300 || orgs < 6 {
		t.Fatalf("table too small: %d prefixes, %d organisations", prefixes, orgs)
	}
	for _, h := range r.orgs {
		if _, ok := kb.Org(h.Org); !ok {
			t.Errorf("range organisation %q is not in the knowledge base", h.Org)
		}
		if h.Source == "" {
			t.Errorf("%s: no source", h.Org)
		}
	}
	for addr, want := range map[string]string{
		"54.158.44.113":        "aws",    // EC2 us-east-1
		"52.28.38.154":         "aws",    // EC2 eu-central-1
		"216.58.214.110":       "google", // 216.58.192.0/19
		"8.8.4.4":              "google", // 8.8.4.0/24
		"104.16.1.1":           "cloudflare",
		"2606:4700::1111":      "cloudflare",
		"151.101.1.69":         "fastly",
		"17.253.144.10":        "apple",
		"157.240.1.35":         "meta",
		"13.69.1.1":            "microsoft",
		"::ffff:54.158.44.113": "aws",
		"107.170.242.27":       "digitalocean",
		"129.146.1.1":          "oracle",
		"101.200.83.161":       "alibaba",
		"104.42.217.25":        "microsoft",
		"191.234.162.198":      "microsoft",
		"52.187.207.27":        "microsoft",
		"46.51.173.182":        "aws",
		"23.246.11.133":        "netflix",
		"2600:1f18:4000::1":    "aws",       // EC2 us-east-1 IPv6 (ip-ranges.json)
		"2a05:d018:1::1":       "aws",       // EC2 eu-west-1 IPv6
		"2600:9000:2000::1":    "aws",       // CloudFront IPv6
		"2603:1030:210::1":     "microsoft", // Azure eastus IPv6 (Service Tags)
		"43.153.1.1":           "tencent",   // AS132203
		"119.29.1.1":           "tencent",   // AS45090
		"2402:4e00::1":         "tencent",   // AS45090 IPv6
	} {
		h, ok := r.Lookup(netip.MustParseAddr(addr))
		if !ok || h.Org != want || !h.Prefix.Contains(netip.MustParseAddr(addr).Unmap()) {
			t.Errorf("Lookup(%s) = %+v, want %s", addr, h, want)
		}
	}
	for _, addr := range []string{"192.168.1.1", "129.6.15.28", "2001:db8::1"} {
		if h, ok := r.Lookup(netip.MustParseAddr(addr)); ok {
			t.Errorf("Lookup(%s) = %+v, want nothing", addr, h)
		}
	}
}

func TestParseIPRangesErrors(t *testing.T) {
	for name, in := range map[string]string{
		"prefix first": "1.2.3.0/24\n",
		"bad prefix":   "@x cdn src\n1.2.3/24\n",
		"no id":        "@ cdn src\n",
		"bad category": "@x spying src\n",
	} {
		if _, err := ParseIPRanges([]byte(in)); err == nil || !strings.Contains(err.Error(), "line") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	r, err := ParseIPRanges([]byte("@a cloud s\n10.0.0.0/8\n@b cdn t\n10.1.0.0/16\n"))
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := r.Lookup(netip.MustParseAddr("10.1.2.3")); h.Org != "b" {
		t.Errorf("most specific range lost: %+v", h)
	}
	if h, _ := r.Lookup(netip.MustParseAddr("10.2.2.3")); h.Org != "a" || h.Source != "s" || h.Category != CatCloud {
		t.Errorf("outer range lost: %+v", h)
	}
}

func BenchmarkIPRangesLookup(b *testing.B) {
	r := DefaultIPRanges()
	a := netip.MustParseAddr("54.158.44.113")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Lookup(a)
	}
}

func FuzzParseIPRanges(f *testing.F) {
	f.Add([]byte("@a cloud s\n10.0.0.0/8\n"))
	f.Add(ipRangesData[:200])
	f.Add([]byte("@\n@x\n::/0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseIPRanges(data)
		if err != nil {
			return
		}
		r.Lookup(netip.MustParseAddr("10.1.2.3"))
		r.Lookup(netip.MustParseAddr("2001:db8::1"))
	})
}

// TestLookupV4Key compares Lookup's IPv4 path (integer keys, at the
// lengths of the address's first octet) with the look-up by netip.Prefix
// at every length it stands for, at the edges of every IPv4 range and at
// addresses spread over the whole space, in the default table and in one
// with prefixes shorter than an octet.
func TestLookupV4Key(t *testing.T) {
	small, err := ParseIPRanges([]byte("@a cloud s\n8.0.0.0/6\n10.1.0.0/16\n@b cdn s\n10.0.0.0/8\n128.0.0.0/1\n200.1.2.3/32\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*IPRanges{DefaultIPRanges(), small} {
		compareV4(t, r)
	}
}

func compareV4(t *testing.T, r *IPRanges) {
	byPrefix := func(addr netip.Addr) (Hosting, bool) {
		for _, b := range r.bits4 {
			p, _ := addr.Prefix(b)
			if i, ok := r.byPrefix[p]; ok {
				h := r.orgs[i]
				h.Prefix = p
				return h, true
			}
		}
		return Hosting{}, false
	}
	var addrs []netip.Addr
	for p := range r.byPrefix {
		if !p.Addr().Is4() {
			continue
		}
		first := p.Addr()
		v := be32(first.As4()) | 0xffffffff>>p.Bits()
		last := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		addrs = append(addrs, first, first.Prev(), last, last.Next())
	}
	for i := uint32(0); i < 1<<20; i++ {
		v := i * 4093 // spread over 2^32
		addrs = append(addrs, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}))
	}
	found := 0
	for _, a := range addrs {
		if !a.IsValid() {
			continue
		}
		got, gok := r.Lookup(a)
		want, wok := byPrefix(a)
		if got != want || gok != wok {
			t.Fatalf("Lookup(%s) = %+v %v, want %+v %v", a, got, gok, want, wok)
		}
		if gok {
			found++
		}
	}
	if found < 1000 {
		t.Fatalf("only %d addresses in a range", found)
	}
}
