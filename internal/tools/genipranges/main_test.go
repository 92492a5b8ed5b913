package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// The committed table is what the generator makes from the committed facts.
func TestCommittedTableIsGenerated(t *testing.T) {
	want, err := Generate("facts")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "..", "fingerprints", "data", "ipranges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("fingerprints/data/ipranges.txt is stale: go run ./internal/tools/genipranges internal/tools/genipranges/facts")
	}
}

func TestParsesPublishedFormats(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ip-ranges.json":                   `{"syncToken":"1","prefixes":[{"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON"},{"ip_prefix":"3.5.136.0/22"}],"ipv6_prefixes":[{"ipv6_prefix":"2600:1f00::/24"}]}`,
		"goog.json":                        `{"prefixes":[{"ipv4Prefix":"8.8.4.0/24"},{"ipv6Prefix":"2001:4860::/32"}]}`,
		"ServiceTags_Public_20261123.json": `{"values":[{"name":"AzureCloud","properties":{"addressPrefixes":["13.64.0.0/16","13.65.0.0/16"]}},{"name":"Storage","properties":{"addressPrefixes":["99.0.0.0/8"]}}]}`,
		"public-ip-list":                   `{"addresses":["151.101.0.0/16"],"ipv6_addresses":["2a04:4e40::/32"]}`,
		"public_ip_ranges.json":            `{"regions":[{"region":"us-phoenix-1","cidrs":[{"cidr":"129.146.0.0/16","tags":["OCI"]}]}]}`,
		"google.csv":                       "104.131.0.0/18,US,US-NY,New York,10011\n",
		"ips-v4":                           "104.16.0.0/13\n104.24.0.0/14\n",
		"README.md":                        "ignored",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"@aws cloud https://ip-ranges.amazonaws.com/ip-ranges.json\n3.5.136.0/21\n2600:1f00::/24\n",
		"@google ", "8.8.4.0/24\n", "@microsoft ", "13.64.0.0/15\n", "@fastly ", "@oracle ", "129.146.0.0/16\n",
		"@digitalocean ", "104.131.0.0/18\n", "@cloudflare ", "104.16.0.0/13\n"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte("99.0.0.0/8")) {
		t.Error("a service tag other than AzureCloud was read")
	}
	if err := os.WriteFile(filepath.Join(dir, "x.txt"), []byte("# source: s\n# category: cdn\nnot-a-prefix\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir); err == nil {
		t.Error("a bad prefix was accepted")
	}
}

func TestMerge(t *testing.T) {
	var in []netip.Prefix
	for _, s := range []string{"10.0.1.0/24", "10.0.0.0/24", "10.0.0.128/25", "10.0.2.0/23", "10.1.0.0/16"} {
		in = append(in, netip.MustParsePrefix(s))
	}
	got := merge(in)
	if len(got) != 2 || got[0].String() != "10.0.0.0/22" || got[1].String() != "10.1.0.0/16" {
		t.Errorf("merge = %v", got)
	}
}
