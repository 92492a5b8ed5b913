package audit

import (
	"net/netip"
	"strings"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// bounded is a map that holds at most the bound of its limit (limitInfo
// in limits.go) keys: a new key past the bound is dropped and counted
// against that limit, so nothing is bounded silently and the bound a
// report names is the one applied. Make one with newBounded.
type bounded[K comparable, V any] struct {
	m    map[K]V // made by the first add: a device fills few of its collections
	lim  limitID
	over *limitCounts
}

func newBounded[K comparable, V any](lim limitID, over *limitCounts) bounded[K, V] {
	return bounded[K, V]{lim: lim, over: over}
}

// get returns the value kept under k.
func (s *bounded[K, V]) get(k K) (V, bool) {
	v, ok := s.m[k]
	return v, ok
}

// has reports whether k is kept.
func (s *bounded[K, V]) has(k K) bool {
	_, ok := s.m[k]
	return ok
}

// add keeps v under k, a key not kept yet, unless the map is full; full,
// it counts the key as past the bound and reports false.
func (s *bounded[K, V]) add(k K, v V) bool {
	if len(s.m) >= limitInfo[s.lim].bound {
		s.over.add(s.lim)
		return false
	}
	if s.m == nil {
		s.m = map[K]V{}
	}
	s.m[k] = v
	return true
}

func (s *bounded[K, V]) len() int { return len(s.m) }

// getKey is get for a key built in a buffer (joinKey): the look-up makes
// no string of it, so a key already kept costs no allocation.
func getKey[V any](s *bounded[string, V], k []byte) (V, bool) {
	v, ok := s.m[string(k)]
	return v, ok
}

// appendAddr appends a.String() to buf.
func appendAddr(buf []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(buf, a.String()...) // "invalid IP"; AppendTo gives ""
	}
	return a.AppendTo(buf)
}

// joinKey appends parts to buf, sep between them (strings.Join's
// result, in a buffer to use again).
func joinKey(buf []byte, sep byte, parts ...string) []byte {
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, sep)
		}
		buf = append(buf, p...)
	}
	return buf
}

// sortedValues returns the values of a map with string keys, in key order,
// with elem making each a result's element.
func sortedValues[V, E any](s *bounded[string, V], elem func(V) E) []E {
	var out []E
	for _, k := range sortedKeys(s.m) {
		out = append(out, elem(s.m[k]))
	}
	return out
}

// counter counts each distinct value it is given (a User-Agent, a DNS
// query name), with where it was first seen, up to its bound.
type counter = bounded[string, *result.Seen]

// count counts one more sighting of v in the packet meta names; "" is no
// value.
func count(c *counter, v string, meta *capture.Meta) {
	if v == "" {
		return
	}
	if s, ok := c.get(v); ok {
		s.Count++
		return
	}
	// A dissector's strings may be parts of a larger one (an HTTP
	// header block): the copy kept holds only the value.
	v = strings.Clone(v)
	c.add(v, &result.Seen{Value: v, Count: 1, File: meta.File, Packet: meta.Packet})
}
