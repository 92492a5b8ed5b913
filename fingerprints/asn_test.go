package fingerprints

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeASNDB writes a small MaxMind-format ASN database for tests.
func writeASNDB(t testing.TB, nets map[string]ASN) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, a := range nets {
		_, n, _ := net.ParseCIDR(cidr)
		if err := tree.Insert(n, mmdbtype.Map{
			"autonomous_system_number":       mmdbtype.Uint32(a.Number),
			"autonomous_system_organization": mmdbtype.String(a.Organization),
		}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "asn.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func TestASNDB(t *testing.T) {
	path := writeASNDB(t, map[string]ASN{"52.0.0.0/11": {16509, "AMAZON-02"}, "142.250.0.0/15": {15169, "GOOGLE"}})
	db, err := OpenASN(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if a, ok := db.Lookup(netip.MustParseAddr("52.1.2.3")); !ok || a.Number != 16509 || a.Organization != "AMAZON-02" {
		t.Errorf("52.1.2.3 -> %+v %v", a, ok)
	}
	if a, ok := db.Lookup(netip.MustParseAddr("::ffff:142.250.1.1")); !ok || a.Number != 15169 {
		t.Errorf("mapped v4 -> %+v %v", a, ok)
	}
	if _, ok := db.Lookup(netip.MustParseAddr("9.9.9.9")); ok {
		t.Error("address outside every network found")
	}
	if _, err := OpenASN(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("missing file opened")
	}
	if o, ok := DefaultKB().OrgByName("GOOGLE"); !ok || o.ID != "google" {
		t.Errorf("ASN organisation name GOOGLE -> %q", o.ID)
	}
}
