package inspect

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
)

// The memories of payloads that held nothing and of those that held
// something change no result: the same packets through an inspector
// without them give the same events. The
// sequence repeats payloads across flows and senders, holds a payload
// naming its own sender's MAC and then another's, goes past the number
// of MACs learned, and adds known values midway.
func TestQuietPayloadsSameEvents(t *testing.T) {
	macOf := func(i int) capture.MAC { return capture.MAC{0x02, 0x10, 0x20, byte(i >> 8), byte(i), 0x01} }
	payloads := func(i int) []string {
		return []string{
			"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n\r\n",
			"GET /poll HTTP/1.1\r\nHost: cloud.example\r\n\r\n",
			"id=" + macOf(0).String() + "&x=1",       // device 0's MAC: its own, then a neighbour's
			"id=" + macOf(700).String() + "&x=1",     // a MAC never learned: found by its shape
			"user jane@example.com logged in",        // an e-mail address
			"serial SN-99887766 checking in",         // known only from the middle on
			fmt.Sprintf("plain datagram %d", i%3),    // repeats every three
			"\x00\x01\x02\x03binary\x00\x00\x00\x07", // binary: no patterns
			// The first of each fifty sends its own MAC (not learned
			// past the 512th: silent), the others a neighbour's.
			"blk=" + macOf(i-i%50).String(),
		}
	}
	run := func(noQuiet bool) []byte {
		in := New(Config{})
		var out []capture.Event
		n := uint64(0)
		for i := 0; i < 600; i++ {
			if i == 300 {
				in.AddKnown(ValueForms(SerialNumber, "SN-99887766", "auditor"))
			}
			for j, pl := range payloads(i) {
				n++
				tr := capture.UDP
				if j == 1 {
					tr = capture.TCP
				}
				src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+j))
				dst := netip.MustParseAddrPort("239.255.255.250:1900")
				f := &capture.Flow{Key: capture.FlowKey{Client: src, Server: dst, Transport: tr}}
				p := &capture.Packet{
					Meta: capture.Meta{File: "t.pcap", Packet: n, Time: time.Unix(int64(n), 0), SrcMAC: macOf(i),
						Src: src, Dst: dst, Transport: tr},
					Payload: []byte(pl), Flow: f, Dir: capture.ToServer, TCPSeq: 1000,
				}
				in.Dissect(p, func(e capture.Event) { out = append(out, e) })
				if noQuiet {
					in.quiet.reset() // nothing remembered: every payload is read again
					in.loud.reset()
				}
			}
		}
		if !noQuiet && (in.quiet.hits == 0 || in.loud.hits == 0) {
			t.Fatalf("payloads found in the quiet memory %d times, in the loud one %d: both must be", in.quiet.hits, in.loud.hits)
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	with, without := run(false), run(true)
	if string(with) != string(without) {
		t.Fatalf("events differ with the quiet-payload memory:\n with    %.2000s\n without %.2000s", with, without)
	}
	findsEveryKind(t, without, "the sequence")
}

// The quiet and loud memories keep segments that follow a tail too, by
// the tail and the segment: the same streams through an inspector
// without them give the same events. The streams repeat across flows but for their first
// bytes (so that only segments after a tail are found in the memory); in
// them a MAC, an e-mail address and a serial number (known from the
// middle on) are cut across segments, a match lies wholly in the tail of
// the next segment, and one segment follows two different tails, only
// one of which completes a value with it.
func TestQuietSegmentsSameEvents(t *testing.T) {
	macOf := func(i int) capture.MAC { return capture.MAC{0x02, 0x10, 0x20, byte(i >> 8), byte(i), 0x01} }
	mac0 := macOf(0).String()
	pad := "\r\nX-Pad: " + strings.Repeat("p", tailLen) + "\r\n"
	streams := [][]string{
		{"GET /poll HTTP/1.1" + pad + "Host: cloud.example\r\n", "User-Agent: dev/1.0\r\nAccept: */*\r\n", "\r\n"},
		{"POST /r HTTP/1.1" + pad + "\r\nid=" + mac0[:8], mac0[8:] + "&x=1", "&y=2"},
		{"POST /m HTTP/1.1" + pad + "\r\nuser=jane@exa", "mple.com&x=1", "&y=2"},
		{"POST /s HTTP/1.1" + pad + "\r\nserial=SN-9988", "7766&x=1", "&y=2"},
		{"POST /e HTTP/1.1" + pad + "\r\nmail=bob@example.org&", "x=1", "y=2"},
		{"POST /t HTTP/1.1" + pad + "\r\nk=SN-99887", "766 end"},
		{"POST /t HTTP/1.1" + pad + "\r\nk=XX-00000", "766 end"},
	}
	run := func(noQuiet bool) ([]byte, int, int) {
		in := New(Config{})
		var out []capture.Event
		n := uint64(0)
		for i := 0; i < 400; i++ {
			if i == 200 {
				in.AddKnown(ValueForms(SerialNumber, "SN-99887766", "auditor"))
			}
			for j, segs := range streams {
				src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+j))
				dst := netip.MustParseAddrPort("52.1.2.3:80")
				f := &capture.Flow{Key: capture.FlowKey{Client: src, Server: dst, Transport: capture.TCP}, App: capture.AppHTTP}
				seq := uint32(1000)
				for s, seg := range segs {
					if s == 0 {
						seg = fmt.Sprintf("%d ", i) + seg
					}
					n++
					p := &capture.Packet{
						Meta: capture.Meta{File: "t.pcap", Packet: n, Time: time.Unix(int64(n), 0), SrcMAC: macOf(i % 3),
							Src: src, Dst: dst, Transport: capture.TCP},
						Payload: []byte(seg), Flow: f, Dir: capture.ToServer, TCPSeq: seq,
					}
					seq += uint32(len(seg))
					in.Dissect(p, func(e capture.Event) { out = append(out, e) })
					if noQuiet {
						in.quiet.reset()
						in.loud.reset()
					}
				}
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return b, in.quiet.hits, in.loud.hits
	}
	with, tails, loudTails := run(false)
	without, _, _ := run(true)
	if string(with) != string(without) {
		t.Fatalf("events differ with the quiet-payload memory:\n with    %.3000s\n without %.3000s", with, without)
	}
	if tails == 0 || loudTails == 0 {
		t.Fatalf("segments found in the quiet memory %d times, in the loud one %d: both must be", tails, loudTails)
	}
	findsEveryKind(t, without, "the streams")
}

// quietSet finds what was added until a fifth key lands in a full
// bucket, which then holds the four keys last placed in it.
func TestQuietSet(t *testing.T) {
	var s quietSet
	if s.has([2]uint64{1, 1}) {
		t.Fatal("empty set has a key")
	}
	key := func(i int) [2]uint64 { return [2]uint64{uint64(i) * quietBuckets, uint64(i)<<62 | 1} } // all in bucket 0
	for i := 1; i <= quietWays; i++ {
		s.add(key(i))
		s.add(key(i)) // twice: placed once
	}
	for i := 1; i <= quietWays; i++ {
		if !s.has(key(i)) {
			t.Fatalf("key %d lost", i)
		}
	}
	s.add(key(5)) // its bits name way 1 (5<<62 wraps to 1<<62): key 2 goes
	if !s.has(key(5)) || s.has(key(2)) || !s.has(key(1)) || !s.has(key(3)) || !s.has(key(4)) {
		t.Fatal("a full bucket did not replace the way the new key names")
	}
	if s.has([2]uint64{quietBuckets, 1}) {
		t.Fatal("found a key by its first half")
	}
	s.reset()
	if s.has(key(1)) || s.hits != 8 {
		t.Fatalf("reset kept a key, or hits %d counted wrong", s.hits)
	}
}

// loudSet keeps the findings of a payload as a copy, not those of a
// payload with more than maxLoudPer, and starts again when full.
func TestLoudSet(t *testing.T) {
	var s loudSet
	if _, ok := s.get([2]uint64{1, 1}); ok {
		t.Fatal("empty set has a key")
	}
	fs := []finding{{from: fromPattern, dataType: EmailAddress, value: "a@b.example", off: 3, n: 11}}
	s.add([2]uint64{1, 1}, fs)
	fs[0].value = "changed"
	if got, ok := s.get([2]uint64{1, 1}); !ok || len(got) != 1 || got[0].value != "a@b.example" {
		t.Fatalf("got %v, %v: want the findings as added", got, ok)
	}
	s.add([2]uint64{2, 1}, make([]finding, maxLoudPer+1))
	if _, ok := s.get([2]uint64{2, 1}); ok {
		t.Fatal("kept a payload with more than maxLoudPer findings")
	}
	for i := 0; i < maxLoudFindings/maxLoudPer; i++ {
		s.add([2]uint64{uint64(i) + 10, 1}, make([]finding, maxLoudPer))
	}
	if s.n > maxLoudFindings {
		t.Fatalf("holds %d findings, more than %d", s.n, maxLoudFindings)
	}
	if _, ok := s.get([2]uint64{1, 1}); ok {
		t.Fatal("a full set did not start again")
	}
	if s.hits != 1 {
		t.Fatalf("hits %d, want 1", s.hits)
	}
}

// findsEveryKind fails t unless the events (JSON, what the inspector
// found in what) hold a MAC, a neighbour's MAC, an e-mail address and a
// serial number: a quiet-memory test that finds none of a kind does not
// exercise it.
func findsEveryKind(t *testing.T, events []byte, in string) {
	t.Helper()
	var evs []PersonalDataEvent
	if err := json.Unmarshal(events, &evs); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, e := range evs {
		types[e.DataType]++
	}
	for _, dt := range []string{MACAddress, NeighbourMAC, EmailAddress, SerialNumber} {
		if types[dt] == 0 {
			t.Errorf("no %s found in %s (found %v): the test does not exercise it", dt, in, types)
		}
	}
}
