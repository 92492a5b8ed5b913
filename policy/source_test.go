package policy

import (
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/result"
)

// TestStatementsCiteTheirSource checks that a finding decided by a
// statement with a source (one extracted from a policy's text) cites that
// place and quotes the sentence, for sharing, collection and encryption.
func TestStatementsCiteTheirSource(t *testing.T) {
	d := parse(t, `version: 1
vendor: Acme
applies_to: {vendors: [Acme]}
first_party: {organizations: [Acme]}
collection:
  - data: [contact information]
    quote: "We collect your contact information."
    source: "privacy.html:12"
    action: collect
    modality: does
third_parties:
  - organizations: [Google]
    data: [advertising identifier]
    quote: "We share your advertising ID with Google."
    source: "privacy.html:20"
    action: share
    modality: may
encryption:
  in_transit: true
  quote: "Everything is encrypted in transit."
  source: "privacy.html:30"
`)
	dev := testDevice()
	got := map[string]result.Finding{}
	for _, f := range Check(d, dev) {
		got[f.Kind+" "+f.Organization+" "+f.DataType] = f
	}
	for k, want := range map[string][2]string{
		"disclosure-clear Google advertising identifier": {"privacy.html:20", "We share your advertising ID with Google."},
		"disclosure-vague Acme email address":            {"privacy.html:12", "We collect your contact information."},
		"encryption-claim-contradicted  ":                {"privacy.html:30", "Everything is encrypted in transit."},
	} {
		f, ok := got[k]
		if !ok {
			t.Errorf("no %q finding; got %v", k, keys(got))
			continue
		}
		if f.PolicyRef != want[0] || f.PolicyQuote != want[1] {
			t.Errorf("%s cites %q %q, want %q %q", k, f.PolicyRef, f.PolicyQuote, want[0], want[1])
		}
	}
}

func TestDevicesBinding(t *testing.T) {
	bound := parse(t, "version: 1\nvendor: Other\ndevices: [AA:BB:CC:00:00:01]\n")
	byVendor := parse(t, tvDecl)
	dev := testDevice()
	if m := Match([]*Declaration{byVendor, bound}, dev); m != bound {
		t.Errorf("a declaration bound to the device's MAC should win over one matching by vendor and type")
	}
	other := *dev
	other.MAC, other.ID = "aa:bb:cc:00:00:02", "aa:bb:cc:00:00:02"
	if m := Match([]*Declaration{bound}, &other); m != nil {
		t.Errorf("a declaration bound to one MAC applies to another")
	}
	res := &result.Result{Devices: []result.Device{other}}
	if u := Unused(res, []*Declaration{bound, byVendor}); len(u) != 1 || u[0] != bound {
		t.Errorf("Unused = %v, want the bound declaration only", u)
	}
	Apply(res, []*Declaration{bound, byVendor})
	if p := res.Devices[0].Policy; p == nil || p.Matched != "vendor and type" {
		t.Errorf("policy summary %+v", p)
	}
	res = &result.Result{Devices: []result.Device{*dev}}
	Apply(res, []*Declaration{bound})
	if p := res.Devices[0].Policy; p == nil || p.Matched != "device" {
		t.Errorf("policy summary %+v, want matched_by device", p)
	}
}

func TestLintNewKeys(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"version: 1\nvendor: A\ndevices: [aa:bb:cc]\n", `device "aa:bb:cc" is not a MAC address`},
		{"version: 1\nvendor: A\napplies_to: {vendors: [A]}\ncollection:\n  - quote: x\n", "collection statement names no data"},
		{"version: 1\nvendor: A\napplies_to: {vendors: [A]}\nthird_parties:\n  - entities: [third parties]\n    action: steal\n", `unknown action "steal"`},
		{"version: 1\nvendor: A\napplies_to: {vendors: [A]}\nnever:\n  - entities: [third parties]\n    modality: perhaps\n", `unknown modality "perhaps"`},
		{"version: 1\nvendor: A\n", "applies_to is required"},
	} {
		diags := Lint("x.yaml", []byte(c.yaml))
		var msgs []string
		for _, d := range diags {
			msgs = append(msgs, d.Message)
		}
		if !strings.Contains(strings.Join(msgs, "\n"), c.want) {
			t.Errorf("%q: diagnostics %q, want %q", c.yaml, msgs, c.want)
		}
	}
	ok := "version: 1\nvendor: A\ndevices: [aa:bb:cc:00:00:01]\ncollection:\n  - data: [ip address]\n    source: \"p.md:3\"\n    action: collect\n    modality: may\n"
	if diags := Lint("ok.yaml", []byte(ok)); len(diags) > 0 {
		t.Errorf("valid declaration: %v", diags)
	}
}
