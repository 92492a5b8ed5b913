package fingerprints

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
)

// ASNDB maps IP addresses to the autonomous system that announces them,
// from a MaxMind-format ASN database the user supplies (GeoLite2-ASN or
// compatible; tattle ships and downloads none).
type ASNDB struct {
	r *maxminddb.Reader
}

// ASN is one autonomous system.
type ASN struct {
	Number       uint   `maxminddb:"autonomous_system_number"`
	Organization string `maxminddb:"autonomous_system_organization"`
}

// OpenASN opens a MaxMind ASN database file.
func OpenASN(path string) (*ASNDB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fingerprints: %s: %w", path, err)
	}
	return &ASNDB{r: r}, nil
}

// Lookup returns the autonomous system announcing ip.
func (db *ASNDB) Lookup(ip netip.Addr) (ASN, bool) {
	var a ASN
	res := db.r.Lookup(ip.Unmap())
	if !res.Found() {
		return a, false
	}
	if err := res.Decode(&a); err != nil || a.Organization == "" {
		return a, false
	}
	return a, true
}

// Close releases the database.
func (db *ASNDB) Close() error { return db.r.Close() }
