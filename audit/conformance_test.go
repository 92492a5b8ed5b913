package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
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

// TestIoTSentinelAccuracy identifies every IoT Sentinel device from its
// setup captures with the real pipeline and checks vendor and type
// against the folder's ground truth.
func TestIoTSentinelAccuracy(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "IoT_Sentinel", "captures_IoT_Sentinel", "captures_IoT-Sentinel")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("IoT Sentinel captures not found: %v", err)
	}
	var rows []string
	vendorOK, typeOK, total := 0, 0, 0
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
		res := scanPaths(t, caps...)
		var dev *result.Device
		for i := range res.Devices {
			if res.Devices[i].ID == mac {
				dev = &res.Devices[i]
			}
		}
		total++
		if dev == nil {
			rows = append(rows, fmt.Sprintf("%-20s  device %s not seen", d.Name(), mac))
			continue
		}
		v, ty := dev.Identity.Vendor.Value, dev.Identity.Type.Value
		vOK, tOK := oneOf(v, truth.vendors), oneOf(ty, truth.types)
		if vOK {
			vendorOK++
		}
		if tOK {
			typeOK++
		}
		mark := func(ok bool) string {
			if ok {
				return "ok"
			}
			return "MISS"
		}
		rows = append(rows, fmt.Sprintf("%-20s  vendor %-4s %-24q type %-4s %-12q (want %s / %s)", d.Name(), mark(vOK), v, mark(tOK), ty,
			strings.Join(truth.vendors, "|"), strings.Join(truth.types, "|")))
	}
	sort.Strings(rows)
	t.Logf("IoT Sentinel identification:\n%s", strings.Join(rows, "\n"))
	if total == 0 {
		t.Fatal("no IoT Sentinel device evaluated")
	}
	va, ta := float64(vendorOK)/float64(total), float64(typeOK)/float64(total)
	t.Logf("vendor accuracy %d/%d = %.0f%%, type accuracy %d/%d = %.0f%%", vendorOK, total, 100*va, typeOK, total, 100*ta)
	if va < 0.90 {
		t.Errorf("vendor accuracy %.0f%% is under 90%%", 100*va)
	}
	if ta < 0.70 {
		t.Errorf("type accuracy %.0f%% is under 70%%", 100*ta)
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
