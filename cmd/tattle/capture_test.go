package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
)

type fakeLive struct{}

func (fakeLive) Inputs() []capture.InputInfo       { return []capture.InputInfo{{Packets: 42}} }
func (fakeLive) Drops() (received, dropped uint64) { return 42, 1 }

func TestLiveView(t *testing.T) {
	io, out, _ := testIO()
	io.OutTTY = true
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	io.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	v := &liveView{io: io, live: fakeLive{}}
	meta := capture.Meta{Src: netip.MustParseAddrPort("192.168.1.5:4000"), Dst: netip.MustParseAddrPort("52.1.2.3:443")}
	v.Event("50:c7:bf:00:00:01", &capture.TLSEvent{Meta: meta, Hello: fingerprints.ClientHello{SNI: "devs.tplinkcloud.com"}})
	v.Event("50:c7:bf:00:00:01", &capture.TLSEvent{Meta: meta, Hello: fingerprints.ClientHello{SNI: "evil\x1b[2J.example"}})
	screen := out.String()
	if !strings.Contains(screen, "42 packets") || !strings.Contains(screen, "1 dropped") || !strings.Contains(screen, "devs.tplinkcloud.com") {
		t.Errorf("screen:\n%s", screen)
	}
	if strings.Count(screen, "\x1b[2J") != 2 { // one clear per redraw, none from the hostile name
		t.Errorf("a capture string reached the terminal raw: %q", screen)
	}
	// Without a terminal on stdout, only a status line on stderr.
	io2, out2, err2 := testIO()
	io2.ErrTTY = true
	io2.Now = io.Now
	v2 := &liveView{io: io2, live: fakeLive{}}
	v2.Flow("x", &capture.Flow{})
	if out2.Len() != 0 || !bytes.Contains(err2.Bytes(), []byte("capturing: 42 packets")) {
		t.Errorf("stdout %q stderr %q", out2.String(), err2.String())
	}
}

func TestCaptureFlags(t *testing.T) {
	if code, _, errOut := tattle(t, nil, "capture"); code != ExitUsage || !strings.Contains(errOut, "--interface") {
		t.Errorf("no interface: exit %d %q", code, errOut)
	}
	if code, _, errOut := tattle(t, nil, "capture", "-i", "no-such-interface0", "--duration", "1s"); code != ExitInput || !strings.Contains(errOut, "no-such-interface0") {
		t.Errorf("missing interface: exit %d %q", code, errOut)
	}
}
