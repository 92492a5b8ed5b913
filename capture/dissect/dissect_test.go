package dissect

import (
	"net/netip"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
)

// packet builds a packet on a fresh flow whose client is src.
func packet(tr capture.Transport, src, dst string, payload []byte) *capture.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	f := &capture.Flow{Key: capture.FlowKey{Client: s, Server: d, Transport: tr}}
	return &capture.Packet{Meta: capture.Meta{File: "t", Packet: 1, Src: s, Dst: d, Transport: tr}, Payload: payload, Flow: f, Dir: capture.ToServer}
}

func run(d capture.Dissector, p *capture.Packet) []capture.Event {
	var out []capture.Event
	d.Dissect(p, func(e capture.Event) { out = append(out, e) })
	return out
}

// seg is one TCP segment of a test conversation: its direction, its
// sequence number relative to the direction's first byte, and its bytes.
type seg struct {
	dir  int
	rel  uint32
	data string
}

// isn are the initial sequence numbers of the two directions, chosen to
// wrap around 2^32 within a few kilobytes.
var isn = [2]uint32{0xffffff00, 1000}

// feed plays segments through one dissector on one TCP flow and returns
// the events and the flow.
func feed(d capture.Dissector, client, server string, segs []seg) ([]capture.Event, *capture.Flow) {
	p := packet(capture.TCP, client, server, nil)
	f := p.Flow
	f.SawSYN, f.StreamStart = [2]bool{true, true}, isn
	var out []capture.Event
	for i, s := range segs {
		p.Packet = uint64(i + 1)
		p.Dir = s.dir
		p.Src, p.Dst = f.Key.Client, f.Key.Server
		if s.dir == capture.ToClient {
			p.Src, p.Dst = f.Key.Server, f.Key.Client
		}
		p.TCPSeq = isn[s.dir] + s.rel
		p.Payload = []byte(s.data)
		f.Packets[s.dir]++
		out = append(out, run(d, p)...)
	}
	return out, f
}

// inOrder splits a client's byte stream at the given offsets into
// consecutive segments.
func inOrder(dir int, stream string, cuts ...int) []seg {
	var out []seg
	prev := 0
	for _, c := range append(cuts, len(stream)) {
		out = append(out, seg{dir, uint32(prev), stream[prev:c]})
		prev = c
	}
	return out
}

func eventsOf[T capture.Event](ev []capture.Event) []T {
	var out []T
	for _, e := range ev {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// fuzzDissector feeds two payloads through one dissector on one flow, in
// both directions, and checks only that nothing panics.
func fuzzDissector(f *testing.F, d func() capture.Dissector, tr capture.Transport, src, dst string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		x := d()
		p := packet(tr, src, dst, a)
		run(x, p)
		p.Payload, p.Dir = b, capture.ToClient
		run(x, p)
		p.Payload, p.Dir, p.TCPSeq = a, capture.ToServer, uint32(len(a))
		run(x, p)
	})
}

// benchRepeated runs a dissector made by newD on p again and again: one
// that has seen it before (repeated), and one that reads it as if it had
// not (uncached: the repeat caches off). p's flow state is dropped before
// each run, so a stream starts again.
func benchRepeated(b *testing.B, newD func() capture.Dissector, p *capture.Packet) {
	for _, off := range []bool{false, true} {
		name := "repeated"
		if off {
			name = "uncached"
		}
		b.Run(name, func(b *testing.B) {
			defer func(was bool) { repeat.Off = was }(repeat.Off)
			repeat.Off = off
			d := newD()
			b.ReportAllocs()
			b.SetBytes(int64(len(p.Payload)))
			for b.Loop() {
				*p.State() = nil
				d.Dissect(p, func(capture.Event) {})
			}
		})
	}
}
