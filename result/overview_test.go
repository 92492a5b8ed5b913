package result

import (
	"fmt"
	"strings"
	"testing"
)

func TestOverviewGroupsByClass(t *testing.T) {
	tests := []struct {
		name string
		id   Identity
		want string
	}{
		{"iot", Identity{Class: ClassIoT, IsIoT: true}, GroupIoT},
		{"unknown", Identity{Class: ClassUnknown}, GroupUnknown},
		{"general-purpose", Identity{Class: ClassGeneralPurpose}, GroupOther},
		{"infrastructure", Identity{Class: ClassInfrastructure, Infrastructure: true}, GroupOther},
		{"a result from before classes, is_iot", Identity{IsIoT: true}, GroupIoT},
		{"a result from before classes, not IoT", Identity{}, GroupOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if g := GroupOf(tc.id.DeviceClass()); g != tc.want {
				t.Errorf("group %s, want %s", g, tc.want)
			}
		})
	}
	r := &Result{Devices: []Device{{ID: "a", Identity: Identity{Class: ClassGeneralPurpose}}, {ID: "b", Identity: Identity{Class: ClassUnknown}}, {ID: "c", Identity: Identity{Class: ClassIoT, IsIoT: true}}}}
	o := BuildOverview(r)
	if o.Devices[0].Device != "c" || o.Devices[1].Device != "b" || o.Devices[2].Device != "a" {
		t.Errorf("order %s %s %s, want c b a (IoT, unidentified, other)", o.Devices[0].Device, o.Devices[1].Device, o.Devices[2].Device)
	}
	if want := "3 devices seen (1 IoT, 1 unidentified, 1 infrastructure, computers and phones)."; o.Summary[:len(want)] != want {
		t.Errorf("summary %q", o.Summary)
	}
	r.Devices = r.Devices[:1]
	if want := "1 device seen (0 IoT, 1 infrastructure, computers and phones)."; BuildOverview(r).Summary[:len(want)] != want {
		t.Errorf("summary without unidentified devices %q", BuildOverview(r).Summary)
	}
}

// TestNameEvidenceDetail checks each kind of a destination's evidence
// against its wording as fmt.Sprintf made the address before.
func TestNameEvidenceDetail(t *testing.T) {
	addr := func(d *Destination) string { return fmt.Sprintf("%s:%d/%s", d.IP, d.Port, d.Transport) }
	for _, c := range []struct {
		source, want string
	}{
		{"sni", "TLS ClientHello with SNI %[1]s to %[3]s"},
		{"quic", "QUIC Initial with SNI %[1]s to %[3]s"},
		{"http", "HTTP request with Host %[1]s to %[3]s"},
		{"dns", "DNS answer naming %[2]s %[1]s; traffic to %[3]s"},
		{"dns-cname", "DNS answer naming %[2]s %[1]s; traffic to %[3]s"},
		{"dns-other-client", "first packet to %[3]s"},
	} {
		for _, d := range []Destination{
			{Name: "api.example.com", IP: "192.0.2.1", Port: 443, Transport: "tcp"},
			{Name: "a.example", IP: "2001:db8::1", Port: 65535, Transport: "udp"},
			{Name: strings.Repeat("x", 300) + ".example", IP: "*", Port: 0, Transport: ""},
		} {
			d.Names = []NameSeen{{Name: d.Name, Source: c.source, File: "f", Packet: 7}}
			if got, want := d.NameEvidence().Detail, fmt.Sprintf(c.want, d.Name, d.IP, addr(&d)); got != want {
				t.Errorf("%s: %q, want %q", c.source, got, want)
			}
		}
	}
	d := Destination{IP: "192.0.2.1", Port: 80, Transport: "tcp"}
	if got, want := d.NameEvidence().Detail, "first packet to "+addr(&d); got != want {
		t.Errorf("unnamed: %q, want %q", got, want)
	}
}
