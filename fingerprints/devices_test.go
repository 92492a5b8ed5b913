package fingerprints

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/repeat"
)

func sig(mac [6]byte, kv ...string) *Signals {
	s := &Signals{MAC: mac, HasMAC: true}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "domain" {
			s.Domains = append(s.Domains, Signal{Value: kv[i+1], Ref: Ref{File: "t", Packet: 1}})
			continue
		}
		s.Add(kv[i], kv[i+1], Ref{File: "t", Packet: uint64(i + 2)})
	}
	return s
}

var (
	tplinkMAC = [6]byte{0x50, 0xc7, 0xbf, 1, 2, 3}
	espMAC    = [6]byte{0x5c, 0xcf, 0x7f, 1, 2, 3}
	randMAC   = [6]byte{0xda, 0xa1, 0x19, 1, 2, 3}
	belkinMAC = [6]byte{0x94, 0x10, 0x3e, 1, 2, 3}
)

func TestIdentify(t *testing.T) {
	db := DefaultDB()
	if db.Rules() < 50 {
		t.Fatalf("only %d rules", db.Rules())
	}
	tests := []struct {
		name                string
		s                   *Signals
		vendor, typ, model  string
		class               string
		minVendorConfidence float64
	}{
		{"OUI alone: vendor, modest confidence, no type", sig(tplinkMAC), "TP-Link", "", "", ClassUnknown, 0.6},
		{"Kasa plug by DHCP host name and cloud", sig(tplinkMAC, "dhcp_hostname", "HS110(EU)", "domain", "devs.tplinkcloud.com"), "TP-Link", "plug", "HS110(EU)", ClassIoT, 0.95},
		{"module OUI gives way to the product's cloud", sig(espMAC, "domain", "a1.tuyaus.com"), "Tuya", "", "", ClassIoT, 0.5},
		{"HomeKit category and model", sig(randMAC, "mdns_service", "_hap._tcp", "mdns_txt", "ci=7", "mdns_txt", "md=Eve Energy"), "", "plug", "Eve Energy", ClassIoT, 0},
		{"UPnP description", sig(belkinMAC, "upnp_manufacturer", "Belkin International Inc.", "upnp_model", "Socket 1.0", "ssdp_type", "urn:Belkin:device:controllee:1"), "Belkin", "plug", "Socket 1.0", ClassIoT, 0.9},
		{"Android phone", sig(randMAC, "dhcp_vendor_class", "android-dhcp-13", "dhcp_hostname", "Pixel-7"), "Google", "phone", "Pixel-7", ClassGeneralPurpose, 0.6},
		{"Windows computer", sig(randMAC, "dhcp_vendor_class", "MSFT 5.0"), "", "computer", "", ClassGeneralPurpose, 0},
		{"no signal, randomised MAC: unknown, not guessed", sig(randMAC), "", "", "", ClassUnknown, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := db.Identify(tc.s)
			if id.Vendor.Value != tc.vendor || id.Type.Value != tc.typ || id.Model.Value != tc.model || id.Class != tc.class {
				t.Fatalf("identity = %q/%q/%q class %s, want %q/%q/%q class %s", id.Vendor.Value, id.Type.Value, id.Model.Value, id.Class, tc.vendor, tc.typ, tc.model, tc.class)
			}
			checkClass(t, id)
			if id.Vendor.Confidence < tc.minVendorConfidence || id.Vendor.Confidence > 1 {
				t.Errorf("vendor confidence %.2f", id.Vendor.Confidence)
			}
			if id.Vendor.Value != "" && len(id.Vendor.Evidence) == 0 {
				t.Error("a vendor without evidence")
			}
		})
	}
}

func TestIdentifyShowsConflicts(t *testing.T) {
	id := DefaultDB().Identify(sig(tplinkMAC, "upnp_manufacturer", "Belkin International Inc."))
	if len(id.Conflicts) == 0 || id.Conflicts[0].Field != "vendor" || len(id.Conflicts[0].Claims) != 2 {
		t.Fatalf("conflicts = %+v", id.Conflicts)
	}
}

func TestRuleFileErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad regexp", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: '('}\n    type: plug\n    note: x\n", "t.yaml:3"},
		{"unknown signal", "version: 1\nrules:\n  - id: a\n    match: {dhcp_colour: 'x'}\n    type: plug\n    note: x\n", "unknown signal"},
		{"unknown type", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: 'x'}\n    type: toaster\n    note: x\n", "unknown type"},
		{"duplicate id", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: 'x'}\n    type: plug\n    note: x\n  - id: a\n    match: {dhcp_hostname: 'y'}\n    type: plug\n    note: y\n", "repeated"},
		{"concludes nothing", "version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: 'x'}\n    note: x\n", "concludes nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := &DB{kb: DefaultKB()}
			err := db.Load(strings.NewReader(tc.yaml), "t.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzLoadRules(f *testing.F) {
	f.Add([]byte("version: 1\nrules:\n  - id: a\n    match: {dhcp_hostname: '^x'}\n    type: plug\n    note: x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		db := &DB{kb: DefaultKB()}
		if db.Load(strings.NewReader(string(b)), "f.yaml") == nil {
			db.Identify(sig(tplinkMAC, "dhcp_hostname", "x"))
		}
	})
}

func BenchmarkIdentify(b *testing.B) {
	db := DefaultDB()
	s := sig(tplinkMAC, "dhcp_hostname", "HS110(EU)", "dhcp_vendor_class", "udhcp 0.9.9", "domain", "devs.tplinkcloud.com", "mdns_service", "_hap._tcp")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		db.Identify(s)
	}
}

// TestIdentifyUnseenDevices: signals named in vendors' public naming and
// in specifications identify devices no test capture holds.
func TestIdentifyUnseenDevices(t *testing.T) {
	var (
		lgMAC     = [6]byte{0x00, 0x1c, 0x62, 1, 2, 3}
		huaweiMAC = [6]byte{0x00, 0x18, 0x82, 1, 2, 3}
		tiMAC     = [6]byte{0x00, 0x12, 0x4b, 1, 2, 3}
		hfMAC     = [6]byte{0xac, 0xcf, 0x23, 1, 2, 3}
		edimaxMAC = [6]byte{0x74, 0xda, 0x38, 1, 2, 3}
	)
	db := DefaultDB()
	tests := []struct {
		name                       string
		s                          *Signals
		vendor, typ, model, module string
		class                      string
	}{
		{"an LG phone running the Kasa app keeps its maker, and its mobile division's OUI says it is not IoT", sig(lgMAC, "domain", "devs.tplinkcloud.com"), "LG Electronics", "", "", "", ClassGeneralPurpose},
		{"a Samsung phone's Dalvik User-Agent names its model", sig(randMAC, "user_agent", "Dalvik/1.6.0 (Linux; U; Android 4.4.2; SM-N7505 Build/KOT49H)"), "Samsung", "phone", "SM-N7505", "", ClassGeneralPurpose},
		{"a Samsung tablet's Dalvik User-Agent", sig(randMAC, "user_agent", "Dalvik/2.1.0 (Linux; U; Android 11; SM-T505 Build/RP1A.200720.012)"), "Samsung", "tablet", "SM-T505", "", ClassGeneralPurpose},
		{"another Android app's Dalvik User-Agent: not IoT, type unsaid", sig(randMAC, "user_agent", "Dalvik/2.1.0 (Linux; U; Android 9; Nokia 7.1 Build/PPR1.180610.011)"), "", "", "", "", ClassGeneralPurpose},
		{"an Android SOAP app (ksoap2-android): not IoT", sig(randMAC, "user_agent", "ksoap2-android/2.6.0+"), "", "", "", "", ClassGeneralPurpose},
		{"HomePod mini by its AirPlay model identifier", sig([6]byte{0xf4, 0x34, 0xf0, 1, 2, 3}, "mdns_service", "_airplay._tcp", "mdns_txt", "model=AudioAccessory5,1"), "Apple", "speaker", "AudioAccessory5,1", "", ClassIoT},
		{"Apple TV by its AirPlay model identifier", sig([6]byte{0xf4, 0x34, 0xf0, 1, 2, 3}, "mdns_service", "_airplay._tcp", "mdns_txt", "model=AppleTV11,1"), "Apple", "media-player", "AppleTV11,1", "", ClassIoT},
		{"first-generation Chromecast by its DIAL model name", sig(randMAC, "upnp_manufacturer", "Google Inc.", "upnp_model", "Eureka Dongle"), "Google", "media-player", "Eureka Dongle", "", ClassIoT},
		{"a Juniper router or switch is infrastructure", sig([6]byte{0x00, 0x26, 0x88, 1, 2, 3}), "Juniper Networks", "router", "", "", ClassInfrastructure},
		{"a Tyan server (upper-case registry name) is a computer", sig([6]byte{0x00, 0xe0, 0x81, 1, 2, 3}), "Tyan Computer", "computer", "", "", ClassGeneralPurpose},
		{"a Huawei phone: Android, the app's cloud is an app", sig(huaweiMAC, "dhcp_vendor_class", "android-dhcp-12", "domain", "api.io.mi.com"), "Huawei", "phone", "", "", ClassGeneralPurpose},
		{"Tapo camera with a bare model host name and MSFT 5.0", sig(tplinkMAC, "dhcp_hostname", "C200", "dhcp_vendor_class", "MSFT 5.0"), "TP-Link", "camera", "Tapo C200", "", ClassIoT},
		{"Tapo bulb", sig(randMAC, "dhcp_hostname", "L530"), "TP-Link", "bulb", "Tapo L530", "", ClassIoT},
		{"Schlage lock on a TI chip", sig(tiMAC, "dhcp_hostname", "Schlage", "domain", "api.allegionengage.com"), "Schlage", "lock", "", "Texas Instruments", ClassIoT},
		{"miIO camera host name", sig(randMAC, "dhcp_hostname", "chuangmi_camera_ipc019"), "Xiaomi", "camera", "chuangmi.camera.ipc019", "", ClassIoT},
		{"SmartThings hub", sig(randMAC, "dhcp_hostname", "hubv3-24fd5b000001"), "Samsung", "hub", "SmartThings Hub", "", ClassIoT},
		{"Lockly hub on an Espressif module", sig(espMAC, "dhcp_hostname", "PGH200"), "Lockly", "hub", "PGH200", "Espressif", ClassIoT},
		{"D-Link siren: model, no type claimed", sig(randMAC, "dhcp_hostname", "DCH-S220"), "D-Link", "", "DCH-S220", "", ClassIoT},
		{"D-Link hub by its TXT model_number", sig(randMAC, "mdns_txt", "model_number=DCH-G020"), "D-Link", "hub", "DCH-G020", "", ClassIoT},
		{"HomeKit camera by category over HAP/UDP", sig(randMAC, "mdns_service", "_hap._udp", "mdns_txt", "ci=17"), "", "camera", "", "", ClassIoT},
		{"HomeKit air purifier", sig(randMAC, "mdns_service", "_hap._tcp", "mdns_txt", "ci=19"), "", "appliance", "", "", ClassIoT},
		{"Hi-Flying module alone: no vendor", sig(hfMAC, "dhcp_hostname", "HF-LPB100"), "", "", "", "Hi-Flying", ClassIoT},
		{"VMware VM", sig([6]byte{0x00, 0x50, 0x56, 1, 2, 3}), "VMware", "computer", "virtual machine", "", ClassGeneralPurpose},
		{"QEMU VM (locally administered prefix)", sig([6]byte{0x52, 0x54, 0x00, 1, 2, 3}), "QEMU", "computer", "virtual machine", "", ClassGeneralPurpose},
		{"UPnP Internet gateway is infrastructure", sig(randMAC, "ssdp_type", "urn:schemas-upnp-org:device:InternetGatewayDevice:1"), "", "router", "", "", ClassInfrastructure},
		{"an Apple device that says nothing more is not counted as IoT", sig([6]byte{0xc4, 0x2c, 0x03, 1, 2, 3}, "domain", "devs.tplinkcloud.com"), "Apple", "", "", "", ClassGeneralPurpose},
		{"a HomeKit outlet on an Apple OUI is IoT", sig([6]byte{0xc4, 0x2c, 0x03, 1, 2, 3}, "mdns_service", "_hap._tcp", "mdns_txt", "ci=7"), "Apple", "plug", "", "", ClassIoT},
		{"desktop Linux by its dhclient request list", sig(randMAC, "dhcp_params", "1,28,2,3,15,6,119,12,44,47,26,121,42"), "", "computer", "", "", ClassGeneralPurpose},
		{"Apple's DHCP client, nothing else: not counted as IoT", sig(randMAC, "dhcp_params", "1,121,3,6,15,119,252,95,44,46"), "", "", "", "", ClassGeneralPurpose},
		{"an Echo by host name: vendor only, no guessed type", sig(randMAC, "dhcp_hostname", "amazon-c045e10a5"), "Amazon", "", "", "", ClassUnknown},
		{"Kasa get_sysinfo", sig(randMAC, "kasa_model", "HS220(US)", "kasa_type", "IOT.SMARTPLUGSWITCH"), "TP-Link", "switch", "HS220(US)", "", ClassIoT},
		{"Edimax smart plug answering on its API port", sig(edimaxMAC, "listen_port", "tcp/10000"), "Edimax", "plug", "", "", ClassIoT},
		{"an Edimax device without that port: vendor only", sig(edimaxMAC, "listen_port", "tcp/80"), "Edimax", "", "", "", ClassUnknown},
		{"port 10000 on another maker's device names nothing", sig(randMAC, "listen_port", "tcp/10000"), "", "", "", "", ClassUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := db.Identify(tc.s)
			if id.Vendor.Value != tc.vendor || id.Type.Value != tc.typ || id.Model.Value != tc.model || id.Module.Value != tc.module || id.Class != tc.class {
				t.Fatalf("identity %q/%q/%q module %q class %s, want %q/%q/%q module %q class %s", id.Vendor.Value, id.Type.Value, id.Model.Value,
					id.Module.Value, id.Class, tc.vendor, tc.typ, tc.model, tc.module, tc.class)
			}
			checkClass(t, id)
		})
	}
}

// checkClass holds an identity's class to its flags and evidence: is_iot
// exactly for class iot, is_infrastructure for infrastructure, evidence
// for every class but unknown.
func checkClass(t *testing.T, id Identity) {
	t.Helper()
	known := false
	for _, c := range Classes {
		known = known || c == id.Class
	}
	if !known {
		t.Fatalf("class %q is not one of %v", id.Class, Classes)
	}
	if id.IsIoT != (id.Class == ClassIoT) || id.Infrastructure != (id.Class == ClassInfrastructure) {
		t.Errorf("class %s with is_iot=%v is_infrastructure=%v", id.Class, id.IsIoT, id.Infrastructure)
	}
	if (id.Class == ClassUnknown) != (len(id.ClassEvidence) == 0) {
		t.Errorf("class %s with %d pieces of evidence", id.Class, len(id.ClassEvidence))
	}
	if id.Class == ClassUnknown && id.Type.Value != "" {
		t.Errorf("class unknown with type %q", id.Type.Value)
	}
}

// TestDeviceClass: one case per rule of the class. IoT only on positive
// evidence; without a type or any, unknown.
func TestDeviceClass(t *testing.T) {
	var (
		asusMAC    = [6]byte{0x04, 0x92, 0x26, 1, 2, 3} // ASUSTek: routers, laptops, phones
		hpMAC      = [6]byte{0x3c, 0xd9, 0x2b, 1, 2, 3} // Hewlett Packard: computers, printers, servers
		ciscoMAC   = [6]byte{0x00, 0x1b, 0x54, 1, 2, 3} // Cisco: switches, phones, cameras
		realtekMAC = [6]byte{0x00, 0xe0, 0x4c, 1, 2, 3} // Realtek: PCs' and USB adapters' chips too
		appleMAC   = [6]byte{0xc4, 0x2c, 0x03, 1, 2, 3}
	)
	db := DefaultDB()
	tests := []struct {
		name, class, rule string // rule: the rule of the first class evidence, "" for unknown
		s                 *Signals
		label             *Label
	}{
		{"an IoT type", ClassIoT, "kasa-sysinfo-plug", sig(randMAC, "kasa_model", "HS110(EU)"), nil},
		{"a router type", ClassInfrastructure, "upnp-igd", sig(randMAC, "ssdp_type", "urn:schemas-upnp-org:device:InternetGatewayDevice:1"), nil},
		{"the gateway", ClassInfrastructure, "gateway", &Signals{MAC: randMAC, HasMAC: true, Gateway: []Signal{{Value: "answered DHCP"}}}, nil},
		{"a phone type", ClassGeneralPurpose, "android-dhcp", sig(randMAC, "dhcp_vendor_class", "android-dhcp-13"), nil},
		{"a VM", ClassGeneralPurpose, "vmware-vm", sig([6]byte{0x00, 0x50, 0x56, 1, 2, 3}), nil},
		{"a general-purpose rule, no type", ClassGeneralPurpose, "apple-oui-general", sig(appleMAC), nil},
		{"a general-purpose rule wins over an IoT cloud (an app on a phone)", ClassGeneralPurpose, "apple-oui-general", sig(appleMAC, "domain", "devs.tplinkcloud.com"), nil},
		{"an embedded module maker's OUI", ClassIoT, "oui-module", sig(espMAC), nil},
		{"a module SDK's default host name", ClassIoT, "espressif-default-hostname", sig(randMAC, "dhcp_hostname", "ESP_0A1B2C"), nil},
		{"a module maker whose chips are in computers too", ClassUnknown, "", sig(realtekMAC), nil},
		{"an IoT cloud, as a device", ClassIoT, "cloud:tplinkcloud.com", sig(randMAC, "domain", "devs.tplinkcloud.com"), nil},
		{"HomeKit accessory without a category", ClassIoT, "homekit-accessory", sig(randMAC, "mdns_service", "_hap._tcp"), nil},
		{"Matter device awaiting commissioning", ClassIoT, "matter-commissionable", sig(randMAC, "mdns_service", "_matterc._udp"), nil},
		{"ESPHome device", ClassIoT, "esphome-api", sig(randMAC, "mdns_service", "_esphomelib._tcp"), nil},
		{"miIO device", ClassIoT, "miio-service", sig(randMAC, "mdns_service", "_miio._udp"), nil},
		{"eWeLink device in LAN mode", ClassIoT, "ewelink-lan", sig(randMAC, "mdns_service", "_ewelink._tcp"), nil},
		{"Shelly Gen2 device", ClassIoT, "shelly-service", sig(randMAC, "mdns_service", "_shelly._tcp"), nil},
		{"a DIAL server announcing itself", ClassIoT, "dial-server", sig(randMAC, "ssdp_announce", "urn:dial-multiscreen-org:service:dial:1"), nil},
		{"a phone searching for DIAL servers", ClassUnknown, "", sig(randMAC, "ssdp_type", "urn:dial-multiscreen-org:service:dial:1"), nil},
		{"a UPnP light", ClassIoT, "upnp-lighting-hvac", sig(randMAC, "ssdp_announce", "urn:schemas-upnp-org:device:DimmableLight:1"), nil},
		{"a Kasa answer without a known model", ClassIoT, "kasa-answer", sig(randMAC, "kasa_model", "XY99"), nil},
		{"a Tuya LAN broadcast", ClassIoT, "tuya-answer", sig(randMAC, "tuya_product", "(encrypted)"), nil},
		{"a Kasa query (the app asks)", ClassUnknown, "", sig(randMAC, "local_app", "kasa"), nil},
		{"D-Link mydlink model without a type", ClassIoT, "dlink-dch-siren", sig(randMAC, "dhcp_hostname", "DCH-S220"), nil},
		{"a user label with an IoT type", ClassIoT, "user-label", sig(asusMAC), &Label{Type: TypeCamera, Source: "--label"}},
		{"a user label with a phone type beats IoT evidence", ClassGeneralPurpose, "user-label", sig(espMAC), &Label{Type: TypePhone, Source: "--label"}},
		{"a user label with a vendor only says no class", ClassUnknown, "", sig(randMAC), &Label{Vendor: "Acme", Source: "--label"}},
		{"nothing at all", ClassUnknown, "", sig(randMAC), nil},
		{"Asus OUI alone (routers, laptops, phones)", ClassUnknown, "", sig(asusMAC), nil},
		{"HP OUI alone (computers, printers)", ClassUnknown, "", sig(hpMAC), nil},
		{"Cisco OUI alone", ClassUnknown, "", sig(ciscoMAC), nil},
		{"TP-Link OUI alone (routers as well as plugs)", ClassUnknown, "", sig(tplinkMAC), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.Label = tc.label
			id := db.Identify(tc.s)
			checkClass(t, id)
			rule := ""
			if len(id.ClassEvidence) > 0 {
				rule = id.ClassEvidence[0].Rule
			}
			if id.Class != tc.class || rule != tc.rule {
				t.Fatalf("class %s (rule %q, type %q), want %s (rule %q)", id.Class, rule, id.Type.Value, tc.class, tc.rule)
			}
		})
	}
}

func TestIoTRuleFile(t *testing.T) {
	db := &DB{kb: DefaultKB()}
	if err := db.Load(strings.NewReader("version: 1\nrules:\n  - id: a\n    match: {mdns_service: '^_acme\\._tcp$'}\n    iot: true\n    note: x\n"), "t.yaml"); err != nil {
		t.Fatalf("an iot rule concludes something: %v", err)
	}
	if id := db.Identify(sig(randMAC, "mdns_service", "_acme._tcp")); id.Class != ClassIoT {
		t.Errorf("class %s, want iot", id.Class)
	}
	err := (&DB{kb: DefaultKB()}).Load(strings.NewReader("version: 1\nrules:\n  - id: a\n    match: {mdns_service: 'x'}\n    iot: true\n    general_purpose: true\n    note: x\n"), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("err = %v, want one for both general_purpose and iot", err)
	}
}

// The match memo changes no identity: devices identified with it, the
// second time from it, are identified as without it (repeat.Off), match
// groups (models from a User-Agent, a host name) included.
func TestMatchMemoSameIdentity(t *testing.T) {
	signals := func() []*Signals {
		return []*Signals{
			sig(tplinkMAC, "dhcp_hostname", "HS110(EU)", "domain", "devs.tplinkcloud.com"),
			sig(randMAC, "user_agent", "Dalvik/1.6.0 (Linux; U; Android 4.4.2; SM-N7505 Build/KOT49H)"),
			sig(randMAC, "user_agent", "Dalvik/2.1.0 (Linux; U; Android 11; SM-T505 Build/RP1A.200720.012)"),
			sig(randMAC, "dhcp_hostname", "chuangmi_camera_ipc019"),
			sig(randMAC, "mdns_service", "_hap._tcp", "mdns_txt", "ci=7", "mdns_txt", "md=Eve Energy"),
			sig(tplinkMAC, "dhcp_hostname", "C200", "dhcp_vendor_class", "MSFT 5.0"),
			sig(belkinMAC, "upnp_manufacturer", "Belkin International Inc.", "upnp_model", "Socket 1.0", "ssdp_type", "urn:Belkin:device:controllee:1"),
			sig(randMAC, "kasa_model", "HS220(US)", "kasa_type", "IOT.SMARTPLUGSWITCH"),
			sig(espMAC, "dhcp_hostname", "PGH200"),
			sig(randMAC),
		}
	}
	defer func(v bool) { repeat.Off = v }(repeat.Off)
	db, err := NewDB(DefaultKB())
	if err != nil {
		t.Fatal(err)
	}
	repeat.Off = true
	var want []Identity
	for _, s := range signals() {
		want = append(want, db.Identify(s))
	}
	if len(db.memo.m) != 0 {
		t.Fatalf("the memo filled with repeat.Off: %d answers", len(db.memo.m))
	}
	repeat.Off = false
	for round := range 2 {
		for i, s := range signals() {
			if got := db.Identify(s); !reflect.DeepEqual(got, want[i]) {
				t.Errorf("round %d, device %d: %+v, want %+v", round, i, got, want[i])
			}
		}
	}
	if len(db.memo.m) == 0 {
		t.Fatal("nothing memoised")
	}
}

// The memo holds at most maxMemoEntries answers.
func TestMatchMemoBounded(t *testing.T) {
	defer func(v bool) { repeat.Off = v }(repeat.Off)
	repeat.Off = false
	db := DefaultDB()
	r := &db.rules[0]
	var m matchMemo
	for i := range maxMemoEntries + 100 {
		v := "value-" + strconv.Itoa(i)
		g, ok := m.match(r, 0, v)
		wg, wok := matchRule(r, 0, v)
		if ok != wok || !reflect.DeepEqual(g, wg) {
			t.Fatalf("%q: %v %v, without the memo %v %v", v, g, ok, wg, wok)
		}
		if len(m.m) > maxMemoEntries {
			t.Fatalf("%d answers held", len(m.m))
		}
	}
}
