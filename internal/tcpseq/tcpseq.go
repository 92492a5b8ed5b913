// Package tcpseq compares TCP sequence numbers. Every reassembler in
// tattle (the HTTP and DNS stream tracker, the TLS handshake buffer, the
// payload inspector) measures distances with Diff, so that the one case
// 32-bit arithmetic gets wrong is handled in one place.
package tcpseq

// Diff returns the distance from ref to seq in sequence space (RFC 1982
// serial arithmetic with SERIAL_BITS = 32): positive when seq comes after
// ref, negative when before, so a segment starting at seq begins Diff
// bytes past ref.
//
// int32(seq-ref) is the usual way to write this, and wrong at one point:
// a difference of exactly 2^31, which RFC 1982 leaves undefined, gives
// -2^31, whose negation overflows back to -2^31 (a hostile segment then
// sliced data[-2147483648:]). Diff counts that distance as ahead (+2^31)
// and returns an int64, so the result lies in (-2^31, 2^31] and -Diff
// never overflows.
func Diff(seq, ref uint32) int64 {
	d := int64(seq - ref) // 0 .. 2^32-1
	if d > 1<<31 {
		d -= 1 << 32
	}
	return d
}
