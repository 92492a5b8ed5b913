package audit

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/tattle-audit/tattle/fingerprints"
)

func TestASNClassifiesUnnamedDestinations(t *testing.T) {
	tree, _ := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", RecordSize: 24})
	_, n, _ := net.ParseCIDR("142.250.0.0/15")
	tree.Insert(n, mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(15169), "autonomous_system_organization": mmdbtype.String("GOOGLE")})
	_, n3, _ := net.ParseCIDR("199.36.0.0/24") // not in the embedded ranges
	tree.Insert(n3, mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(15169), "autonomous_system_organization": mmdbtype.String("GOOGLE")})
	_, n2, _ := net.ParseCIDR("93.184.216.0/24")
	tree.Insert(n2, mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(64500), "autonomous_system_organization": mmdbtype.String("Example Hosting Ltd")})
	path := filepath.Join(t.TempDir(), "asn.mmdb")
	f, _ := os.Create(path)
	tree.WriteTo(f)
	f.Close()
	asn, err := fingerprints.OpenASN(path)
	if err != nil {
		t.Fatal(err)
	}
	defer asn.Close()
	b := NewBuilder()
	b.Know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB(), ASN: asn}
	b.Flow(flow("192.168.1.20:40000", "142.250.1.1:443", time.Second, 1))
	b.Flow(flow("192.168.1.20:40001", "93.184.216.7:443", time.Second, 2))
	b.Flow(flow("192.168.1.20:40002", "203.0.113.9:443", time.Second, 3))
	b.Flow(flow("192.168.1.20:40003", "199.36.0.7:443", time.Second, 4))
	d := onlyDevice(t, b)
	got := map[string]string{}
	for _, dst := range d.Destinations {
		got[dst.IP] = dst.Organization + "|" + dst.Party + "|" + dst.ClassifiedBy
	}
	want := map[string]string{
		// the ranges Google publishes come before --asn-db
		"142.250.1.1":  "Google|support|ip-range:142.250.0.0/15",
		"199.36.0.7":   "Google|third|asn:AS15169",
		"93.184.216.7": "Example Hosting Ltd|third|asn:AS64500",
		"203.0.113.9":  "|unclassified|",
	}
	for ip, w := range want {
		if got[ip] != w {
			t.Errorf("%s: %q, want %q", ip, got[ip], w)
		}
	}
}
