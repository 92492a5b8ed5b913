package reports_test

import (
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

// classResult holds one device of each overview group, the unidentified
// one listed first and given a finding.
func classResult() *result.Result {
	return &result.Result{Schema: result.SchemaVersion, Devices: []result.Device{
		{ID: "00:00:00:00:00:03", Identity: result.Identity{Name: "Mystery box", Class: result.ClassUnknown},
			Findings: []result.Finding{{ID: "x:1", Kind: "x", Severity: "high", Title: "sends to a tracker", Message: "m"}}},
		{ID: "00:00:00:00:00:02", Identity: result.Identity{Name: "Dell computer", Class: result.ClassGeneralPurpose, Type: result.Field{Value: "computer", Confidence: 0.4}}},
		{ID: "00:00:00:00:00:01", Identity: result.Identity{Name: "Acme plug", Class: result.ClassIoT, IsIoT: true, Type: result.Field{Value: "plug", Confidence: 0.8}}},
	}}
}

// TestUnidentifiedGroup: every report with an overview lists an
// unidentified device in its own group, after the IoT devices and before
// the phones and computers, and still shows its findings.
func TestUnidentifiedGroup(t *testing.T) {
	r := classResult()
	for _, tc := range []struct{ format, iot, unknown, other string }{
		{"terminal", "\nIoT devices", "\nunidentified devices", "\ninfrastructure, computers and phones"},
		{"markdown", "### IoT devices", "### Unidentified devices", "### Infrastructure, computers and phones"},
		{"html", "Acme plug", "Unidentified devices (1)", "Infrastructure, computers and phones (1)"},
	} {
		out := string(render(t, tc.format, reports.Options{Width: 100}, r))
		i, u, o := strings.Index(out, tc.iot), strings.Index(out, tc.unknown), strings.Index(out, tc.other)
		if i < 0 || u < 0 || o < 0 || !(i < u && u < o) {
			t.Errorf("%s: groups at %d, %d, %d, want IoT, unidentified, other in that order", tc.format, i, u, o)
		}
		if !strings.Contains(out, "sends to a tracker") {
			t.Errorf("%s: the unidentified device's finding is not shown", tc.format)
		}
		if !strings.Contains(out, "no type, and nothing shows it is an IoT device") {
			t.Errorf("%s: no class line for the unidentified device", tc.format)
		}
	}
	if s := result.BuildOverview(r).Summary; !strings.HasPrefix(s, "3 devices seen (1 IoT, 1 unidentified, 1 infrastructure, computers and phones)") {
		t.Errorf("summary %q", s)
	}
}
