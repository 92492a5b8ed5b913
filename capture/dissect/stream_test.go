package dissect

import (
	"bytes"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

func TestSeqTrack(t *testing.T) {
	const text = "0123456789abcdefghijklmnopqrstuvwxyz"
	type in struct {
		rel  uint32
		data string
		syn  bool
	}
	tests := []struct {
		name   string
		sawSYN bool
		segs   []in
		want   string // concatenated output, "|" where a gap was reported
	}{
		{"in order", true, []in{{0, text[:10], false}, {10, text[10:], false}}, text},
		{"full retransmission dropped", true, []in{{0, text[:10], false}, {0, text[:10], false}, {10, text[10:], false}}, text},
		{"partial overlap trimmed", true, []in{{0, text[:10], false}, {5, text[5:20], false}, {20, text[20:], false}}, text},
		{"swapped pair", true, []in{{10, text[10:20], false}, {0, text[:10], false}, {20, text[20:], false}}, text},
		{"held segment retransmitted in order", true, []in{{10, text[10:20], false}, {0, text[:20], false}, {20, text[20:], false}}, text},
		{"filling segment shorter than the hole", true, []in{{10, text[10:20], false}, {0, text[:5], false}, {5, text[5:10], false}}, text[:20]},
		{"hole never filled", true, []in{{0, text[:5], false}, {10, text[10:20], false}, {20, text[20:], false}}, text[:5] + "|" + text[10:]},
		{"far jump resynchronises", true, []in{{0, text[:5], false}, {100000, text[5:10], false}}, text[:5] + "|" + text[5:10]},
		{"joined mid-stream", false, []in{{20, text[20:30], false}, {30, text[30:], false}, {0, text[:20], false}}, text[20:]},
		{"data on the SYN", true, []in{{^uint32(0), text[:10], true}, {10, text[10:], false}}, text},
		// Half the sequence space away: int32 arithmetic made -diff
		// negative and sliced data[-2147483648:].
		{"jump of exactly 2^31 resynchronises", true, []in{{0, text[:10], false}, {10 + 1<<31, "JUMP", false}, {10, text[10:], false}}, text[:10] + "|JUMP|" + text[10:]},
		{"jump of 2^31 on the first segment", true, []in{{1 << 31, "JUMP", false}, {0, text, false}}, "|JUMP|" + text},
		{"jump of 2^31+1 is a retransmission", true, []in{{0, text[:10], false}, {10 + 1<<31 + 1, "JUMP", false}, {10, text[10:], false}}, text},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s seqTrack
			f := &capture.Flow{}
			f.SawSYN[0], f.StreamStart[0] = tc.sawSYN, isn[0]
			var got bytes.Buffer
			for _, x := range tc.segs {
				p := &capture.Packet{Flow: f, TCPSeq: isn[0] + x.rel, Payload: []byte(x.data), SYN: x.syn}
				out, gap := s.accept(p)
				if gap {
					got.WriteByte('|')
				}
				got.Write(out)
			}
			if got.String() != tc.want {
				t.Errorf("stream = %q, want %q", got.String(), tc.want)
			}
		})
	}
}

func FuzzSeqTrack(f *testing.F) {
	f.Add([]byte("abcdefgh"), uint32(0), uint32(4), uint32(2), true)
	f.Fuzz(func(t *testing.T, data []byte, a, b, c uint32, syn bool) {
		var s seqTrack
		fl := &capture.Flow{}
		fl.SawSYN[0], fl.StreamStart[0] = syn, a
		total := 0
		for _, seq := range []uint32{a, b, c, a, b + 7} {
			out, _ := s.accept(&capture.Packet{Flow: fl, TCPSeq: seq, Payload: data})
			total += len(out)
			if len(s.held) > maxHeld {
				t.Fatalf("held %d bytes", len(s.held))
			}
		}
		// Five deliveries of len(data) bytes can yield at most that much.
		if total > 5*len(data) {
			t.Fatalf("%d bytes out of %d in", total, 5*len(data))
		}
	})
}
