package dissect_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// ndpiFlowsOf returns the "src:port -> dst:port" flows an nDPI result
// file labels with proto.
func ndpiFlowsOf(t *testing.T, out, proto string) map[string]bool {
	t.Helper()
	f, err := os.Open(out)
	if err != nil {
		t.Skipf("nDPI result not found: %v", err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^\s*\d+\s+UDP\s+(\S+)\s+<?->\s+(\S+)\s+\[proto: [0-9.]+/` + proto + `\]`)
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			want[m[1]+" -> "+m[2]] = true
		}
	}
	if len(want) == 0 {
		t.Fatalf("%s: no %s flow read", out, proto)
	}
	return want
}

// TestNDPIVendorProtocols checks the Kasa and Tuya dissectors against
// nDPI's labels on its own captures: every flow nDPI calls TPLINK_SHP or
// TuyaLP is one tattle reads (Kasa: get_sysinfo queries; Tuya: the 6667
// broadcasts, decrypted with Tuya's published key to JSON with a gwId).
func TestNDPIVendorProtocols(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "ntop-nDPI", "tests", "cfgs", "default")
	for _, tc := range []struct{ pcap, proto, ours string }{
		{"tplink_shp.pcap", "TPLINK_SHP", "kasa"},
		{"tuya_lp.pcap", "TuyaLP", "tuya"},
	} {
		t.Run(tc.ours, func(t *testing.T) {
			want := ndpiFlowsOf(t, filepath.Join(root, "result", tc.pcap+".out"), tc.proto)
			got := map[string]bool{}
			encrypted, ids := 0, 0
			for _, e := range scan(t, filepath.Join(root, "pcap", tc.pcap)) {
				d, ok := e.(*capture.DeviceInfoEvent)
				if !ok || d.Protocol != tc.ours {
					continue
				}
				got[d.Src.String()+" -> "+d.Dst.String()] = true
				if d.Encrypted {
					encrypted++
				}
				if d.DeviceID != "" {
					ids++
				}
			}
			missed := 0
			for f := range want {
				if !got[f] {
					missed++
					t.Errorf("nDPI's %s flow %s: no %s event", tc.proto, f, tc.ours)
				}
			}
			t.Logf("%s: %d flows labelled by nDPI, %d read by tattle, %d events with a device ID, %d left encrypted", tc.proto, len(want), len(want)-missed, ids, encrypted)
			if tc.ours == "tuya" && (encrypted > 0 || ids == 0) {
				t.Errorf("Tuya 3.3 discovery is encrypted with a published key: %d of the events were left encrypted, %d have a gwId", encrypted, ids)
			}
		})
	}
}
