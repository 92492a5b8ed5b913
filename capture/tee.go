package capture

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TeeOptions say where and how to keep a copy of what a source yields.
type TeeOptions struct {
	Path        string        // the pcapng file to write ("-" is not allowed)
	RotateBytes int64         // start a new file past this size (0: never)
	RotateEvery time.Duration // start a new file after this long (0: never)
}

// Tee passes packets through from a Source and writes each to pcapng, so
// every live audit can be reproduced from the file. With rotation the
// files are PATH, then PATH-1.pcapng, PATH-2.pcapng...
type Tee struct {
	src interface {
		Source
		Inputs() []InputInfo
	}
	opts    TeeOptions
	f       *os.File
	w       *pcapgo.NgWriter
	written int64
	opened  time.Time
	n       int
	err     error
	closed  bool
	Files   []string
}

// NewTee wraps src.
func NewTee(src interface {
	Source
	Inputs() []InputInfo
}, opts TeeOptions) (*Tee, error) {
	t := &Tee{src: src, opts: opts}
	if err := t.rotate(time.Time{}); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Tee) name() string {
	if t.n == 0 {
		return t.opts.Path
	}
	ext := filepath.Ext(t.opts.Path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(t.opts.Path, ext), t.n, ext)
}

func (t *Tee) rotate(now time.Time) error {
	if t.w != nil {
		if err := t.w.Flush(); err != nil && t.err == nil {
			t.err = err
		}
		if err := t.f.Close(); err != nil && t.err == nil {
			t.err = err
		}
		t.w = nil
		t.n++
	}
	f, err := os.Create(t.name())
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	w, err := pcapgo.NewNgWriterInterface(f, pcapgo.NgInterface{Name: "tattle", LinkType: layers.LinkTypeEthernet, SnapLength: 262144, TimestampResolution: 9},
		pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "tattle capture"}})
	if err != nil {
		f.Close()
		return fmt.Errorf("capture: %w", err)
	}
	t.f, t.w, t.written, t.opened = f, w, 0, now
	t.Files = append(t.Files, t.name())
	return nil
}

// Next implements Source.
func (t *Tee) Next() (RawPacket, error) {
	p, err := t.src.Next()
	if err != nil {
		return p, err
	}
	if (t.opts.RotateBytes > 0 && t.written >= t.opts.RotateBytes) ||
		(t.opts.RotateEvery > 0 && !t.opened.IsZero() && p.Time.Sub(t.opened) >= t.opts.RotateEvery) {
		if err := t.rotate(p.Time); err != nil && t.err == nil {
			t.err = err
		}
	}
	if t.opened.IsZero() {
		t.opened = p.Time
	}
	if t.w == nil {
		return p, nil // the next file could not be created: t.err says why
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: max(p.CaptureLn, len(p.Data))}
	if err := t.w.WritePacket(ci, p.Data); err != nil && t.err == nil {
		t.err = err
	}
	t.written += int64(len(p.Data)) + 32
	return p, nil
}

// Inputs implements the source's input listing.
func (t *Tee) Inputs() []InputInfo { return t.src.Inputs() }

// Close flushes the file and closes the source. It may be called more
// than once (a deferred Close after the first is a no-op).
func (t *Tee) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	err := t.src.Close()
	if t.w != nil {
		if e := t.w.Flush(); e != nil && t.err == nil {
			t.err = e
		}
		if e := t.f.Close(); e != nil && t.err == nil {
			t.err = e
		}
		t.w = nil
	}
	if t.err != nil {
		return t.err
	}
	return err
}

var _ io.Closer = (*Tee)(nil)
