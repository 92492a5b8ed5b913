package quic

import (
	"errors"
	"fmt"

	"github.com/tattle-audit/tattle/capture/internal/varint"
)

// Fragment is the data of one CRYPTO frame at its stream offset.
type Fragment struct {
	Offset uint64
	Data   []byte
}

// ErrFrame marks a malformed frame in a decrypted payload.
var ErrFrame = errors.New("quic: malformed frame")

// CryptoFrames returns the CRYPTO frames of a decrypted Initial payload,
// in the order sent. Data slices point into payload. Only the frames RFC
// 9000 allows in Initial packets are understood (PADDING, PING, ACK,
// CRYPTO, CONNECTION_CLOSE); reading stops at any other, keeping what was
// found before it.
func CryptoFrames(payload []byte) ([]Fragment, error) {
	var out []Fragment
	p := payload
	for len(p) > 0 {
		t, n := varint.Read(p)
		if n == 0 {
			return out, fmt.Errorf("%w: truncated frame type", ErrFrame)
		}
		p = p[n:]
		switch t {
		case 0x00, 0x01: // PADDING, PING
		case 0x02, 0x03: // ACK: largest, delay, range count, first range, ranges (, ECN counts)
			var vals [4]uint64
			for i := range vals {
				v, n := varint.Read(p)
				if n == 0 {
					return out, fmt.Errorf("%w: truncated ACK", ErrFrame)
				}
				vals[i], p = v, p[n:]
			}
			if vals[2] > uint64(len(p)) { // each range takes at least 2 bytes
				return out, fmt.Errorf("%w: ACK range count %d", ErrFrame, vals[2])
			}
			extra := vals[2] * 2
			if t == 0x03 {
				extra += 3
			}
			for range extra {
				_, n := varint.Read(p)
				if n == 0 {
					return out, fmt.Errorf("%w: truncated ACK", ErrFrame)
				}
				p = p[n:]
			}
		case 0x06: // CRYPTO: offset, length, data
			off, n1 := varint.Read(p)
			if n1 == 0 {
				return out, fmt.Errorf("%w: truncated CRYPTO", ErrFrame)
			}
			l, n2 := varint.Read(p[n1:])
			if n2 == 0 || l > uint64(len(p)-n1-n2) {
				return out, fmt.Errorf("%w: CRYPTO length beyond the packet", ErrFrame)
			}
			out = append(out, Fragment{Offset: off, Data: p[n1+n2 : n1+n2+int(l)]})
			p = p[n1+n2+int(l):]
		default: // CONNECTION_CLOSE (0x1c) or a frame Initial packets may not carry
			return out, nil
		}
	}
	return out, nil
}

// Bounds of a Reassembler: a ClientHello with post-quantum key shares is a
// few KiB; Chromium scatters it over a few dozen CRYPTO frames.
const (
	MaxCrypto  = 64 << 10 // bytes of CRYPTO stream held
	maxPending = 128      // fragments held ahead of a gap
)

// ErrTooLarge means the CRYPTO stream went past the reassembler's bounds.
var ErrTooLarge = errors.New("quic: CRYPTO stream beyond bounds")

// Reassembler rebuilds the start of a CRYPTO stream from fragments that
// arrive in any order, duplicated or overlapping. Its memory is bounded by
// MaxCrypto. The zero value is ready to use.
type Reassembler struct {
	buf     []byte     // the contiguous stream from offset 0
	pending []Fragment // fragments past a gap (copies)
	held    int        // bytes in pending
}

// Add places a fragment. It copies what it keeps.
func (r *Reassembler) Add(f Fragment) error {
	if f.Offset > MaxCrypto || uint64(len(f.Data)) > MaxCrypto-f.Offset {
		return ErrTooLarge
	}
	if r.place(f) {
		r.drain()
		return nil
	}
	if len(r.pending) >= maxPending || r.held+len(f.Data) > MaxCrypto {
		return ErrTooLarge
	}
	r.pending = append(r.pending, Fragment{Offset: f.Offset, Data: append([]byte(nil), f.Data...)})
	r.held += len(f.Data)
	return nil
}

// place appends what f adds to the contiguous prefix; false when f starts
// after a gap.
func (r *Reassembler) place(f Fragment) bool {
	have := uint64(len(r.buf))
	if f.Offset > have {
		return false
	}
	if end := f.Offset + uint64(len(f.Data)); end > have {
		r.buf = append(r.buf, f.Data[have-f.Offset:]...)
	}
	return true
}

func (r *Reassembler) drain() {
	for progress := true; progress; {
		progress = false
		for i := 0; i < len(r.pending); i++ {
			if r.place(r.pending[i]) {
				r.held -= len(r.pending[i].Data)
				r.pending = append(r.pending[:i], r.pending[i+1:]...)
				i--
				progress = true
			}
		}
	}
}

// Len is the length of the contiguous stream prefix received.
func (r *Reassembler) Len() int { return len(r.buf) }

// Message returns the first handshake message of the stream (4-byte
// header included) once all of it has arrived.
func (r *Reassembler) Message() ([]byte, bool) {
	if len(r.buf) < 4 {
		return nil, false
	}
	n := int(r.buf[1])<<16 | int(r.buf[2])<<8 | int(r.buf[3])
	if len(r.buf) < 4+n {
		return nil, false
	}
	return r.buf[:4+n], true
}

// Want is the length of the first handshake message as its header
// announces it (header included), or 0 before the header has arrived.
func (r *Reassembler) Want() int {
	if len(r.buf) < 4 {
		return 0
	}
	return 4 + (int(r.buf[1])<<16 | int(r.buf[2])<<8 | int(r.buf[3]))
}
