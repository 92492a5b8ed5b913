package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Bounds on what one input may make the reader hold or allocate.
//
//   - maxRecord: a packet record longer than 256 KiB is damage (or an
//     attack), not a packet. It is libpcap's and Wireshark's limit for every
//     link type tattle reads (WTAP_MAX_PACKET_SIZE_STANDARD), so tattle
//     rejects exactly the records tshark rejects.
//   - readBuffer: every input is read through one 1 MiB bufio.Reader (and a
//     second one after a decompressor). Records and pcapng blocks up to this
//     size are handed out as slices of that buffer, without copying.
//   - maxBlock: a pcapng block may be larger than the buffer (a big Name
//     Resolution or Decryption Secrets block, a packet with long comments).
//     Such a block is skipped as a stream, so it costs time, never memory;
//     only its first readBuffer bytes are parsed. Beyond maxBlock (the limit
//     Wireshark applies: its largest record plus 128 KiB of options) a block
//     length is damage.
//   - maxZstdWindow: a zstd frame header names the window the decoder must
//     keep, and the decoder allocates it up front. 128 MiB is the largest
//     window the zstd tool writes without --long=28 or more (levels up to
//     --ultra -22 and --long's default); larger frames are refused rather
//     than letting a 20-byte hostile file claim gigabytes.
const (
	maxRecord     = 256 << 10
	readBuffer    = 1 << 20
	maxBlock      = 128<<20 + 128<<10
	maxZstdWindow = 128 << 20
)

// InputInfo describes one input file as it was read. Inputs returns a copy
// whose counters are updated as reading goes on.
type InputInfo struct {
	Name        string
	Format      string // "pcap", "pcapng"; "" when the format was not recognised
	Compression string // "", "gzip", "zstd"
	LinkTypes   []string
	Packets     uint64
	Bytes       uint64 // captured bytes (len(RawPacket.Data)) of the packets delivered
	First, Last time.Time
	Truncated   bool   // the input ended in the middle of a record
	Drops       uint64 // packets the capturing system dropped (pcapng isb_ifdrop + isb_osdrop)
	Warnings    []string
	Err         error // what stopped reading this file; nil when it ended cleanly

	clamped    uint64 // packets whose time stamp clamped
	clampWarn  int    // index of their warning in Warnings
	clampFirst string // where the first one was
	// firstAt and lastAt are First and Last as instants, for stamp's
	// comparisons (set from the first packet on).
	firstAt, lastAt instant
}

func (in *InputInfo) addLinkType(lt layers.LinkType) {
	name := lt.String()
	if !slices.Contains(in.LinkTypes, name) {
		in.LinkTypes = append(in.LinkTypes, name)
	}
}

// earliestTime and latestTime bound the capture times that enter the
// pipeline: years 0 to 9999, what RFC 3339 (and so JSON encoding of a
// time.Time) can write. pcapng's if_tsoffset and if_tsresol let a file
// state times far outside them.
var (
	earliestTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	latestTime   = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	earliestUnix = earliestTime.Unix()
	latestUnix   = latestTime.Unix()
)

// stamp records a delivered packet in the file's statistics. It is also
// where every reader's packet times are checked: one outside the years 0
// to 9999 is clamped to the nearer end, and the file gets a warning
// naming the first such packet and its offset, and how many there were.
func (in *InputInfo) stamp(p *RawPacket) {
	// Strictly inside the years by its Unix seconds, a time is in range
	// (earliestTime is at a whole second, latestTime at the last
	// nanosecond of one): the exact test is for the others only.
	at := instantOf(p.Time)
	if (at.sec <= earliestUnix || at.sec >= latestUnix) &&
		(p.Time.Before(earliestTime) || p.Time.After(latestTime)) {
		in.clamped++
		if in.clamped == 1 {
			in.clampWarn = len(in.Warnings)
			in.Warnings = append(in.Warnings, "")
			in.clampFirst = fmt.Sprintf("the first is packet #%d at offset %d", p.Index, p.Offset)
		}
		in.Warnings[in.clampWarn] = fmt.Sprintf("%d packets with a timestamp outside years 0..9999, clamped to the nearer end; %s", in.clamped, in.clampFirst)
		if p.Time.Before(earliestTime) {
			p.Time = earliestTime
		} else {
			p.Time = latestTime
		}
		at = instantOf(p.Time)
	}
	if in.Packets == 0 {
		in.firstAt, in.lastAt = instantOf(in.First), instantOf(in.Last)
	}
	in.Packets++
	in.Bytes += uint64(len(p.Data))
	if in.First.IsZero() || at.before(in.firstAt) {
		in.First, in.firstAt = p.Time, at
	}
	if in.lastAt.before(at) {
		in.Last, in.lastAt = p.Time, at
	}
}

// FileSource reads packets from files, directories and streams, one after
// the other. It implements Source. It is not safe for concurrent use,
// except Progress.
type FileSource struct {
	queue  []pending
	cur    recordReader
	inputs []*InputInfo
	pkt    RawPacket // filled in place by the record readers: Next allocates nothing
	closed bool
	// cr reads the current input (or the last one). Once pin is set (by
	// adopt), its buffers are pinned and bufSize long; spare is an adopted
	// buffer waiting for the next input.
	cr      *countReader
	pin     bool
	bufSize int
	reserve int // see countReader
	spare   []byte
	// Published for Progress, which another goroutine may call while
	// Next runs on a read-ahead goroutine (Prefetch).
	delivered, deliveredBytes atomic.Uint64
	// dirSkipped and dirCaptures count the files of the directory being
	// read that were skipped as non-captures and that were captures.
	dirSkipped, dirCaptures int
}

// pending is one input waiting its turn.
type pending struct {
	name      string
	r         io.Reader // nil: open name from disk
	err       error     // the path could not be opened: report it when its turn comes
	dirMember bool      // found by walking a directory: non-captures are skipped
	// dirEnd marks the end of the files of directory name: if none of
	// them was a capture, Next reports the directory as not a capture.
	dirEnd bool
}

// recordReader reads the records of one capture format into p. It returns
// io.EOF at a clean end and a *ReadError on damage.
type recordReader interface {
	next(p *RawPacket) error
	close() error
}

// Open returns a Source over all paths in the order given: regular files
// (format recognised by magic number, never by name; gzip and zstd
// compression likewise), directories (walked recursively in lexical order;
// files that are not captures are skipped with a warning in Inputs) and "-"
// for standard input.
//
// Open fails only when none of the paths can be opened; a path that cannot
// be (missing, unreadable) is reported once by Next as a *ReadError, in
// its turn, and Inputs carries its error.
func Open(paths ...string) (*FileSource, error) {
	s := &FileSource{}
	var firstErr error
	usable := 0
	for _, p := range paths {
		if p == "-" {
			s.queue = append(s.queue, pending{name: "-", r: os.Stdin})
			usable++
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			err = fmt.Errorf("capture: %w", err)
			s.queue = append(s.queue, pending{name: p, err: err})
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if !st.IsDir() {
			s.queue = append(s.queue, pending{name: p})
			usable++
			continue
		}
		files := walkDir(p)
		for _, f := range files {
			if f.err == nil {
				usable++
			}
		}
		if len(files) == 0 {
			// Like a file that is not a capture, wherever it comes in
			// the list: an empty input must not pass as a clean scan.
			err := fmt.Errorf("capture: no files in directory %s: %w", p, ErrFormat)
			s.queue = append(s.queue, pending{name: p, err: err})
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		s.queue = append(s.queue, files...)
		s.queue = append(s.queue, pending{name: p, dirEnd: true})
	}
	if usable == 0 {
		if firstErr == nil {
			firstErr = errors.New("capture: no input files")
		}
		return nil, firstErr
	}
	return s, nil
}

// walkDir lists the regular files under dir (and symbolic links to
// regular files; linked directories are not followed, so there are no
// cycles), sorted. A part of the tree that cannot be read becomes a
// pending error in its place.
func walkDir(dir string) []pending {
	var out []pending
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, pending{name: path, err: fmt.Errorf("capture: %w", err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.Type().IsRegular():
		case d.Type()&fs.ModeSymlink != 0:
			if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
				return nil
			}
		default:
			return nil
		}
		out = append(out, pending{name: path, dirMember: true})
		return nil
	})
	// WalkDir visits each directory's entries in lexical order; sorting
	// the whole list by path orders "a.pcap" before "a/b" at every depth.
	slices.SortStableFunc(out, func(a, b pending) int { return strings.Compare(a.name, b.name) })
	return out
}

// OpenReader reads one capture (any supported format and compression)
// from r, named name in results and errors. Nothing is read before the
// first call to Next, which reports an input that is not a capture.
func OpenReader(name string, r io.Reader) (*FileSource, error) {
	if r == nil {
		return nil, errors.New("capture: nil reader")
	}
	return &FileSource{queue: []pending{{name: name, r: r}}}, nil
}

// Inputs describes every input opened so far, the one being read last.
// It must not be called while Next runs (see Prefetch.Wait); Progress may.
func (s *FileSource) Inputs() []InputInfo {
	out := make([]InputInfo, len(s.inputs))
	for i, in := range s.inputs {
		out[i] = *in
		out[i].LinkTypes = slices.Clone(in.LinkTypes)
		out[i].Warnings = slices.Clone(in.Warnings)
	}
	return out
}

// Progress returns the packets and captured bytes Next has delivered so
// far, over all inputs. Unlike Inputs, it may be called from any goroutine
// at any time, as a progress display does while the input is read ahead.
func (s *FileSource) Progress() (packets, bytes uint64) {
	return s.delivered.Load(), s.deliveredBytes.Load()
}

// Next returns the next packet of all inputs, io.EOF after the last. When
// an input is not a capture, cannot be opened or is damaged, Next returns a
// *ReadError once (after the packets read before the damage) and moves on
// to the next input at the following call. The packet's Data is valid until
// the next call.
func (s *FileSource) Next() (RawPacket, error) {
	p, err := s.nextRef()
	if err != nil {
		return RawPacket{}, err
	}
	return *p, nil
}

// nextRef is Next without the copy of the packet: it returns the
// source's own, overwritten by the next call (Scanner.Run reads a
// FileSource so).
func (s *FileSource) nextRef() (*RawPacket, error) {
	for !s.closed {
		if s.cur == nil {
			if len(s.queue) == 0 {
				return nil, io.EOF
			}
			next := s.queue[0]
			s.queue[0] = pending{}
			s.queue = s.queue[1:]
			if next.dirEnd {
				skipped, captures := s.dirSkipped, s.dirCaptures
				s.dirSkipped, s.dirCaptures = 0, 0
				if captures == 0 && skipped > 0 {
					// A directory of nothing but non-captures is an input
					// that could not be read, as one such file is.
					return nil, &ReadError{File: next.name, Err: fmt.Errorf("%w: no capture file in the directory (%d files skipped)", ErrFormat, skipped)}
				}
				continue
			}
			rr, info, err := s.open(next)
			s.inputs = append(s.inputs, info)
			if err != nil {
				if next.dirMember && errors.Is(err, ErrFormat) {
					// Directories hold notes, scripts and logs beside
					// captures: skip those with a warning, not an error.
					info.Warnings = append(info.Warnings, "not a capture file, skipped")
					info.Err = nil
					s.dirSkipped++
					continue
				}
				if next.dirMember {
					s.dirCaptures++ // unreadable or damaged, but not a non-capture
				}
				return nil, err
			}
			if next.dirMember {
				s.dirCaptures++
			}
			s.cur = rr
		}
		err := s.cur.next(&s.pkt)
		if err == nil {
			s.delivered.Add(1)
			s.deliveredBytes.Add(uint64(len(s.pkt.Data)))
			return &s.pkt, nil
		}
		s.cur.close()
		s.cur = nil
		if err != io.EOF {
			return nil, err
		}
	}
	return nil, io.EOF
}

// adopt makes the source read, from now on, into buf (its whole capacity)
// and into buffers it makes of size bufSize: the packets Next returns
// then stay valid, and their bytes unmoved, until the caller drops the
// buffer they point into. adopt returns the buffer read into before
// (nil if none); the caller owns it and every earlier packet's bytes are
// in it, except those of inputs already finished, which are in buffers
// nobody reuses. The last reserve bytes of a buffer are read into only
// when a record needs them: a caller that stops when room falls below
// reserve leaves little read ahead to move into the next buffer.
// Prefetch hands each batch's buffer over this way.
func (s *FileSource) adopt(buf []byte, bufSize, reserve int) []byte {
	s.pin, s.bufSize, s.reserve = true, bufSize, reserve
	if s.cur == nil {
		// Between inputs: the next one starts in buf.
		old := s.spare
		if s.cr != nil {
			old, s.cr = s.cr.buf, nil
		}
		s.spare = buf
		return old
	}
	return s.cr.adopt(buf)
}

// room is how many bytes the packets read next can take in the current
// buffer (see countReader.room).
func (s *FileSource) room() int {
	if s.cur == nil {
		return s.bufSize
	}
	return s.cr.room()
}

// Close releases the open file. Next returns io.EOF afterwards.
func (s *FileSource) Close() error {
	s.closed = true
	s.queue = nil
	if s.cur != nil {
		err := s.cur.close()
		s.cur = nil
		return err
	}
	return nil
}

var (
	magicGzip   = []byte{0x1f, 0x8b}
	magicZstd   = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicPcapng = []byte{0x0a, 0x0d, 0x0d, 0x0a}
)

// isCaptureMagic reports whether head (the first four bytes of a file)
// starts a capture tattle reads, possibly compressed.
func isCaptureMagic(head []byte) bool {
	return len(head) >= 4 && (isPcapMagic(head) || bytes.HasPrefix(head, magicPcapng) ||
		bytes.HasPrefix(head, magicGzip) || bytes.HasPrefix(head, magicZstd))
}

// open sniffs one input and returns its record reader. info is never nil;
// when err is not nil, info.Err says why.
func (s *FileSource) open(pn pending) (recordReader, *InputInfo, error) {
	info := &InputInfo{Name: pn.name}
	fail := func(err error) (recordReader, *InputInfo, error) {
		var re *ReadError
		if !errors.As(err, &re) {
			re = &ReadError{File: pn.name, Err: err}
		}
		info.Err = re.Err
		info.Truncated = info.Truncated || errors.Is(re, ErrTruncated)
		return nil, info, re
	}
	if pn.err != nil {
		return fail(pn.err)
	}
	var closers []io.Closer
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
	}
	r := pn.r
	if r == nil {
		f, err := os.Open(pn.name)
		if err != nil {
			return fail(fmt.Errorf("capture: %w", err))
		}
		closers = append(closers, f)
		r = f
	}
	// The magic number is sniffed through a minimal buffer: once its few
	// bytes are consumed, bufio passes large reads straight through, so
	// an uncompressed file is read into the countReader's buffer with one
	// copy. A decompressor reads its input through a large buffer.
	sn := bufio.NewReaderSize(r, 16)
	head, _ := sn.Peek(4)
	var src io.Reader = sn
	switch {
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(bufio.NewReaderSize(sn, readBuffer))
		if err != nil {
			closeAll()
			return fail(fmt.Errorf("gzip: %w", truncation(err)))
		}
		closers = append(closers, zr)
		info.Compression = "gzip"
		src = zr
	case bytes.HasPrefix(head, magicZstd):
		zr, err := zstd.NewReader(bufio.NewReaderSize(sn, readBuffer), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderMaxMemory(maxZstdWindow))
		if err != nil {
			closeAll()
			return fail(fmt.Errorf("zstd: %w", err))
		}
		closers = append(closers, zstdCloser{zr})
		info.Compression = "zstd"
		src = zr
	}
	c := &countReader{src: src, size: readBuffer, name: pn.name, closeFn: closeAll}
	if s.pin {
		c.pinned, c.size, c.reserve = true, s.bufSize, s.reserve
		if spare := s.spare; spare != nil {
			s.spare = nil
			c.adopt(spare)
		}
	}
	s.cr = c
	for c.w-c.r < 4 && c.err == nil {
		c.fill(4)
	}
	head, err := c.buf[c.r:min(c.w, c.r+4)], c.err
	if len(head) < 4 {
		closeAll()
		switch {
		case err == io.EOF && len(head) == 0:
			err = fmt.Errorf("%w: empty input", ErrFormat)
		case err == io.EOF:
			err = fmt.Errorf("%w: input shorter than any capture header", ErrFormat)
		default:
			// A decompressor that met the end of its input, or a read error.
			err = truncation(err)
		}
		if info.Compression != "" {
			err = fmt.Errorf("%s: %w", info.Compression, err)
		}
		return fail(err)
	}
	var rr recordReader
	switch {
	case isPcapMagic(head):
		info.Format = "pcap"
		rr, err = newPcapReader(c, info)
	case bytes.Equal(head, magicPcapng):
		info.Format = "pcapng"
		rr, err = newNgReader(c, info)
	default:
		err = fmt.Errorf("%w (magic % x)", ErrFormat, head)
	}
	if err != nil {
		closeAll()
		return fail(err)
	}
	return rr, info, nil
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }

// countReader reads one (decompressed) stream through a buffer of its
// own and tracks the offset in it, so errors can name where damage is.
// peek hands out slices of the buffer: the record readers' packets are
// those slices, copied from the stream once.
//
// By default the buffer is reused (its unread bytes moved to the front)
// when a peek needs more room, so a slice is valid until the next peek.
// Once pinned (see FileSource.adopt), bytes handed out are never moved or
// overwritten: a peek that needs more room than the buffer has left goes
// on in a new buffer, and the old one belongs to whoever holds its
// packets.
type countReader struct {
	src    io.Reader
	buf    []byte // the buffer; unread bytes are buf[r:w]
	r, w   int
	err    error // what the last read of src returned; no more reads after it
	pinned bool
	size   int // length of a buffer made here
	// reserve: a pinned buffer's last reserve bytes are read into only
	// for a peek that needs them, so that little is read past the point
	// where the buffer's owner stops (room below reserve).
	reserve int
	off     int64
	name    string
	closeFn func()
}

// fill reads src once into the buffer, making room for n unread bytes
// first when the buffer cannot hold them.
func (c *countReader) fill(n int) {
	if len(c.buf)-c.r < n || c.w == len(c.buf) {
		unread := c.w - c.r
		if c.pinned || len(c.buf) < n || c.buf == nil {
			nb := make([]byte, max(c.size, n))
			copy(nb, c.buf[c.r:c.w])
			c.buf = nb
		} else {
			copy(c.buf, c.buf[c.r:c.w])
		}
		c.r, c.w = 0, unread
	}
	end := len(c.buf)
	if c.pinned {
		end = min(end, max(end-c.reserve, c.r+n))
	}
	// As bufio does: a reader that keeps returning nothing is an error.
	for range 100 {
		m, err := c.src.Read(c.buf[c.w:end])
		c.w += m
		if err != nil {
			c.err = err
			return
		}
		if m > 0 {
			return
		}
	}
	c.err = io.ErrNoProgress
}

// peek returns the next n bytes without consuming them (see countReader
// for how long the slice stays valid). A stream that ends before n bytes
// yields ErrTruncated, or io.EOF when nothing at all is left.
func (c *countReader) peek(n int) ([]byte, error) {
	for c.w-c.r < n && c.err == nil {
		c.fill(n)
	}
	if c.w-c.r >= n {
		return c.buf[c.r : c.r+n : c.r+n], nil
	}
	if c.w == c.r && c.err == io.EOF {
		return nil, io.EOF
	}
	return nil, truncation(c.err)
}

// discard consumes n bytes, any number, streaming.
func (c *countReader) discard(n int) error {
	for n > 0 {
		if c.w == c.r {
			if c.err != nil {
				return truncation(c.err)
			}
			c.fill(1)
			continue
		}
		k := min(n, c.w-c.r)
		c.r += k
		c.off += int64(k)
		n -= k
	}
	return nil
}

// room is how many bytes the pinned buffer has left from the read
// position: what the records read next can take without a new buffer.
func (c *countReader) room() int {
	if c.buf == nil {
		return c.size
	}
	return len(c.buf) - c.r
}

// adopt pins buf (its whole capacity) as the buffer, the unread bytes
// moved into it, and returns the buffer read so far (nil if none).
func (c *countReader) adopt(buf []byte) []byte {
	old := c.buf
	buf = buf[:cap(buf)]
	unread := copy(buf, c.buf[c.r:c.w])
	if unread < c.w-c.r {
		panic("capture: adopted buffer too small")
	}
	c.buf, c.r, c.w, c.pinned = buf, 0, unread, true
	return old
}

// truncation maps the ways a stream can end early (a short file, a
// decompressor that meets the end of its input) to ErrTruncated.
func truncation(err error) error {
	if err == nil || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}

// damage turns a read problem at offset off into the *ReadError Next
// returns, recording it in info. io.EOF passes through.
func damage(c *countReader, info *InputInfo, off int64, what string, err error) error {
	if err == io.EOF {
		return err
	}
	if errors.Is(err, ErrTruncated) {
		info.Truncated = true
	}
	if what != "" {
		err = fmt.Errorf("%s: %w", what, err)
	}
	info.Err = err
	return &ReadError{File: c.name, Offset: off, Err: err}
}

// binaryOrders are the two byte orders a capture may be written in.
var binaryOrders = [2]binary.ByteOrder{binary.LittleEndian, binary.BigEndian}

// Split returns one source per input not yet read, in order, each
// reading that input alone (a file found in a directory keeps being
// skipped with a warning when it is not a capture). The source itself is
// left with nothing to read. Scanning the parts apart is how inputs are
// scanned in parallel (see audit.ScanEach).
func (s *FileSource) Split() []*FileSource {
	out := make([]*FileSource, 0, len(s.queue))
	for _, p := range s.queue {
		out = append(out, &FileSource{queue: []pending{p}})
	}
	s.queue = nil
	return out
}
