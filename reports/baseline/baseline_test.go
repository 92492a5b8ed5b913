package baseline

import (
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/result"
)

func dev(id string, score int, findings []string, dests ...result.Destination) result.Device {
	d := result.Device{ID: id, Destinations: dests, Score: &result.Score{Value: score}}
	for _, f := range findings {
		d.Findings = append(d.Findings, result.Finding{ID: f, Kind: "k", Severity: "medium", Title: "title-" + f})
	}
	return d
}

func dst(name, org, party string) result.Destination {
	return result.Destination{Name: name, IP: "1.2.3.4", Port: 443, Transport: "tcp", Organization: org, Party: party}
}

func TestCompareAndFilter(t *testing.T) {
	old := &result.Result{Devices: []result.Device{
		dev("aa", 90, []string{"f1", "f2"}, dst("a.vendor.example", "Vendor", "first"), dst("ads.example", "AdCo", "third")),
	}}
	next := &result.Result{Devices: []result.Device{
		dev("aa", 70, []string{"f2", "f3"}, dst("a.vendor.example", "Vendor", "first"), dst("ads.example", "AdCo", "third"), dst("t.broker.example", "Broker", "third")),
		dev("bb", 100, nil, dst("x.example", "X", "first")),
	}}
	d := Compare(old, next)
	if len(d.NewDevices) != 1 || d.NewDevices[0] != "bb" {
		t.Errorf("new devices = %v", d.NewDevices)
	}
	if len(d.NewThirdParties) != 1 || d.NewThirdParties[0].Value != "Broker" {
		t.Errorf("new third parties = %v", d.NewThirdParties)
	}
	if len(d.NewFindings) != 1 || d.NewFindings[0].Value != "f3" || d.Gone != 1 {
		t.Errorf("new findings = %v, resolved %d", d.NewFindings, d.Gone)
	}
	if len(d.ScoreDrops) != 1 || d.ScoreDrops[0].Old != 90 || d.ScoreDrops[0].New != 70 {
		t.Errorf("score drops = %v", d.ScoreDrops)
	}
	if len(d.NewDestinations) != 2 || d.Empty() {
		t.Errorf("new destinations = %v", d.NewDestinations)
	}
	f := Filter(next, d, "old.json")
	if len(f.Devices) != 2 || len(f.Devices[0].Findings) != 1 || f.Devices[0].Findings[0].ID != "f3" || len(f.Devices[0].Destinations) != 1 {
		t.Errorf("filtered = %+v", f.Devices)
	}
	if f.Baseline == nil || f.Baseline.File != "old.json" || f.Baseline.NewFindings != 1 || f.Baseline.NewDevices != 1 {
		t.Errorf("filtered result's baseline summary = %+v", f.Baseline)
	}
	lines := strings.Join(d.Lines(), "\n")
	for _, want := range []string{"+ new device unknown device (bb)", "+ third party Broker on unknown device (aa)", "+ finding [medium] title-f3",
		"+ destination t.broker.example:443/tcp on unknown device (aa)", "- score of unknown device (aa): 90 -> 70"} {
		if !strings.Contains(lines, want) {
			t.Errorf("diff lines lack %q:\n%s", want, lines)
		}
	}
	if same := Compare(next, next); !same.Empty() {
		t.Errorf("a result differs from itself: %+v", same)
	}
}

// TestCompareRedacted compares redacted results: a second plug of the
// same vendor is a new device, and the plug seen in both is not (redacted
// IDs used to be the vendor half and "xx:xx:xx", one for both plugs).
func TestCompareRedacted(t *testing.T) {
	key := []byte("baseline test key")
	plugA := dev("50:c7:bf:01:02:03", 90, []string{"tracker-contact:0123456789ab"}, dst("a.vendor.example", "Vendor", "first"))
	plugB := dev("50:c7:bf:0a:bc:de", 90, []string{"tracker-contact:ba9876543210"}, dst("a.vendor.example", "Vendor", "first"))
	old := result.Redact(&result.Result{Devices: []result.Device{plugA}}, key)
	next := result.Redact(&result.Result{Devices: []result.Device{plugA, plugB}}, key)
	d := Compare(old, next)
	if len(d.NewDevices) != 1 || d.NewDevices[0] != next.Devices[1].ID {
		t.Fatalf("new devices %v, want the second plug %s", d.NewDevices, next.Devices[1].ID)
	}
	if len(d.NewFindings) != 1 || len(d.NewDestinations) != 1 {
		t.Errorf("new findings %v, destinations %v: want the second plug's one each", d.NewFindings, d.NewDestinations)
	}
	if f := Filter(next, d, "old.json"); len(f.Devices) != 1 || f.Devices[0].ID != next.Devices[1].ID {
		t.Errorf("filtered devices %+v", f.Devices)
	}

	// A new host on the home network is a new destination, though both
	// redact to the same /16.
	local := func(ip string) result.Destination {
		return result.Destination{IP: ip, Port: 53, Transport: "udp", Local: true, Party: "local"}
	}
	plugA.Destinations = []result.Destination{local("192.168.1.1")}
	old = result.Redact(&result.Result{Devices: []result.Device{plugA}}, key)
	plugA.Destinations = append(plugA.Destinations, local("192.168.1.9"))
	next = result.Redact(&result.Result{Devices: []result.Device{plugA}}, key)
	if d := Compare(old, next); len(d.NewDestinations) != 1 {
		t.Errorf("new local destinations %v, want 1", d.NewDestinations)
	}
}
