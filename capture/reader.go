package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Bounds on what one record may claim. A record longer than maxRecord is
// damage (or an attack), not a packet: no link type tattle reads carries
// more than 256 KiB in one frame, and libpcap's own limit is the same.
const (
	maxRecord  = 256 << 10
	maxBlock   = maxRecord + 4096 // a pcapng block: one record plus options
	readBuffer = 1 << 20
)

// InputInfo describes one input file as it was read.
type InputInfo struct {
	Name        string
	Format      string // "pcap", "pcapng"
	Compression string // "", "gzip", "zstd"
	LinkTypes   []string
	Packets     uint64
	Bytes       uint64
	First, Last time.Time
	Truncated   bool
	Drops       uint64 // packets the capturing kernel dropped (pcapng interface statistics)
	Warnings    []string
	Err         error // what stopped reading this file; nil when it ended cleanly
}

func (in *InputInfo) addLinkType(lt layers.LinkType) {
	name := lt.String()
	for _, s := range in.LinkTypes {
		if s == name {
			return
		}
	}
	in.LinkTypes = append(in.LinkTypes, name)
}

// FileSource reads packets from files, directories and streams, one after
// the other. It implements Source.
type FileSource struct {
	queue  []pending
	cur    recordReader
	inputs []*InputInfo
}

type pending struct {
	name      string
	r         io.Reader // nil: open name from disk
	dirMember bool      // found by walking a directory
}

// recordReader reads the records of one capture format.
type recordReader interface {
	next(p *RawPacket) error
	close() error
}

// Open returns a Source over all paths in the order given: regular files
// (format recognised by magic number, never by name; gzip and zstd
// compression likewise), directories (walked recursively, in lexical
// order) and "-" for standard input. It fails only when a path does not
// exist; unreadable or non-capture files are reported by Next.
func Open(paths ...string) (*FileSource, error) {
	s := &FileSource{}
	for _, p := range paths {
		if p == "-" {
			s.queue = append(s.queue, pending{name: "-", r: os.Stdin})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		if !st.IsDir() {
			s.queue = append(s.queue, pending{name: p})
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		sort.Strings(files)
		for _, f := range files {
			s.queue = append(s.queue, pending{name: f, dirMember: true})
		}
	}
	if len(s.queue) == 0 {
		return nil, errors.New("capture: no input files")
	}
	return s, nil
}

// OpenReader reads one capture (any supported format and compression)
// from r, named name in results and errors.
func OpenReader(name string, r io.Reader) (*FileSource, error) {
	return &FileSource{queue: []pending{{name: name, r: r}}}, nil
}

// Inputs describes every input opened so far.
func (s *FileSource) Inputs() []InputInfo {
	out := make([]InputInfo, len(s.inputs))
	for i, in := range s.inputs {
		out[i] = *in
	}
	return out
}

// Next returns the next packet of all inputs, io.EOF after the last. When
// a file is damaged it returns a *ReadError once and moves on to the next
// file at the following call.
func (s *FileSource) Next() (RawPacket, error) {
	var p RawPacket
	for {
		if s.cur == nil {
			if len(s.queue) == 0 {
				return p, io.EOF
			}
			next := s.queue[0]
			s.queue = s.queue[1:]
			rr, info, err := s.open(next)
			if info != nil {
				s.inputs = append(s.inputs, info)
			}
			if err != nil {
				if next.dirMember && errors.Is(err, ErrFormat) {
					// Directories hold notes, scripts and logs beside
					// captures: skip those with a warning, not an error.
					info.Warnings = append(info.Warnings, "not a capture file, skipped")
					info.Err = nil
					continue
				}
				return p, err
			}
			s.cur = rr
		}
		err := s.cur.next(&p)
		if err == nil {
			return p, nil
		}
		s.cur.close()
		s.cur = nil
		if err == io.EOF {
			continue
		}
		return p, err
	}
}

// Close releases open files.
func (s *FileSource) Close() error {
	if s.cur != nil {
		err := s.cur.close()
		s.cur = nil
		return err
	}
	return nil
}

var (
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// open sniffs one input and returns its record reader.
func (s *FileSource) open(pn pending) (recordReader, *InputInfo, error) {
	info := &InputInfo{Name: pn.name}
	var closers []io.Closer
	r := pn.r
	if r == nil {
		f, err := os.Open(pn.name)
		if err != nil {
			info.Err = err
			return nil, info, &ReadError{File: pn.name, Err: err}
		}
		closers = append(closers, f)
		r = f
	}
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
	}
	br := bufio.NewReaderSize(r, readBuffer)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeAll()
			info.Err = err
			return nil, info, &ReadError{File: pn.name, Err: fmt.Errorf("gzip: %w", err)}
		}
		closers = append(closers, zr)
		info.Compression = "gzip"
		br = bufio.NewReaderSize(zr, readBuffer)
	case bytes.HasPrefix(head, magicZstd):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			closeAll()
			info.Err = err
			return nil, info, &ReadError{File: pn.name, Err: fmt.Errorf("zstd: %w", err)}
		}
		closers = append(closers, zstdCloser{zr})
		info.Compression = "zstd"
		br = bufio.NewReaderSize(zr, readBuffer)
	}
	cr := &countReader{r: br, name: pn.name, closeFn: closeAll}
	head, err := br.Peek(4)
	if err != nil || len(head) < 4 {
		closeAll()
		if len(head) == 0 {
			info.Err = fmt.Errorf("%w: empty file", ErrFormat)
		} else {
			info.Err = fmt.Errorf("%w: file too short", ErrFormat)
		}
		return nil, info, &ReadError{File: pn.name, Err: info.Err}
	}
	var rr recordReader
	switch {
	case isPcapMagic(head):
		info.Format = "pcap"
		rr, err = newPcapReader(cr, info)
	case binary.LittleEndian.Uint32(head) == 0x0a0d0d0a:
		info.Format = "pcapng"
		rr, err = newNgReader(cr, info)
	default:
		closeAll()
		info.Err = fmt.Errorf("%w (magic % x)", ErrFormat, head)
		return nil, info, &ReadError{File: pn.name, Err: info.Err}
	}
	if err != nil {
		closeAll()
		info.Err = err
		return nil, info, err
	}
	return rr, info, nil
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }

// countReader tracks the offset in the (decompressed) stream, so errors
// can name where damage is.
type countReader struct {
	r       *bufio.Reader
	off     int64
	name    string
	closeFn func()
}

// peek returns the next n bytes without consuming them; the slice is valid
// until the next call. A short stream yields ErrTruncated (or io.EOF when
// nothing at all is left).
func (c *countReader) peek(n int) ([]byte, error) {
	b, err := c.r.Peek(n)
	if len(b) == n {
		return b, nil
	}
	if len(b) == 0 && (err == io.EOF) {
		return nil, io.EOF
	}
	if err == nil || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, ErrTruncated
	}
	return nil, err
}

func (c *countReader) discard(n int) error {
	m, err := c.r.Discard(n)
	c.off += int64(m)
	if m < n {
		if err == nil || err == io.EOF {
			return ErrTruncated
		}
		return err
	}
	return nil
}

func (c *countReader) fail(off int64, err error) error {
	return &ReadError{File: c.name, Offset: off, Err: err}
}

// stamp records a packet in the file's statistics.
func (in *InputInfo) stamp(p *RawPacket) {
	in.Packets++
	in.Bytes += uint64(len(p.Data))
	if in.First.IsZero() || p.Time.Before(in.First) {
		in.First = p.Time
	}
	if p.Time.After(in.Last) {
		in.Last = p.Time
	}
}
