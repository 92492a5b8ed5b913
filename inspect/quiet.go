package inspect

import "hash/maphash"

// quietSet is the quiet memory (see Inspector.scan): the keys of the
// payloads in which nothing was found. A key is a 128-bit hash (see
// quietKeyOf), so its own bits can place it: the set is a table of
// quietBuckets buckets of quietWays keys, a bucket in one cache line,
// and a look-up is one memory access, with no hashing and no map. A key
// added to a full bucket takes the place of one of its keys, which one
// its bits say: the memory is bounded and forgets, and what it forgets
// is only read again. (Which keys are forgotten depends on the seeds, so
// the work of a scan varies a little from run to run; its result does
// not.)
type quietSet struct {
	buckets []quietBucket // made on the first add
	// hits counts the look-ups that found their key (for tests).
	hits int
}

const (
	quietWays    = 4
	quietBuckets = 1 << 15 // 131072 keys in 2 MiB
)

type quietBucket [quietWays][2]uint64

func (s *quietSet) has(k [2]uint64) bool {
	if s.buckets == nil {
		return false
	}
	b := &s.buckets[k[0]&(quietBuckets-1)]
	if b[0] == k || b[1] == k || b[2] == k || b[3] == k {
		s.hits++
		return true
	}
	return false
}

func (s *quietSet) add(k [2]uint64) {
	if s.buckets == nil {
		s.buckets = make([]quietBucket, quietBuckets)
	}
	b := &s.buckets[k[0]&(quietBuckets-1)]
	for i := range b {
		if b[i] == k {
			return
		}
		if b[i] == ([2]uint64{}) { // no key is zero (quietKeyOf)
			b[i] = k
			return
		}
	}
	b[k[1]>>62] = k
}

// reset forgets every key.
func (s *quietSet) reset() { clear(s.buckets) }

// quietKeyOf is the key in the quiet memory of a payload with the tail
// before it (tl bytes of buf), read with the forms indexed now, and
// whether the patterns may run on it (mayText, in scan): two 64-bit
// hashes of the bytes, with seeds drawn at random for each Inspector,
// each XORed with the other three values (packed and spread
// injectively; the low bit of the second is set, so that no key is
// zero). A key instead of a copy of the payload spares an allocation and
// a copy of every payload remembered, and a comparison of every one
// found. The number of forms indexed is in the key so that a payload
// remembered with fewer is read again once more are indexed (forms are
// only ever added).
//
// Two payloads with one key would have the second skipped wrongly. The
// same bytes with other values have other keys; other bytes have the
// same key only if both hashes of the two byte strings differ by the
// same XOR, and each look-up meets one of the at most 2^17 keys
// remembered that way with a probability of some 2^17 * 2^-127 = 2^-110
// (below 2^-80 for a billion look-ups). Nor can a capture be crafted to
// collide: maphash is keyed by its seed, and the seeds are drawn when the
// process starts, after the capture was made, and never shown. So the
// result of a scan does not depend on the seeds.
func (in *Inspector) quietKeyOf(buf []byte, tl int, mayText bool) [2]uint64 {
	v := uint64(in.m.n)<<17 | uint64(tl)<<1 // forms: at most maxKnownForms; tl: at most tailLen
	if mayText {
		v |= 1
	}
	// Spread over every bit (splitmix64's finalizer, a bijection), so
	// that the keys of one payload for other numbers of forms, which
	// linger, are not all in its bucket.
	v = (v ^ v>>30) * 0xbf58476d1ce4e5b9
	v = (v ^ v>>27) * 0x94d049bb133111eb
	v ^= v >> 31
	return [2]uint64{maphash.Bytes(in.quietSeeds[0], buf) ^ v, (maphash.Bytes(in.quietSeeds[1], buf) ^ v) | 1}
}

// loudSet is the loud memory (see Inspector.scan): the payloads in which
// something was found, by their keys (quietKeyOf), each with what find
// found in it, for report to report again without the payload being read.
// Devices repeat those too: in the benchmark capture three in four
// payloads find reads hold a finding, and all but 2 % of those were read
// before. It holds at most
// maxLoudFindings findings, of at most maxLoudPer a payload, and is
// emptied when full: the memory is bounded and forgets, and what it
// forgets is only read again.
type loudSet struct {
	m map[[2]uint64][]finding // made on the first add
	n int                     // findings held
	// hits counts the look-ups that found their key (for tests).
	hits int
}

const (
	maxLoudFindings = 1 << 14 // some 1.5 MiB with the map
	maxLoudPer      = 16
)

// get returns the findings of payload k, if it is remembered. They are
// the memory's: read, not changed.
func (s *loudSet) get(k [2]uint64) ([]finding, bool) {
	fs, ok := s.m[k]
	if ok {
		s.hits++
	}
	return fs, ok
}

// add remembers fs, the findings of payload k, as a copy.
func (s *loudSet) add(k [2]uint64, fs []finding) {
	if len(fs) > maxLoudPer {
		return
	}
	if s.m == nil || s.n+len(fs) > maxLoudFindings {
		s.m, s.n = make(map[[2]uint64][]finding), 0
	}
	s.m[k] = append([]finding(nil), fs...)
	s.n += len(fs)
}

// reset forgets every payload.
func (s *loudSet) reset() { s.m, s.n = nil, 0 }
