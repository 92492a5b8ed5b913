package audit

import (
	"testing"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// TestSSDPAnnounceSignal: what a device announces of itself (NOTIFY NT, a
// search response's ST, its UPnP deviceType) is ssdp_announce; the ST of
// its own M-SEARCH is not.
func TestSSDPAnnounceSignal(t *testing.T) {
	rd := &result.Device{Observations: result.Observations{
		SSDP: []result.SSDPObs{
			{ST: "urn:dial-multiscreen-org:service:dial:1"}, // M-SEARCH: a phone looking for a TV
			{NT: "urn:schemas-upnp-org:device:DimmableLight:1", USN: "uuid:1"},
			{ST: "roku:ecp", USN: "uuid:2", Location: "http://10.0.0.2:8060/"},
		},
		UPnP: []result.UPnPObs{{DeviceType: "urn:Belkin:device:controllee:1"}},
	}}
	s := signals(rd, &device{})
	got := map[string]bool{}
	for _, x := range s.ByKind["ssdp_announce"] {
		got[x.Value] = true
	}
	for _, want := range []string{"urn:schemas-upnp-org:device:DimmableLight:1", "roku:ecp", "urn:Belkin:device:controllee:1"} {
		if !got[want] {
			t.Errorf("%s not announced", want)
		}
	}
	if got["urn:dial-multiscreen-org:service:dial:1"] || len(got) != 3 {
		t.Errorf("announced %v: an M-SEARCH's ST is what the device looks for, not what it is", got)
	}
}

// TestClassConstantsAgree: result spells the classes as fingerprints does.
func TestClassConstantsAgree(t *testing.T) {
	if fingerprints.ClassIoT != result.ClassIoT || fingerprints.ClassGeneralPurpose != result.ClassGeneralPurpose ||
		fingerprints.ClassInfrastructure != result.ClassInfrastructure || fingerprints.ClassUnknown != result.ClassUnknown {
		t.Error("class names differ between fingerprints and result")
	}
}
