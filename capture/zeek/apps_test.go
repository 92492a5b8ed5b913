package zeek

import (
	"slices"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// TestServiceAppsDeclared: every App that conn.log's services map to is
// one of capture.Apps.
func TestServiceAppsDeclared(t *testing.T) {
	services := []string{"ssl", "dns", "-dns"}
	for s := range zeekServices {
		services = append(services, s)
	}
	for _, s := range services {
		for _, tr := range []capture.Transport{capture.TCP, capture.UDP} {
			for _, port := range []uint16{53, 5353, 5355, 443} {
				if a := app([]string{s}, tr, 40000, port); a != "" && !slices.Contains(capture.Apps, a) {
					t.Errorf("service %q (%s, port %d): App %q is not in capture.Apps", s, tr, port, a)
				}
			}
		}
	}
	for s, a := range zeekServices {
		if !slices.Contains(capture.Apps, a) {
			t.Errorf("service %q: App %q is not in capture.Apps", s, a)
		}
	}
}
