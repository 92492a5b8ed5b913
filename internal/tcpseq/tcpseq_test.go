package tcpseq

import "testing"

func TestDiff(t *testing.T) {
	tests := []struct {
		name     string
		seq, ref uint32
		want     int64
	}{
		{"equal", 5, 5, 0},
		{"equal at zero", 0, 0, 0},
		{"one ahead", 1, 0, 1},
		{"one behind", 0, 1, -1},
		{"largest ahead", 1<<31 - 1, 0, 1<<31 - 1},
		{"half the space (undefined in RFC 1982) counts as ahead", 1 << 31, 0, 1 << 31},
		{"half the space from the other side", 0, 1 << 31, 1 << 31},
		{"just past half is behind", 1<<31 + 1, 0, -(1<<31 - 1)},
		{"one behind zero", 1<<32 - 1, 0, -1},
		{"wraps forward", 0, 1<<32 - 1, 1},
		{"wraps forward far", 100, 1<<32 - 100, 200},
		{"half the space across the wrap", 1<<31 + 10, 10, 1 << 31},
		{"largest behind", 10, 1<<31 + 11, 1<<31 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(tt.seq, tt.ref); got != tt.want {
				t.Errorf("Diff(%d, %d) = %d, want %d", tt.seq, tt.ref, got, tt.want)
			}
		})
	}
}

// FuzzDiff checks the properties the reassemblers rely on: the distance
// is in (-2^31, 2^31] (so its negation fits and a slice bound derived
// from it is never negative once checked against a length), adding it to
// ref gives seq back, it is zero only for equal numbers, and swapping the
// arguments negates it except at the undefined half-way point.
func FuzzDiff(f *testing.F) {
	for _, s := range [][2]uint32{{0, 0}, {1, 0}, {0, 1}, {1<<31 - 1, 0}, {1 << 31, 0}, {1<<31 + 1, 0}, {1<<32 - 1, 0}, {7, 1<<31 + 7}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, seq, ref uint32) {
		d := Diff(seq, ref)
		if d <= -(1<<31) || d > 1<<31 {
			t.Fatalf("Diff(%d, %d) = %d, out of (-2^31, 2^31]", seq, ref, d)
		}
		if uint32(int64(ref)+d) != seq {
			t.Fatalf("ref + Diff(%d, %d) = %d, not seq", seq, ref, uint32(int64(ref)+d))
		}
		if (d == 0) != (seq == ref) {
			t.Fatalf("Diff(%d, %d) = %d", seq, ref, d)
		}
		if back := Diff(ref, seq); d != 1<<31 && back != -d {
			t.Fatalf("Diff(%d, %d) = %d but Diff(%d, %d) = %d", seq, ref, d, ref, seq, back)
		}
		if -d < 0 == (d < 0) && d != 0 {
			t.Fatalf("-Diff(%d, %d) overflowed", seq, ref)
		}
	})
}
