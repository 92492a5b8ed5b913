package result

import "testing"

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
