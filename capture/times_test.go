package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestPcapngTimesOutOfRange: pcapng lets an interface state times far
// outside years 0..9999 (if_tsoffset near ±2^63, if_tsresol 10^0 with
// 64-bit counts); JSON cannot encode them and the report was lost (exit
// 5). They are clamped at the reader, counted in one warning naming the
// first packet and its offset; times in range pass unchanged.
func TestPcapngTimesOutOfRange(t *testing.T) {
	resol := func(w *ngw, v byte) []byte { return w.opt(9, []byte{v}) }
	offset := func(w *ngw, v int64) []byte { return w.opt(14, w.u64(uint64(v))) }
	type opts func(w *ngw) [][]byte
	sec := func(w *ngw) [][]byte { return [][]byte{resol(w, 0)} }
	tests := []struct {
		name string
		opts opts
		ts   []uint64
		want []time.Time
		out  int // packets clamped
	}{
		{"offset +2^62", func(w *ngw) [][]byte { return [][]byte{offset(w, 1<<62)} }, []uint64{1}, []time.Time{latestTime}, 1},
		{"offset -2^62", func(w *ngw) [][]byte { return [][]byte{offset(w, -1<<62)} }, []uint64{1}, []time.Time{earliestTime}, 1},
		{"offset max int64", func(w *ngw) [][]byte { return [][]byte{offset(w, math.MaxInt64)} }, []uint64{math.MaxUint64}, []time.Time{latestTime}, 1},
		{"offset min int64", func(w *ngw) [][]byte { return [][]byte{offset(w, math.MinInt64)} }, []uint64{0}, []time.Time{earliestTime}, 1},
		{"resolution 1 s, 2^64-1 s", sec, []uint64{math.MaxUint64}, []time.Time{latestTime}, 1},
		{"resolution 1 s, 2^40 s", sec, []uint64{1 << 40}, []time.Time{latestTime}, 1},
		{"resolution 1 s, huge count back in range by a negative offset", func(w *ngw) [][]byte { return [][]byte{resol(w, 0), offset(w, math.MinInt64)} },
			[]uint64{1<<63 + 1_700_000_000}, []time.Time{time.Unix(1_700_000_000, 0).UTC()}, 0},
		{"resolution 2^0 s", func(w *ngw) [][]byte { return [][]byte{resol(w, 0x80)} }, []uint64{1 << 62}, []time.Time{latestTime}, 1},
		{"last second of 9999 kept", sec, []uint64{uint64(latestTime.Unix())}, []time.Time{time.Unix(latestTime.Unix(), 0).UTC()}, 0},
		{"first second of 10000 clamped", sec, []uint64{uint64(latestTime.Unix()) + 1}, []time.Time{latestTime}, 1},
		{"first second of year 0 kept", func(w *ngw) [][]byte { return [][]byte{resol(w, 0), offset(w, earliestTime.Unix())} }, []uint64{0}, []time.Time{earliestTime}, 0},
		{"last second of year -1 clamped", func(w *ngw) [][]byte { return [][]byte{resol(w, 0), offset(w, earliestTime.Unix()-1)} }, []uint64{0}, []time.Time{earliestTime}, 1},
		{"in range, clamped, in range, clamped", sec, []uint64{1000, 1 << 50, 2000, 1 << 51},
			[]time.Time{time.Unix(1000, 0).UTC(), latestTime, time.Unix(2000, 0).UTC(), latestTime}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newNg(le)
			w.idb(layers.LinkTypeEthernet, 0, tc.opts(w)...)
			var offs []int64
			for i, ts := range tc.ts {
				offs = append(offs, int64(len(w.b)))
				w.epb(0, ts, payload(byte(i), 20), 20)
			}
			s, _ := OpenReader("far.pcapng", bytes.NewReader(w.b))
			got, errs := readAll(t, s)
			if len(errs) != 0 || len(got) != len(tc.want) {
				t.Fatalf("%d packets, errors %v", len(got), errs)
			}
			first := -1
			for i, p := range got {
				if !p.Time.Equal(tc.want[i]) {
					t.Errorf("packet %d: time %v, want %v", i+1, p.Time, tc.want[i])
				}
				if _, err := json.Marshal(p.Time); err != nil {
					t.Errorf("packet %d: %v", i+1, err)
				}
				if first < 0 && (p.Time.Equal(latestTime) || p.Time.Equal(earliestTime)) {
					first = i
				}
			}
			ws := s.Inputs()[0].Warnings
			if tc.out == 0 {
				if len(ws) != 0 {
					t.Errorf("warnings %q, want none", ws)
				}
				return
			}
			want := fmt.Sprintf("%d packets with a timestamp outside years 0..9999, clamped to the nearer end; the first is packet #%d at offset %d", tc.out, first+1, offs[first])
			if len(ws) != 1 || ws[0] != want {
				t.Errorf("warnings %q, want [%q]", ws, want)
			}
			in := s.Inputs()[0]
			if _, err := json.Marshal(struct{ F, L time.Time }{in.First, in.Last}); err != nil || !strings.Contains(ws[0], "offset") {
				t.Errorf("input times %v %v: %v", in.First, in.Last, err)
			}
		})
	}
}

// FuzzNgTime: every sum of an unsigned count and a signed offset comes
// out as a time JSON can write once stamped, and in-range sums exactly.
func FuzzNgTime(f *testing.F) {
	f.Add(uint64(0), int64(0))
	f.Add(uint64(math.MaxUint64), int64(math.MaxInt64))
	f.Add(uint64(1<<63), int64(math.MinInt64))
	f.Add(uint64(1_700_000_000), int64(-1<<62))
	f.Fuzz(func(t *testing.T, sec uint64, off int64) {
		tm := ngTime(sec, 0, off)
		var in InputInfo
		p := RawPacket{Time: tm}
		in.stamp(&p)
		if _, err := json.Marshal(p.Time); err != nil {
			t.Fatalf("ngTime(%d, %d) = %v, stamped %v: %v", sec, off, tm, p.Time, err)
		}
		// The exact sum, when it fits an int64 and the years: compare
		// with big-free arithmetic on the two halves.
		if sec <= math.MaxInt64 && (off <= 0 || int64(sec) <= math.MaxInt64-off) {
			u := int64(sec) + off
			if u >= earliestTime.Unix() && u <= latestTime.Unix() && !tm.Equal(time.Unix(u, 0)) {
				t.Fatalf("ngTime(%d, %d) = %v, want unix %d", sec, off, tm, u)
			}
		}
	})
}

// TestInstantOrder: instants order capture times as Time.Before does,
// across the years a packet time may have (0 to 9999, the zero Time, the
// Unix epoch) and between times a nanosecond or a second apart.
func TestInstantOrder(t *testing.T) {
	var ts []time.Time
	for _, base := range []time.Time{earliestTime, {}, time.Unix(0, 0).UTC(), time.Unix(-1, 999999999).UTC(),
		time.Unix(1_700_000_000, 500).UTC(), latestTime.Add(-time.Second), latestTime} {
		for _, d := range []time.Duration{-time.Second, -1, 0, 1, time.Second} {
			if u := base.Add(d); !u.Before(earliestTime) && !u.After(latestTime) {
				ts = append(ts, u)
			}
		}
	}
	for _, a := range ts {
		for _, b := range ts {
			if got, want := instantOf(a).before(instantOf(b)), a.Before(b); got != want {
				t.Errorf("instantOf(%v).before(%v) = %v, want %v", a, b, got, want)
			}
		}
	}
}
