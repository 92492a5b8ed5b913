// Package varint reads QUIC variable-length integers (RFC 9000 16), which
// both QUIC packets (capture/quic) and the QUIC transport parameters of a
// TLS ClientHello (capture/tlsx) use.
package varint

// Read reads the integer at the start of b and its length in bytes; n is
// 0 when b is too short for it.
func Read(b []byte) (v uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v = uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, n
}
