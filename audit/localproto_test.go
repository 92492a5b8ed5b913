package audit

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/internal/gen"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

func knowingBuilder() *Builder {
	b := NewBuilder()
	b.Know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	return b
}

// TestKasaSysinfoIdentifiesAndFinds: a get_sysinfo reply names the
// product, and the coordinates in it are a personal-data finding that
// says the protocol only obfuscates them.
func TestKasaSysinfoIdentifiesAndFinds(t *testing.T) {
	b := knowingBuilder()
	meta := capture.Meta{File: "home.pcap", Packet: 7, Time: t0, SrcMAC: capture.MAC{0x02, 0, 0, 0, 0, 9}, DstMAC: router,
		Src: ap("192.168.1.20:9999"), Dst: ap("192.168.1.30:50000"), Transport: capture.UDP}
	b.Event(&capture.DeviceInfoEvent{Meta: meta, Protocol: "kasa", Model: "HS110(US)", Type: "IOT.SMARTPLUGSWITCH",
		Latitude: 37.3861, Longitude: -122.0839, HasLocation: true, Protection: "XOR autokey obfuscation (key 171), not encryption"})
	// The app's query says what the asker runs, not what it is.
	q := meta
	q.Src, q.Dst, q.SrcMAC = ap("192.168.1.30:50000"), ap("255.255.255.255:9999"), router
	b.Event(&capture.DeviceInfoEvent{Meta: q, Protocol: "kasa", Request: true})
	devs := b.Devices()
	if len(devs) != 2 {
		t.Fatalf("%d devices, want the plug and the app's host", len(devs))
	}
	d, asker := devs[1], devs[0]
	if asker.ID != router.String() || asker.Identity.Vendor.Value == "TP-Link" || len(asker.Identity.Apps) != 1 || asker.Identity.Apps[0].Value != "TP-Link" {
		t.Errorf("the Kasa app's host: %s vendor %q apps %+v", asker.ID, asker.Identity.Vendor.Value, asker.Identity.Apps)
	}
	id := d.Identity
	if id.Vendor.Value != "TP-Link" || id.Type.Value != "plug" || id.Model.Value != "HS110(US)" {
		t.Errorf("identity %q/%q/%q, want TP-Link/plug/HS110(US)", id.Vendor.Value, id.Type.Value, id.Model.Value)
	}
	if len(d.Observations.Local) != 1 || d.Observations.Local[0].Packet != 7 {
		t.Errorf("local observations %+v", d.Observations.Local)
	}
	var geo *result.Finding
	for i, f := range d.Findings {
		if f.DataType == "geolocation" {
			geo = &d.Findings[i]
		}
	}
	if geo == nil {
		t.Fatalf("no geolocation finding in %+v", d.Findings)
	}
	if geo.Severity != result.SeverityMedium || !strings.Contains(geo.Message, "not encryption") || !strings.Contains(geo.Message, "any host") {
		t.Errorf("finding %s %q", geo.Severity, geo.Message)
	}
	if len(geo.Evidence) == 0 || geo.Evidence[0].Packet != 7 {
		t.Errorf("evidence %+v", geo.Evidence)
	}
}

// TestTuyaDiscoveryIsTuyaPlatform: a Tuya discovery broadcast from a
// device whose MAC names a module maker gives the platform as vendor and
// keeps the module apart.
func TestTuyaDiscoveryIsTuyaPlatform(t *testing.T) {
	b := knowingBuilder()
	esp := capture.MAC{0x5c, 0xcf, 0x7f, 1, 2, 3}
	b.Event(&capture.DeviceInfoEvent{Meta: capture.Meta{File: "home.pcap", Packet: 3, Time: t0, SrcMAC: esp,
		DstMAC: capture.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Src: ap("192.168.1.40:49154"), Dst: ap("255.255.255.255:6667"),
		Transport: capture.UDP}, Protocol: "tuya", DeviceID: "bf01", ProductKey: "keyabc", Version: "3.3"})
	d := onlyDevice(t, b)
	if d.Identity.Vendor.Value != "Tuya" || d.Identity.Module.Value != "Espressif" {
		t.Errorf("vendor %q module %q, want Tuya / Espressif", d.Identity.Vendor.Value, d.Identity.Module.Value)
	}
}

// TestLocalProtocolsCapture scans testdata/local.pcapng (made by
// internal/gen's LocalProtocols) with the real pipeline.
func TestLocalProtocolsCapture(t *testing.T) {
	res := scanPaths(t, filepath.Join(testutil.ModuleRoot(t), "testdata", "local.pcapng"))
	byID := map[string]*result.Device{}
	for i := range res.Devices {
		byID[res.Devices[i].ID] = &res.Devices[i]
	}
	plug, tuya, vm, phone := byID[gen.KasaPlug.MAC.String()], byID[gen.TuyaPlug.MAC.String()], byID[gen.VMGuest.MAC.String()], byID[gen.Phone.MAC.String()]
	if plug == nil || tuya == nil || vm == nil || phone == nil {
		t.Fatalf("devices %v", slices.Sorted(maps.Keys(byID)))
	}
	if id := plug.Identity; id.Vendor.Value != "TP-Link" || id.Type.Value != "plug" || id.Model.Value != "HS110(UK)" {
		t.Errorf("Kasa plug %q/%q/%q", id.Vendor.Value, id.Type.Value, id.Model.Value)
	}
	geo := 0
	for _, f := range plug.Findings {
		if f.DataType == "geolocation" {
			geo++
			if !strings.Contains(f.Message, "XOR autokey") {
				t.Errorf("geolocation finding does not say how it travelled: %q", f.Message)
			}
		}
	}
	if geo != 1 {
		t.Errorf("%d geolocation findings on the Kasa plug, want 1 (UDP and TCP replies to one host)", geo)
	}
	if len(plug.Observations.Local) == 0 {
		t.Error("no Kasa observation")
	}
	if id := tuya.Identity; id.Vendor.Value != "Tuya" || id.Module.Value != "Espressif" {
		t.Errorf("Tuya plug vendor %q module %q", id.Vendor.Value, id.Module.Value)
	}
	enc := 0
	for _, o := range tuya.Observations.Local {
		if o.Encrypted {
			enc++
		}
	}
	if len(tuya.Observations.Local) != 2 || enc != 0 {
		t.Errorf("Tuya observations %+v: want 3.1 and 3.3, both read", tuya.Observations.Local)
	}
	if id := vm.Identity; id.Vendor.Value != "VMware" || id.Type.Value != "computer" || id.IsIoT {
		t.Errorf("VM %q/%q iot=%v", id.Vendor.Value, id.Type.Value, id.IsIoT)
	}
	if id := phone.Identity; id.Type.Value != "phone" || id.Vendor.Value != "" || len(id.Apps) != 1 || id.Apps[0].Value != "TP-Link" || id.IsIoT {
		t.Errorf("phone %q/%q apps %+v iot=%v: the Kasa app's cloud is what it runs, not its maker", id.Vendor.Value, id.Type.Value, id.Apps, id.IsIoT)
	}
	for _, d := range res.Devices {
		if notADevice(d.ID) {
			t.Errorf("%s is a device", d.ID)
		}
	}
}
