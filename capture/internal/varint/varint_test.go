package varint

import "testing"

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		v    uint64
		n    int
	}{
		// The examples of RFC 9000 appendix A.1.
		{"eight bytes", []byte{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c}, 151288809941952652, 8},
		{"four bytes", []byte{0x9d, 0x7f, 0x3e, 0x7d}, 494878333, 4},
		{"two bytes", []byte{0x7b, 0xbd}, 15293, 2},
		{"one byte", []byte{0x25}, 37, 1},
		{"two bytes, not minimal", []byte{0x40, 0x25}, 37, 2},
		{"trailing bytes ignored", []byte{0x25, 0xff, 0xff}, 37, 1},
		{"empty", nil, 0, 0},
		{"short two", []byte{0x40}, 0, 0},
		{"short eight", []byte{0xc0, 1, 2, 3, 4, 5, 6}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, n := Read(tc.in)
			if v != tc.v || n != tc.n {
				t.Fatalf("Read(% x) = %d, %d; want %d, %d", tc.in, v, n, tc.v, tc.n)
			}
		})
	}
}
