package audit

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
)

// TestLimitsReported feeds the Builder past three of its bounds and
// checks that each is reported with the exact count of what went past it,
// with a warning naming it, and that devices past maxDevices are folded
// into the overflow device rather than lost.
func TestLimitsReported(t *testing.T) {
	b := NewBuilder()
	const extraDevices, extraDests = 3, 5
	// One device past its bound on destinations: maxDests+extraDests
	// distinct addresses, the last extraDests folded.
	for i := 0; i < maxDests+extraDests; i++ {
		f := flow("192.168.1.20:40000", netip.AddrPortFrom(netip.AddrFrom4([4]byte{44, 0, byte(i >> 8), byte(i)}), 443).String(), 0, 1)
		b.Flow(f)
	}
	// Then maxDevices-1+extraDevices more devices, one flow each.
	for i := 0; i < maxDevices-1+extraDevices; i++ {
		f := flow("10.1.0.1:40000", "52.1.2.3:443", time.Duration(i)*time.Millisecond, uint64(i+1))
		f.ClientMAC = capture.MAC{0x02, 0xf1, 0, 0, byte(i >> 8), byte(i)}
		f.Key.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000)
		b.Flow(f)
	}
	devs := b.Devices()
	limits := b.Limits(capture.Stats{Evicted: 7}, 1000)
	want := map[string]uint64{"flow_table": 7, "devices": extraDevices, "device_destinations": extraDests}
	if len(limits) != len(want) {
		t.Errorf("limits %+v, want exactly %v", limits, want)
	}
	for _, l := range limits {
		if want[l.Name] != l.Over {
			t.Errorf("limit %s: over %d, want %d", l.Name, l.Over, want[l.Name])
		}
		w := LimitWarning(l).Message
		if !strings.Contains(w, l.Name) || !strings.Contains(w, strconv.FormatUint(l.Over, 10)) || !strings.Contains(w, strconv.Itoa(l.Bound)) {
			t.Errorf("warning %q does not name the limit, its bound and the count", w)
		}
	}
	if len(devs) != maxDevices+1 {
		t.Fatalf("%d devices, want %d and the overflow device", len(devs), maxDevices)
	}
	var over *struct{ flows int }
	for _, d := range devs {
		if d.ID == overflowID {
			over = &struct{ flows int }{}
			for _, dst := range d.Destinations {
				over.flows += dst.Flows
			}
		}
	}
	if over == nil || over.flows != extraDevices {
		t.Errorf("overflow device holds %+v flows, want %d", over, extraDevices)
	}
}
