package capture

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// RawPacket is one packet as a Source yields it. Data points into the
// source's read buffer and is only valid until the next call to Next:
// copy what you keep.
type RawPacket struct {
	Data      []byte
	Time      time.Time
	CaptureLn int // bytes on the wire (may exceed len(Data) when snaplen cut it)
	LinkType  layers.LinkType
	Source    string // name of the file (or "-" / interface) it came from
	Index     uint64 // 1-based packet number within Source
	Offset    int64  // byte offset of the packet record within the (decompressed) source
}

// Source yields raw packets. Next returns io.EOF at the clean end of all
// input. A damaged input yields a *ReadError (possibly wrapping
// ErrTruncated); the caller may continue calling Next to move on to the next
// file of a multi-file source.
type Source interface {
	Next() (RawPacket, error)
	Close() error
}

// ErrTruncated marks input that ended in the middle of a record.
var ErrTruncated = errors.New("capture: truncated input")

// ErrFormat marks input that is not a capture format tattle reads.
var ErrFormat = errors.New("capture: unknown capture format")

// ReadError names the file and byte offset where reading failed.
type ReadError struct {
	File   string
	Offset int64
	Err    error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("capture: %s: offset %d: %v", e.File, e.Offset, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }
