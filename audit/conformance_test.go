package audit

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

func scanPaths(t *testing.T, paths ...string) *result.Result {
	t.Helper()
	src, err := capture.Open(paths...)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, _ := Scan(src, Config{Version: "test"})
	if res == nil {
		t.Fatal("no result")
	}
	return res
}

// sentinelTruth is the ground truth of the IoT Sentinel folders: the
// folder name says the product. Acceptable vendors and types are sets
// where two folders share one MAC (the Hue switch talks through its
// bridge; the D-Link door sensor through its hub).
var sentinelTruth = map[string]struct{ vendors, types []string }{
	"D-LinkCam":          {[]string{"D-Link"}, []string{"camera"}},
	"D-LinkDayCam":       {[]string{"D-Link"}, []string{"camera"}},
	"D-LinkDoorSensor":   {[]string{"D-Link"}, []string{"sensor", "hub"}},
	"D-LinkHomeHub":      {[]string{"D-Link"}, []string{"hub"}},
	"D-LinkSensor":       {[]string{"D-Link"}, []string{"sensor"}},
	"D-LinkSwitch":       {[]string{"D-Link"}, []string{"plug", "switch"}},
	"D-LinkWaterSensor":  {[]string{"D-Link"}, []string{"sensor"}},
	"EdimaxCam1":         {[]string{"Edimax"}, []string{"camera"}},
	"EdimaxCam2":         {[]string{"Edimax"}, []string{"camera"}},
	"EdimaxPlug1101W":    {[]string{"Edimax"}, []string{"plug"}},
	"EdimaxPlug2101W":    {[]string{"Edimax"}, []string{"plug"}},
	"EdnetCam1":          {[]string{"ednet"}, []string{"camera"}},
	"EdnetGateway":       {[]string{"ednet"}, []string{"hub"}},
	"HomeMaticPlug":      {[]string{"eQ-3"}, []string{"plug"}},
	"HueBridge":          {[]string{"Signify (Philips Hue)"}, []string{"hub"}},
	"HueSwitch":          {[]string{"Signify (Philips Hue)"}, []string{"switch", "hub"}},
	"SmarterCoffee":      {[]string{"Smarter"}, []string{"appliance"}},
	"TP-LinkPlugHS100":   {[]string{"TP-Link"}, []string{"plug"}},
	"TP-LinkPlugHS110":   {[]string{"TP-Link"}, []string{"plug"}},
	"WeMoInsightSwitch":  {[]string{"Belkin"}, []string{"plug"}},
	"WeMoInsightSwitch2": {[]string{"Belkin"}, []string{"plug"}},
	"WeMoLink":           {[]string{"Belkin"}, []string{"hub"}},
	"WeMoSwitch":         {[]string{"Belkin"}, []string{"plug"}},
	"WeMoSwitch2":        {[]string{"Belkin"}, []string{"plug"}},
	"iKettle2":           {[]string{"Smarter"}, []string{"appliance"}},
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// saysSomething reports whether a device sent anything past joining the
// network: DHCP with a module's default host name and ARP say nothing
// about the product, so neither tattle nor anyone can name it from them.
func saysSomething(d *result.Device) bool {
	o := d.Observations
	if len(o.MDNS)+len(o.SSDP)+len(o.UPnP)+len(o.UserAgents)+len(o.JA4)+len(o.DNSQueries) > 0 {
		return true
	}
	for _, dst := range d.Destinations {
		if !dst.Local {
			return true
		}
	}
	return false
}

// TestIoTSentinelAccuracy identifies the IoT Sentinel device in every
// setup capture on its own (per capture, not per folder: a capture is
// what a user hands tattle) with the real pipeline, and checks vendor
// and type against the folder's ground truth. Each answer is right,
// honestly absent (empty: unknown) or wrong. No answer may be wrong; over
// the captures in which the device says anything past joining the
// network, vendor must be right in 95 % and type in 85 %. A capture in
// which the device is not seen counts against both.
func TestIoTSentinelAccuracy(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "IoT_Sentinel", "captures_IoT_Sentinel", "captures_IoT-Sentinel")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("IoT Sentinel captures not found: %v", err)
	}
	var rows []string
	type score struct{ right, absent, wrong int }
	var vendor, typ, vendorSays, typeSays score
	total, says := 0, 0
	classes := map[string]int{}
	count := func(sc *score, got string, want []string) string {
		switch {
		case oneOf(got, want):
			sc.right++
			return "ok"
		case got == "":
			sc.absent++
			return "none"
		}
		sc.wrong++
		return "WRONG"
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		truth, known := sentinelTruth[d.Name()]
		if !known {
			t.Errorf("%s: no ground truth entry", d.Name())
			continue
		}
		macb, err := os.ReadFile(filepath.Join(root, d.Name(), "_iotdevice-mac.txt"))
		if err != nil {
			continue
		}
		mac := strings.ToLower(strings.TrimSpace(string(macb)))
		caps, _ := filepath.Glob(filepath.Join(root, d.Name(), "*.pcap*"))
		if len(caps) == 0 {
			rows = append(rows, fmt.Sprintf("%-20s  (no capture in the folder: not counted)", d.Name()))
			continue
		}
		sort.Strings(caps)
		outcomes := map[string]int{}
		for _, c0 := range caps {
			res := scanPaths(t, c0)
			var dev *result.Device
			for i := range res.Devices {
				if res.Devices[i].ID == mac {
					dev = &res.Devices[i]
				}
			}
			total++
			if dev == nil {
				vendor.wrong++
				typ.wrong++
				vendorSays.wrong++
				typeSays.wrong++
				says++
				outcomes["not seen"]++
				continue
			}
			// The target is an IoT device: its class may be unknown
			// (honestly), never general-purpose or infrastructure.
			classes[dev.Identity.Class]++
			if c := dev.Identity.Class; c != fingerprints.ClassIoT && c != fingerprints.ClassUnknown {
				t.Errorf("%s: the IoT device %s is class %q", filepath.Base(c0), mac, c)
			}
			v, ty := dev.Identity.Vendor.Value, dev.Identity.Type.Value
			vo, to := count(&vendor, v, truth.vendors), count(&typ, ty, truth.types)
			s := saysSomething(dev) || vo == "ok" || to == "ok"
			if s {
				says++
				count(&vendorSays, v, truth.vendors)
				count(&typeSays, ty, truth.types)
			}
			label := fmt.Sprintf("vendor %s %q, type %s %q, class %s", vo, v, to, ty, dev.Identity.Class)
			if !s {
				label += " (says nothing past DHCP)"
			}
			outcomes[label]++
		}
		var os []string
		for o, n := range outcomes {
			os = append(os, fmt.Sprintf("%dx %s", n, o))
		}
		sort.Strings(os)
		rows = append(rows, fmt.Sprintf("%-20s %2d captures (want %s / %s): %s", d.Name(), len(caps),
			strings.Join(truth.vendors, "|"), strings.Join(truth.types, "|"), strings.Join(os, "; ")))
	}
	sort.Strings(rows)
	t.Logf("IoT Sentinel identification, per capture:\n%s", strings.Join(rows, "\n"))
	if total == 0 || says == 0 {
		t.Fatal("no IoT Sentinel capture evaluated")
	}
	pct := func(n, of int) float64 { return 100 * float64(n) / float64(of) }
	t.Logf("all %d captures: vendor right %d (%.1f%%), unknown %d, wrong %d; type right %d (%.1f%%), unknown %d, wrong %d",
		total, vendor.right, pct(vendor.right, total), vendor.absent, vendor.wrong, typ.right, pct(typ.right, total), typ.absent, typ.wrong)
	t.Logf("%d captures in which the device says something past DHCP: vendor right %.1f%%, type right %.1f%%",
		says, pct(vendorSays.right, says), pct(typeSays.right, says))
	t.Logf("class of the IoT device: iot %d, unknown %d, other %d (of %d captures in which it is seen)",
		classes[fingerprints.ClassIoT], classes[fingerprints.ClassUnknown],
		classes[fingerprints.ClassGeneralPurpose]+classes[fingerprints.ClassInfrastructure],
		classes[fingerprints.ClassIoT]+classes[fingerprints.ClassUnknown]+classes[fingerprints.ClassGeneralPurpose]+classes[fingerprints.ClassInfrastructure])
	if vendor.wrong+typ.wrong > 0 {
		t.Errorf("%d wrong vendors and %d wrong types: an identity must be right or honestly unknown", vendor.wrong, typ.wrong)
	}
	if p := pct(vendorSays.right, says); p < 95 {
		t.Errorf("vendor right in %.1f%% of the captures with signals, under 95%%", p)
	}
	if p := pct(typeSays.right, says); p < 85 {
		t.Errorf("type right in %.1f%% of the captures with signals, under 85%%", p)
	}
}

// TestNDPITrackersEndToEnd scans every shared nDPI capture in which nDPI
// labels a flow advertising or tracking, and checks that tattle's result
// shows that host as a tracker and a third party (or first party where
// the device's own vendor owns it, which the result then says).
func TestNDPITrackersEndToEnd(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "ntop-nDPI", "tests", "cfgs", "default")
	outs, _ := filepath.Glob(filepath.Join(root, "result", "*.out"))
	catRe := regexp.MustCompile(`\[cat: (Advertisement|Tracking)[^\]]*\]`)
	hostRe := regexp.MustCompile(`\[Hostname/SNI: ([^\]]+)\]`)
	checked, third := 0, 0
	for _, out := range outs {
		b, _ := os.ReadFile(out)
		want := map[string]bool{}
		for _, l := range strings.Split(string(b), "\n") {
			if catRe.MatchString(l) {
				if h := hostRe.FindStringSubmatch(l); h != nil {
					want[strings.ToLower(h[1])] = true
				}
			}
		}
		if len(want) == 0 {
			continue
		}
		pcap := filepath.Join(root, "pcap", strings.TrimSuffix(filepath.Base(out), ".out"))
		res := scanPaths(t, pcap)
		found := map[string]bool{}
		for _, dev := range res.Devices {
			for _, dst := range dev.Destinations {
				if !want[dst.Name] {
					continue
				}
				found[dst.Name] = true
				checked++
				switch {
				case dst.Party == "third":
					third++
				case dst.Party == "first" && dst.Organization != "":
					t.Logf("%s: %s is first party to %s (%s owns it)", filepath.Base(pcap), dst.Name, dev.ID, dst.Organization)
				default:
					t.Errorf("%s: %s is %q (%s/%s), want a third-party tracker", filepath.Base(pcap), dst.Name, dst.Party, dst.Organization, dst.Category)
				}
			}
		}
		for h := range want {
			if !found[h] {
				t.Errorf("%s: nDPI's tracker %s is not a destination in tattle's result", filepath.Base(pcap), h)
			}
		}
	}
	t.Logf("nDPI advertising/tracking destinations checked: %d, third party: %d", checked, third)
}

// TestNDPICleartextCredentials: every shared capture nDPI flags with
// clear-text credentials yields a credentials finding for that flow's
// server.
func TestNDPICleartextCredentials(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "ntop-nDPI", "tests", "cfgs", "default")
	outs, _ := filepath.Glob(filepath.Join(root, "result", "*.out"))
	flowRe := regexp.MustCompile(`^\s*\d+\s+(TCP|UDP)\s+(\S+):(\d+)\s+<?->\s+(\S+):(\d+)`)
	checked, found := 0, 0
	for _, out := range outs {
		b, _ := os.ReadFile(out)
		var servers []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.Contains(l, "Clear-Text Credentials") {
				continue
			}
			if m := flowRe.FindStringSubmatch(l); m != nil {
				servers = append(servers, strings.Trim(m[4], "[]"))
			}
		}
		if len(servers) == 0 {
			continue
		}
		pcap := filepath.Join(root, "pcap", strings.TrimSuffix(filepath.Base(out), ".out"))
		res := scanPaths(t, pcap)
		for _, srv := range servers {
			checked++
			ok := false
			for _, d := range res.Devices {
				for _, f := range d.Findings {
					if f.Kind != KindCredentials {
						continue
					}
					for _, dst := range d.Destinations {
						if dst.IP == srv && (f.Destination == dst.Name || f.Destination == dst.IP) {
							ok = true
						}
					}
				}
			}
			if ok {
				found++
			} else {
				t.Errorf("%s: nDPI flags clear-text credentials to %s; tattle found none", filepath.Base(pcap), srv)
			}
		}
	}
	t.Logf("nDPI clear-text credential flows: %d, found by tattle: %d", checked, found)
	if checked == 0 {
		t.Fatal("no nDPI credential expectations read")
	}
}

// TestIoTSentinelMACsInCleartext counts, per IoT Sentinel device, the
// findings of its own MAC address in cleartext payloads (UPnP, HTTP).
func TestIoTSentinelMACsInCleartext(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "IoT_Sentinel", "captures_IoT_Sentinel", "captures_IoT-Sentinel")
	dirs, _ := os.ReadDir(root)
	var rows []string
	total := 0
	for _, d := range dirs {
		macb, err := os.ReadFile(filepath.Join(root, d.Name(), "_iotdevice-mac.txt"))
		caps, _ := filepath.Glob(filepath.Join(root, d.Name(), "*.pcap*"))
		if err != nil || len(caps) == 0 {
			continue
		}
		mac := strings.ToLower(strings.TrimSpace(string(macb)))
		res := scanPaths(t, caps...)
		n, where := 0, map[string]bool{}
		for _, dev := range res.Devices {
			if dev.ID != mac {
				continue
			}
			for _, f := range dev.Findings {
				if f.Kind == KindCleartextPersonal && f.DataType == "mac address" {
					n++
					where[f.Destination] = true
					if len(f.Evidence) == 0 || f.Evidence[0].Packet == 0 {
						t.Errorf("%s: finding without packet evidence", d.Name())
					}
				}
			}
		}
		total += n
		var ws []string
		for w := range where {
			ws = append(ws, w)
		}
		sort.Strings(ws)
		rows = append(rows, fmt.Sprintf("%-20s %2d  %s", d.Name(), n, strings.Join(ws, ", ")))
	}
	t.Logf("device MAC in cleartext, findings per IoT Sentinel device:\n%s", strings.Join(rows, "\n"))
	if total == 0 {
		t.Error("no device sends its MAC in cleartext in any IoT Sentinel capture: the detector is suspect (WeMo and Hue put it in UPnP)")
	}
}

// TestEverySharedCaptureScans runs the whole pipeline over every capture
// in ../shared/captures, malformed and truncated ones included: each
// yields a result, none panics.
func TestEverySharedCaptureScans(t *testing.T) {
	root := testutil.SharedCaptures(t)
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".pcap", ".pcapng", ".cap":
				files = append(files, p)
			}
		}
		return nil
	})
	packets, devices, damaged := uint64(0), 0, 0
	for _, f := range files {
		src, err := capture.Open(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		res, err := Scan(src, Config{Version: "all"})
		src.Close()
		if res == nil {
			t.Errorf("%s: no result (%v)", f, err)
			continue
		}
		if err != nil {
			damaged++
		}
		packets += res.Stats.Packets
		devices += len(res.Devices)
	}
	t.Logf("%d shared captures scanned: %d packets, %d devices, %d damaged or not captures", len(files), packets, devices, damaged)
	if len(files) < 100 {
		t.Errorf("only %d captures found", len(files))
	}
}

// notADevice reports whether a device ID names an address that only ever
// receives: a multicast or broadcast MAC, a multicast address, the
// limited broadcast, or a subnet's broadcast address.
func notADevice(id string) bool {
	ip, ok := strings.CutPrefix(id, "ip:")
	if !ok {
		mac, err := net.ParseMAC(id)
		return err == nil && len(mac) > 0 && mac[0]&1 != 0
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	return a.IsMulticast() || (a.Is4() && (a.As4()[3] == 255 || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})))
}

// TestSharedCaptureDevices scans every shared capture on its own and
// prints the per-device identity table; no broadcast or multicast
// address may be a device.
func TestSharedCaptureDevices(t *testing.T) {
	if testing.Short() {
		t.Skip("long: scans every shared capture")
	}
	root := testutil.SharedCaptures(t)
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".pcap", ".pcapng", ".cap":
				files = append(files, p)
			}
		}
		return nil
	})
	sort.Strings(files)
	var rows []string
	classes := map[string]int{}
	for _, f := range files {
		src, err := capture.Open(f)
		if err != nil {
			continue
		}
		res, _ := Scan(src, Config{Version: "all"})
		src.Close()
		if res == nil {
			continue
		}
		rel, _ := filepath.Rel(root, f)
		for _, d := range res.Devices {
			if notADevice(d.ID) {
				t.Errorf("%s: %s is a broadcast or multicast address, reported as a device", rel, d.ID)
			}
			id := d.Identity
			classes[id.Class]++
			rows = append(rows, fmt.Sprintf("%s  %-22s vendor %-22q type %-12q model %-16q module %-12q class %s", rel, d.ID,
				id.Vendor.Value, id.Type.Value, id.Model.Value, id.Module.Value, id.Class))
		}
	}
	t.Logf("devices of every shared capture (%d captures):\n%s", len(files), strings.Join(rows, "\n"))
	t.Logf("devices by class (each capture on its own): iot %d, general-purpose %d, infrastructure %d, unknown %d",
		classes[fingerprints.ClassIoT], classes[fingerprints.ClassGeneralPurpose], classes[fingerprints.ClassInfrastructure], classes[fingerprints.ClassUnknown])
}

// TestSharedDestinationOwners reports, per shared capture set scanned as
// one folder, how many Internet destinations have an owner, and how many
// have an owner or a party (public time and DNS services whoever runs
// them): the README's "destinations with an owner" row. Reported, not
// asserted: most nDPI and Zeek destinations are bare addresses of test
// traffic that no knowledge names.
func TestSharedDestinationOwners(t *testing.T) {
	if testing.Short() {
		t.Skip("long: scans every shared capture set")
	}
	root := testutil.SharedCaptures(t)
	for _, set := range []string{"IoT_Sentinel", "ntop-nDPI", "FoxIO-ja4", "zeek", "tcpdump"} {
		dir := filepath.Join(root, set)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		src, err := capture.Open(dir)
		if err != nil {
			t.Errorf("%s: %v", set, err)
			continue
		}
		res, _ := Scan(src, Config{Version: "owners"})
		src.Close()
		if res == nil {
			continue
		}
		total, owned, placed := 0, 0, 0
		bySource := map[string]int{}
		for _, d := range res.Devices {
			for _, dst := range d.Destinations {
				if dst.Local {
					continue
				}
				total++
				if dst.Organization != "" {
					owned++
					src, _, _ := strings.Cut(dst.ClassifiedBy, ":")
					bySource[src]++
					if src == fingerprints.ListedSource {
						// for hand checks: what the generated lists alone say
						t.Logf("%s: %s %s %s: %s, %s, %s party", set, d.ID, dst.Name, dst.IP, dst.Organization, dst.Category, dst.Party)
					}
				}
				if dst.Organization != "" || (dst.Party != "" && dst.Party != "unclassified") {
					placed++
				}
			}
		}
		t.Logf("%s: destinations %d, with an owner %d (%.0f%%), with an owner or a party %d; owners by source %v",
			set, total, owned, 100*float64(owned)/float64(max(total, 1)), placed, bySource)
	}
}
