package audit

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/zeek"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

// zeekBaseline is one btest baseline directory with the one trace its
// logs were made from.
type zeekBaseline struct {
	dir    string
	traces []string
}

func zeekBaselines(t *testing.T) []zeekBaseline {
	root := filepath.Join(testutil.SharedCaptures(t), "zeek")
	m, err := os.ReadFile(filepath.Join(root, "BASELINE-MAP.tsv"))
	if err != nil {
		t.Skipf("zeek baseline map not found: %v", err)
	}
	var out []zeekBaseline
	for _, l := range strings.Split(string(m), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || !strings.HasPrefix(f[2], "TRACES/") {
			continue
		}
		dir := filepath.Join(root, "testing", "btest", "Baseline", f[0])
		if !zeek.Detect(dir) {
			continue
		}
		// A test over several traces ran Zeek on each: its logs hold
		// them all, and the traces are scanned each as its own capture.
		zb := zeekBaseline{dir: dir}
		missing := false
		for _, tr := range strings.Fields(f[2]) {
			p := filepath.Join(root, "testing", "btest", "Traces", strings.TrimPrefix(tr, "TRACES/"))
			if _, err := os.Stat(p); err != nil {
				missing = true // not every trace is in the shared copy
			}
			zb.traces = append(zb.traces, p)
		}
		if !missing {
			out = append(out, zb)
		}
	}
	return out
}

func scanZeekDir(t *testing.T, dir string) *result.Result {
	t.Helper()
	src, err := zeek.Open(dir)
	if err != nil {
		if strings.Contains(err.Error(), "no Zeek logs tattle reads") {
			return nil // mqtt.log, weird.log...: nothing to compare
		}
		t.Fatal(err)
	}
	res, err := ScanZeek(src, Config{Version: "test"})
	if err != nil {
		t.Logf("%s: %v", dir, err)
	}
	if res == nil {
		t.Fatal("no result")
	}
	return res
}

// matchDevices finds the devices of the packet scan that a device of the
// log scan may be: the one with its MAC or, keyed by IP for want of a MAC
// in the logs, every device that used that address (traces from several
// networks can reuse one).
func matchDevices(devs []result.Device, d *result.Device) []*result.Device {
	for i := range devs {
		if devs[i].ID == d.ID {
			return []*result.Device{&devs[i]}
		}
	}
	if d.MAC != "" {
		return nil
	}
	ip := strings.TrimPrefix(d.ID, "ip:")
	var out []*result.Device
	for i := range devs {
		for _, a := range devs[i].IPs {
			if a.IP == ip {
				out = append(out, &devs[i])
				break
			}
		}
	}
	return out
}

func destByName(d *result.Device, name string) *result.Destination {
	for i := range d.Destinations {
		if d.Destinations[i].Name == name {
			return &d.Destinations[i]
		}
	}
	for i := range d.Destinations {
		for _, n := range d.Destinations[i].Names {
			if n.Name == name {
				return &d.Destinations[i]
			}
		}
	}
	return nil
}

// TestZeekLogsAgreeWithTraces scans each Zeek btest trace and the logs
// Zeek made from it, and checks that the two results agree on every fact
// both hold: each device the logs show is a device of the trace (by MAC,
// or by address where the logs have no MAC), each destination name the
// logs give that device is one of the trace's for it, with the same
// party, and so are the host names devices gave themselves in DHCP, their
// User-Agents, and the JA4 and JA3 computed from ssl-log-ext's fields.
func TestZeekLogsAgreeWithTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("conformance against Zeek's logs: not with -short")
	}
	cases := zeekBaselines(t)
	if len(cases) == 0 {
		t.Fatal("no Zeek baselines with logs tattle reads")
	}
	c := map[string][2]int{}
	check := func(what string, ok bool, format string, args ...any) {
		t.Helper()
		n := c[what]
		n[1]++
		if ok {
			n[0]++
		} else {
			t.Errorf(format, args...)
		}
		c[what] = n
	}
	compared := 0
	for _, zc := range cases {
		where := filepath.Base(zc.dir)
		logs := scanZeekDir(t, zc.dir)
		if logs == nil {
			continue
		}
		compared++
		src, err := capture.Open(zc.traces...)
		if err != nil {
			t.Fatal(err)
		}
		pkts, _ := Scan(src, Config{Version: "test", SeparateFiles: true})
		src.Close()
		for i := range logs.Devices {
			ld := &logs.Devices[i]
			cands := matchDevices(pkts.Devices, ld)
			check("devices", len(cands) > 0, "%s: device %s of the logs is not in the trace's result", where, ld.ID)
			any := func(f func(pd *result.Device) bool) bool { return slices.ContainsFunc(cands, f) }
			for _, dst := range ld.Destinations {
				if dst.Name == "" {
					continue
				}
				named := any(func(pd *result.Device) bool { return destByName(pd, dst.Name) != nil })
				check("names", named, "%s: %s: the logs name %q; the trace's result does not", where, ld.ID, dst.Name)
				if named {
					same := any(func(pd *result.Device) bool { p := destByName(pd, dst.Name); return p != nil && p.Party == dst.Party })
					check("parties", same, "%s: %s: %s: party %s from the logs, not from the trace", where, ld.ID, dst.Name, dst.Party)
				}
			}
			for _, h := range ld.Observations.Hostnames {
				ok := any(func(pd *result.Device) bool {
					return slices.ContainsFunc(pd.Observations.Hostnames, func(s result.Seen) bool { return s.Value == h.Value })
				})
				check("host names", ok, "%s: %s: host name %q from the logs, not from the trace", where, ld.ID, h.Value)
			}
			for _, ua := range ld.Observations.UserAgents {
				ok := any(func(pd *result.Device) bool {
					return slices.ContainsFunc(pd.Observations.UserAgents, func(s result.Seen) bool { return s.Value == ua.Value })
				})
				check("user agents", ok, "%s: %s: User-Agent %q from the logs, not from the trace", where, ld.ID, ua.Value)
			}
			for _, tc := range ld.Observations.JA4 {
				if tc.JA4 == "" || strings.HasPrefix(tc.JA4, "d") {
					// tattle's packet scan fingerprints no DTLS hello
					// (capture/tlsx/dtls.go names the flow only): not a
					// fact both hold.
					continue
				}
				ok := any(func(pd *result.Device) bool {
					return slices.ContainsFunc(pd.Observations.JA4, func(o result.TLSObs) bool { return o.JA4 == tc.JA4 })
				})
				check("JA4 (from ssl-log-ext fields)", ok, "%s: %s: JA4 %s from the logs, not from the trace", where, ld.ID, tc.JA4)
				ok = tc.JA3 == "" || any(func(pd *result.Device) bool {
					return slices.ContainsFunc(pd.Observations.JA4, func(o result.TLSObs) bool { return o.JA3 == tc.JA3 })
				})
				check("JA3 (from ssl-log-ext fields)", ok, "%s: %s: JA3 %s from the logs, not from the trace", where, ld.ID, tc.JA3)
			}
			if v := ld.Identity.Vendor.Value; v != "" {
				ok := any(func(pd *result.Device) bool { return pd.Identity.Vendor.Value == v })
				check("vendors", ok, "%s: %s: vendor %q from the logs, not from the trace", where, ld.ID, v)
			}
		}
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("Zeek logs vs their traces, %s: %d of %d agree (%d baselines)", k, c[k][0], c[k][1], compared)
	}
	if c["devices"][1] == 0 || c["names"][1] == 0 {
		t.Error("no devices or names compared")
	}
}
