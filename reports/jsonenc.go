package reports

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonEncoder writes a device as json.MarshalIndent(d, "    ", "  ")
// does, byte for byte, in one pass and without reflection: the methods
// of json_gen.go, one per type of the device's tree, generated from the
// result types by TestJSONGenerated (go test ./reports -update), call the
// methods below. encoding/json took three passes over the device's
// text: reflection writing it compact, a validating re-compaction of
// every time.Time's MarshalJSON, and the indenter; together they were
// most of the JSON report's time.
//
// TestJSONEncoderMatches holds the two to the same bytes on random
// devices (hostile strings, floats at the format's edges, times in
// zones, empty and nil lists); a struct that gains a field the
// generated code does not know fails TestJSONGenerated.
type jsonEncoder struct {
	// b is the buffer being written; chunks are the device's buffers
	// filled before it, in order; free are buffers whose text has been
	// written out, for the next devices.
	b      []byte
	chunks [][]byte
	free   [][]byte
	depth  int
	// empty is true between the opening of an object or array and its
	// first element, which then needs no comma.
	empty bool
	// err is the first value encoding/json would refuse (a NaN, a time
	// past year 9999): the caller then asks encoding/json for its error.
	err error
}

// blanks holds a newline and the indentation of the first levels: the
// devices' prefix (four spaces) and two spaces a level.
const blanks = "\n                                                                    "

// newline starts a line at the current depth.
func (e *jsonEncoder) newline() {
	n := 1 + 4 + 2*e.depth
	if n <= len(blanks) {
		e.b = append(e.b, blanks[:n]...)
		return
	}
	e.b = append(e.b, blanks...)
	for n -= len(blanks); n > 0; n-- {
		e.b = append(e.b, ' ')
	}
}

// open starts an object ('{') or an array ('[').
func (e *jsonEncoder) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	e.empty = true
}

// close ends an object ('}') or an array (']'): on the line after its
// last element, or right after the opening when it had none ({}, []).
func (e *jsonEncoder) close(c byte) {
	e.depth--
	if !e.empty {
		e.newline()
	}
	e.b = append(e.b, c)
	e.empty = false
}

// elem starts an element of an array or an object.
func (e *jsonEncoder) elem() {
	if !e.empty {
		e.b = append(e.b, ',')
	}
	e.empty = false
	if len(e.b) > jsonChunk-jsonChunkSlack {
		e.chunks = append(e.chunks, e.b)
		e.b = e.buffer()
	}
	e.newline()
}

// A device's text is written in buffers of jsonChunk bytes, the next one
// started at an element once less than jsonChunkSlack is left (room for
// a member, as long as its string is not): the scan's largest devices
// (a server thousands of devices talked to) run to megabytes, which one
// buffer would be copied to grow, again and again, each time allocating
// what the garbage collector charges the allocating goroutine for.
const (
	jsonChunk      = 32 << 10
	jsonChunkSlack = 1 << 10
)

// buffer is an empty buffer for the text, one kept if there is one.
func (e *jsonEncoder) buffer() []byte {
	if n := len(e.free); n > 0 {
		b := e.free[n-1]
		e.free = e.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, jsonChunk)
}

// recycle keeps the buffers of a device written out for the next ones,
// up to maxKeptChunks, but not one a long string grew.
func (e *jsonEncoder) recycle(chunks [][]byte) {
	for _, b := range chunks {
		if cap(b) == jsonChunk && len(e.free) < maxKeptChunks {
			e.free = append(e.free, b)
		}
	}
}

// maxKeptChunks bounds the buffers each worker keeps for the next
// devices: 4 MiB.
const maxKeptChunks = 128

// key starts a member of an object: key is its name as JSON with ": ".
func (e *jsonEncoder) key(key string) {
	e.elem()
	e.b = append(e.b, key...)
}

func (e *jsonEncoder) null() { e.b = append(e.b, "null"...) }

func (e *jsonEncoder) bool(v bool) { e.b = strconv.AppendBool(e.b, v) }

func (e *jsonEncoder) int(v int64) { e.b = strconv.AppendInt(e.b, v, 10) }

func (e *jsonEncoder) uint(v uint64) { e.b = strconv.AppendUint(e.b, v, 10) }

// float writes a float64 as encoding/json does (ES6's number to string):
// %f, or %e below 1e-6 and from 1e21, with no leading zero in the
// exponent.
func (e *jsonEncoder) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fail(errUnsupported)
		return
	}
	fmt := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// e-07 to e-7
		if n := len(e.b); n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// errUnsupported stands for encoding/json's error, which the caller gets
// from encoding/json itself.
var errUnsupported = errors.New("reports: a value encoding/json refuses")

func (e *jsonEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// time writes t as its MarshalJSON does: RFC 3339 with nanoseconds, in
// quotes. AppendText formats it the same way and refuses the same
// times (years past 9999, zone offsets of a day or more).
func (e *jsonEncoder) time(t time.Time) {
	b, err := t.AppendText(append(e.b, '"'))
	if err != nil {
		e.fail(err)
		return
	}
	e.b = append(b, '"')
}

// str writes s as a JSON string as encoding/json does with HTML
// escaping (json.Marshal, json.Encoder's default): <, > and & as
// \u003c..., the control characters as \n, \t... or \u00XX, U+2028 and
// U+2029 escaped, invalid UTF-8 as U+FFFD.
func (e *jsonEncoder) str(s string) {
	b := append(e.b, '"')
	start, retry := 0, 0
	for i := 0; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			// Most of a report's text is plain ASCII: passed over
			// eight bytes at a time up to a word that may need
			// escaping, whose bytes are then read one by one.
			if j := skipSafe(s, i); j > i {
				i = j
				continue
			}
			retry = i + 8
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // the other control characters, <, >, &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	e.b = append(append(b, s[start:]...), '"')
}

const hexDigits = "0123456789abcdef"

// skipSafe returns the end of the words of eight bytes from s[i:] that
// are all bytes jsonSafe marks: none at or above utf8.RuneSelf, none a
// control character, none of " \ < > &. Each test is the bit trick for a
// byte of a word below n ((x - n*ones) &^ x & high, exact for a word of
// bytes below 0x80) or equal to c (a zero byte of x ^ c*ones).
// A string's last bytes, fewer than eight, are tested as the last word
// of the string, which overlaps bytes already passed.
func skipSafe(s string, i int) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	for {
		j := i
		if j+8 > len(s) {
			if j == len(s) || len(s) < 8 {
				return i
			}
			j = len(s) - 8
		}
		w := s[j : j+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		q, b, l, g, a := x^'"'*ones, x^'\\'*ones, x^'<'*ones, x^'>'*ones, x^'&'*ones
		bad := x | (x-' '*ones)&^x |
			(q-ones)&^q | (b-ones)&^b | (l-ones)&^l | (g-ones)&^g | (a-ones)&^a
		if bad&high != 0 {
			return i
		}
		if j+8 == len(s) {
			return len(s)
		}
		i = j + 8
	}
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()
