package dissect

import "github.com/tattle-audit/tattle/internal/repeat"

// repeats remembers what a dissector read from messages it saw before, by
// their bytes: devices send the same SSDP announcement, the same HTTP
// request to the same path, over and over (in one round of the shared
// captures seven SSDP messages in ten and four HTTP header blocks in five
// repeat an earlier one), and what the dissector keeps of a message
// depends on its bytes alone. A repeat gets what the message gave the
// first time without being read again; only messages read without a
// note are kept, so that a malformed one is noted each time.
//
// It is bounded in bytes (maxBytes, counted as the key and what the
// caller says the value holds) and started again when full, which keeps
// it deterministic. Messages longer than maxKey are not kept. The zero
// value is empty and ready, with the bounds maxRepeatKey and
// maxRepeatBytes; it keeps nothing when repeat.Off. Like the dissector
// that holds it, it serves one scan at a time.
type repeats[V any] struct {
	m      map[string]V
	bytes  int
	maxKey int // zero: maxRepeatKey
	max    int // zero: maxRepeatBytes
}

const (
	// maxRepeatKey bounds a message kept to recognise a repeat.
	maxRepeatKey = 4096
	// maxRepeatBytes bounds the bytes one dissector's repeats keep.
	maxRepeatBytes = 1 << 20
)

// get returns what msg gave when it was seen before.
func (r *repeats[V]) get(msg []byte) (v V, ok bool) {
	if r.m == nil {
		return v, false
	}
	v, ok = r.m[string(msg)]
	return v, ok
}

// add remembers v for msg; size is what v holds, in bytes.
func (r *repeats[V]) add(msg []byte, v V, size int) {
	maxKey, max := r.maxKey, r.max
	if maxKey == 0 {
		maxKey = maxRepeatKey
	}
	if max == 0 {
		max = maxRepeatBytes
	}
	if len(msg) > maxKey || repeat.Off {
		return
	}
	n := len(msg) + size
	if r.bytes+n > max {
		clear(r.m)
		r.bytes = 0
	}
	if r.m == nil {
		r.m = make(map[string]V)
	}
	r.m[string(msg)] = v
	r.bytes += n
}
