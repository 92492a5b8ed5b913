package tlsx

import (
	"sync"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/internal/repeat"
)

// fpCache remembers the JA3 and JA4 fingerprints of ClientHellos by the
// fields they are computed from (everything in a hello but its SNI
// value, record version and QUIC user agent; never the random, session
// ID or key shares, which change on every connection). A device sends
// the same hello to its servers over and over, and the fingerprints
// (lists rendered, sorted, joined and hashed) were the costliest part of
// a ClientHello. Bounded in bytes, started again when full. Each TLS
// dissector has its own (NewTLS), like its certificate cache.
type fpCache struct {
	mu    sync.Mutex
	m     map[string]fps
	bytes int
	key   []byte
}

type fps struct{ ja3, ja3raw, ja4, ja4r string }

const maxFPBytes = 2 << 20

func newFPCache() *fpCache { return &fpCache{m: map[string]fps{}} }

// fingerprint returns h's JA3 and JA4 forms, from the cache when the
// same fields were seen before (computed when c is nil).
func (c *fpCache) fingerprint(h *fingerprints.ClientHello) fps {
	if c == nil || repeat.Off {
		return computeFPs(h)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key = fpKey(c.key[:0], h)
	if v, ok := c.m[string(c.key)]; ok {
		return v
	}
	v := computeFPs(h)
	n := len(c.key) + len(v.ja3) + len(v.ja3raw) + len(v.ja4) + len(v.ja4r)
	if c.bytes+n > maxFPBytes {
		clear(c.m)
		c.bytes = 0
	}
	c.m[string(c.key)] = v
	c.bytes += n
	return v
}

func computeFPs(h *fingerprints.ClientHello) fps {
	var v fps
	v.ja3, v.ja3raw = fingerprints.JA3(h)
	v.ja4, v.ja4r = fingerprints.JA4(h)
	return v
}

// fpKey appends to b an unambiguous encoding of the fields of h that
// JA3 and JA4 read: each list after its length.
func fpKey(b []byte, h *fingerprints.ClientHello) []byte {
	var flags byte
	if h.QUIC {
		flags |= 1
	}
	if h.DTLS {
		flags |= 2
	}
	b = append(b, flags, byte(h.Version>>8), byte(h.Version))
	for _, l := range [][]uint16{h.CipherSuites, h.Extensions, h.Curves, h.SignatureAlgs, h.SupportedVersions} {
		b = appendLen(b, len(l))
		for _, v := range l {
			b = append(b, byte(v>>8), byte(v))
		}
	}
	b = appendLen(b, len(h.PointFormats))
	b = append(b, h.PointFormats...)
	b = appendLen(b, len(h.ALPN))
	for _, a := range h.ALPN {
		b = appendLen(b, len(a))
		b = append(b, a...)
	}
	return b
}

func appendLen(b []byte, n int) []byte {
	return append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
