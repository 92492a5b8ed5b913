//go:build linux

package audit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

// summary is what must be equal between a live capture and a scan of
// the file that was replayed: devices, their identity, destinations
// (with packet and byte counts) and findings. Times differ by nature.
func summary(r *result.Result, only map[string]bool) []string {
	var out []string
	for _, d := range r.Devices {
		if only != nil && !only[d.ID] {
			continue
		}
		out = append(out, fmt.Sprintf("device %s %q", d.ID, d.Identity.Name))
		for _, dst := range d.Destinations {
			out = append(out, fmt.Sprintf("  dest %s %s %d/%s out=%d/%d in=%d/%d party=%s", dst.Name, dst.IP, dst.Port, dst.Transport,
				dst.PacketsOut, dst.BytesOut, dst.PacketsIn, dst.BytesIn, dst.Party))
		}
		for _, f := range d.Findings {
			out = append(out, "  finding "+f.ID)
		}
	}
	sort.Strings(out)
	return out
}

func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestLiveCaptureMatchesFile replays the demo capture with tcpreplay in
// one network namespace, captures it with tattle's live source on the
// other end of a veth pair, and checks that the live result equals the
// result of scanning the file.
func TestLiveCaptureMatchesFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture test needs root (network namespaces, AF_PACKET): skipped")
	}
	for _, tool := range []string{"ip", "tcpreplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (apt-get install iproute2 tcpreplay): skipped", tool)
		}
	}
	nsA, nsB := fmt.Sprintf("tattle-a-%d", os.Getpid()), fmt.Sprintf("tattle-b-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", nsA).CombinedOutput(); err != nil {
		t.Skipf("cannot create network namespaces here (%v: %s): skipped", err, strings.TrimSpace(string(out)))
	}
	defer exec.Command("ip", "netns", "del", nsA).Run()
	sh(t, "ip", "netns", "add", nsB)
	defer exec.Command("ip", "netns", "del", nsB).Run()
	sh(t, "ip", "link", "add", "tta0", "netns", nsA, "type", "veth", "peer", "name", "ttb0", "netns", nsB)
	sh(t, "ip", "-n", nsA, "link", "set", "tta0", "up")
	sh(t, "ip", "-n", nsB, "link", "set", "ttb0", "up")
	// No IPv6 on the pair: the kernel's own neighbour discovery would
	// add packets that are not in the file.
	sh(t, "ip", "netns", "exec", nsA, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
	sh(t, "ip", "netns", "exec", nsB, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")

	// Open the capture socket inside namespace B from a locked thread.
	live := func() *capture.LiveSource {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			t.Fatal(err)
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + nsB)
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			t.Fatal(err)
		}
		defer unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET)
		src, err := capture.OpenLive(capture.LiveOptions{Interface: "ttb0", Promisc: true, Duration: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}()
	file := filepath.Join(testutil.ModuleRoot(t), "testdata", "home.pcapng")
	src, _ := capture.Open(file)
	want, _ := Scan(src, Config{Version: "live"})
	done := make(chan *result.Result)
	go func() {
		res, _ := Scan(live, Config{Version: "live", Live: true})
		done <- res
	}()
	time.Sleep(300 * time.Millisecond)
	sh(t, "ip", "netns", "exec", nsA, "tcpreplay", "-q", "--pps=2000", "-i", "tta0", file)
	// Stop once the scan has read every packet tcpreplay sent and nothing
	// more has come for a while (a fixed sleep lost the last packets on a
	// loaded machine), or after a generous deadline.
	deadline := time.Now().Add(20 * time.Second)
	var last uint64
	steady := 0
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		n := live.Inputs()[0].Packets
		if n >= want.Stats.Packets && n == last {
			if steady++; steady >= 3 {
				break
			}
		} else {
			steady = 0
		}
		last = n
	}
	received, dropped := live.Drops()
	live.Close()
	got := <-done
	if dropped > 0 {
		t.Fatalf("kernel dropped %d of %d packets", dropped, received)
	}
	if got.Stats.Packets < want.Stats.Packets {
		t.Fatalf("captured %d packets, the file has %d", got.Stats.Packets, want.Stats.Packets)
	}
	only := map[string]bool{}
	for _, d := range want.Devices {
		only[d.ID] = true
	}
	g, w := summary(got, only), summary(want, nil)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("live result differs from the file's:\n--- live\n%s\n--- file\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	t.Logf("live capture: %d packets (%d in the file), %d devices, results equal", got.Stats.Packets, want.Stats.Packets, len(want.Devices))
}
