package reports

import (
	"testing"

	"github.com/tattle-audit/tattle/result"
)

// An organisation whose services are different parties is shown by the
// most telling one, whatever the order of its destinations.
func TestOrganisationParty(t *testing.T) {
	for _, order := range [][]string{{"support", "first"}, {"first", "support"}, {"support", "third", "first"}} {
		d := &result.Device{}
		for i, p := range order {
			d.Destinations = append(d.Destinations, result.Destination{Name: string(rune('a'+i)) + ".google.com", Organization: "Google", Party: p})
		}
		want := "first"
		for _, p := range order {
			if p == "third" {
				want = "third"
			}
		}
		if got := organisations(d); len(got) != 1 || got[0].Party != want {
			t.Errorf("%v: %+v, want party %s", order, got, want)
		}
	}
}
