package capture

import "io"

// Prefetch reads a Source on a goroutine of its own, a few batches ahead
// of the caller, so that reading and decompressing files overlaps with
// the scan. Packets come in batches (at most prefetchQueue wait), so
// memory stays bounded: a FileSource reads straight into the batches'
// buffers, any other source's packets are copied into them. A batch's
// buffer is reused once Next has moved past the batch. Errors arrive in order, between the packets
// they followed; after io.EOF or Close the source is no longer read and
// its own methods (Inputs) may be called. Until then src is read only on
// Prefetch's goroutine, and Next and Close are for one goroutine, the
// scanner's.
type Prefetch struct {
	src     Source
	ch      chan *prefetchBatch
	free    chan *prefetchBatch
	stop    chan struct{}
	exited  chan struct{}
	started bool
	cur     *prefetchBatch
	pos     int
	done    bool
}

type prefetchBatch struct {
	pkts []RawPacket
	data []byte // the buffer the packets point into, kept to be reused
	err  error  // after pkts: the error Next returned (io.EOF at the end)
}

const (
	prefetchQueue   = 4
	prefetchPackets = 1024
	prefetchBytes   = 1 << 20
	// Reading in place: a batch's buffer, and the room left in it below
	// which the batch ends (a classic record header and the largest
	// record, with more than a pcapng packet block's header and options
	// around it; a larger block goes on in a new buffer). A batch of
	// small packets ends at prefetchInPlace.
	prefetchBuffer   = 1 << 20
	prefetchHeadroom = maxRecord + 64<<10
	prefetchInPlace  = 16384
)

// NewPrefetch wraps src.
func NewPrefetch(src Source) *Prefetch {
	return &Prefetch{src: src, free: make(chan *prefetchBatch, prefetchQueue+2)}
}

func (p *Prefetch) start() {
	p.started = true
	p.ch = make(chan *prefetchBatch, prefetchQueue)
	p.stop = make(chan struct{})
	p.exited = make(chan struct{})
	go p.read()
}

func (p *Prefetch) read() {
	defer close(p.exited)
	defer close(p.ch)
	if fs, ok := p.src.(*FileSource); ok {
		p.readInPlace(fs)
		return
	}
	for {
		b := p.batch()
		if b.data == nil {
			b.data = make([]byte, 0, prefetchBytes)
		}
		for len(b.pkts) < prefetchPackets && len(b.data) < prefetchBytes {
			raw, err := p.src.Next()
			if err != nil {
				b.err = err
				break
			}
			off := len(b.data)
			b.data = append(b.data, raw.Data...)
			raw.Data = b.data[off:len(b.data):len(b.data)]
			b.pkts = append(b.pkts, raw)
		}
		// The data slices of earlier packets may point into an array
		// append replaced: point them into the final one.
		off := 0
		for i := range b.pkts {
			n := len(b.pkts[i].Data)
			b.pkts[i].Data = b.data[off : off+n : off+n]
			off += n
		}
		if !p.send(b) {
			return
		}
	}
}

// readInPlace fills batches from a FileSource that reads the files
// straight into the batches' buffers (FileSource.adopt): the packets are
// slices of the buffer, copied once from the file, and a buffer is read
// into again only after the batch that holds it came back through free.
// A batch ends when its buffer may not hold the largest record.
func (p *Prefetch) readInPlace(fs *FileSource) {
	next := p.batch()
	fs.adopt(p.buffer(next), prefetchBuffer, prefetchHeadroom)
	for {
		b := next
		for len(b.pkts) == 0 || (len(b.pkts) < prefetchInPlace && fs.room() >= prefetchHeadroom) {
			raw, err := fs.Next()
			if err != nil {
				b.err = err
				break
			}
			b.pkts = append(b.pkts, raw)
		}
		// The batch takes the buffer its packets were read into; the
		// next batch's buffer takes the bytes read ahead.
		next = p.batch()
		b.data = fs.adopt(p.buffer(next), prefetchBuffer, prefetchHeadroom)
		if !p.send(b) {
			return
		}
	}
}

// batch returns an empty batch, one handed back if there is one.
func (p *Prefetch) batch() *prefetchBatch {
	select {
	case b := <-p.free:
		b.pkts, b.data, b.err = b.pkts[:0], b.data[:0], nil
		return b
	default:
		return &prefetchBatch{pkts: make([]RawPacket, 0, prefetchPackets)}
	}
}

// buffer takes b's buffer for reading in place, or makes one.
func (p *Prefetch) buffer(b *prefetchBatch) []byte {
	buf := b.data
	b.data = nil
	if cap(buf) < prefetchBuffer {
		buf = make([]byte, prefetchBuffer)
	}
	return buf
}

// send hands b to Next; false when reading is to stop.
func (p *Prefetch) send(b *prefetchBatch) bool {
	select {
	case p.ch <- b:
	case <-p.stop:
		return false
	}
	return b.err != io.EOF
}

// Next implements Source. The packet's Data stays valid until the next
// call, as with any Source.
func (p *Prefetch) Next() (RawPacket, error) {
	if p.done {
		return RawPacket{}, io.EOF
	}
	if !p.started {
		p.start()
	}
	for {
		if p.cur != nil {
			if p.pos < len(p.cur.pkts) {
				p.pos++
				return p.cur.pkts[p.pos-1], nil
			}
			b := p.cur
			p.cur = nil
			if err := b.err; err != nil {
				select {
				case p.free <- b:
				default:
				}
				if err == io.EOF {
					p.done = true
					<-p.exited
				}
				return RawPacket{}, err
			}
			select {
			case p.free <- b:
			default:
			}
		}
		b, ok := <-p.ch
		if !ok {
			p.done = true
			return RawPacket{}, io.EOF
		}
		p.cur, p.pos = b, 0
	}
}

// Close stops reading ahead and closes the source.
func (p *Prefetch) Close() error {
	if p.started && !p.done {
		close(p.stop)
		<-p.exited
		p.done = true
	}
	return p.src.Close()
}

// Wait stops the reading goroutine without closing the source, so that
// its methods (Inputs) may be called.
func (p *Prefetch) Wait() {
	if p.started && !p.done {
		close(p.stop)
		<-p.exited
		p.done = true
	}
}
