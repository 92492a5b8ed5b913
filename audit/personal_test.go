package audit

import (
	"path/filepath"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// TestPersonalDataCapture scans testdata/personal.pcapng (made by
// internal/gen: a camera that sends personal data in every form devices
// use, some of it split over TCP segments and out of order) with the
// auditor's known values, and checks that every data type and every MAC
// encoding in it is found.
func TestPersonalDataCapture(t *testing.T) {
	root := testutil.ModuleRoot(t)
	known, err := inspect.LoadKnown(filepath.Join(root, "testdata", "personal-data.known.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.Open(filepath.Join(root, "testdata", "personal.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Scan(src, Config{Known: known})
	if err != nil {
		t.Fatal(err)
	}
	types, forms := map[string]bool{}, map[string]bool{}
	for _, d := range res.Devices {
		for _, f := range d.Findings {
			types[f.DataType] = true
			if f.DataType == "mac address" {
				for _, e := range f.Evidence {
					forms[e.Detail] = true
				}
			}
		}
	}
	for _, want := range []string{"mac address", "email address", "geolocation", "imei", "advertising identifier", "router ssid",
		"serial number", "credentials", "mac address of another device"} {
		if !types[want] {
			t.Errorf("data type %q not found; found %v", want, types)
		}
	}
	for _, want := range []string{"with colons", "without separators", "base64 of lower-case with colons", "URL-encoded with colons",
		"SHA-1 of upper-case without separators"} {
		if !forms["mac address, "+want] {
			t.Errorf("MAC form %q not found; found %v", want, forms)
		}
	}
	kinds := map[string]bool{}
	for _, d := range res.Devices {
		for _, f := range d.Findings {
			kinds[f.Kind] = true
		}
	}
	for _, k := range []string{KindWeakTLSVersion, KindWeakTLSCipher, KindCleartextProtocol, KindCredentials} {
		if !kinds[k] {
			t.Errorf("no %s finding", k)
		}
	}
}
