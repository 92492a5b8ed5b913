package capture

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Classic libpcap magic numbers, as read in the file's own byte order.
const (
	pcapMagicMicro = 0xa1b2c3d4
	pcapMagicNano  = 0xa1b23c4d
	pcapMagicKuz   = 0xa1b2cd34 // Kuznetsov's modified pcap: 8 more bytes per record
)

// pcapOrder returns the byte order in which b starts with a pcap magic
// number, or nil.
func pcapOrder(b []byte) binary.ByteOrder {
	if len(b) < 4 {
		return nil
	}
	for _, bo := range binaryOrders {
		switch bo.Uint32(b) {
		case pcapMagicMicro, pcapMagicNano, pcapMagicKuz:
			return bo
		}
	}
	return nil
}

func isPcapMagic(b []byte) bool { return pcapOrder(b) != nil }

// pcapReader reads classic libpcap files: a 24-byte file header, then
// records of a 16-byte header (24 in the modified format) and the packet.
type pcapReader struct {
	c        *countReader
	info     *InputInfo
	bo       binary.ByteOrder
	big      bool // bo is big-endian (read inline in next, not through bo)
	nano     bool
	hdrLen   int // record header length
	linkType layers.LinkType
	index    uint64
}

func newPcapReader(c *countReader, info *InputInfo) (*pcapReader, error) {
	h, err := c.peek(24)
	if err != nil {
		return nil, damage(c, info, 0, "pcap file header", err)
	}
	r := &pcapReader{c: c, info: info, bo: pcapOrder(h), hdrLen: 16}
	r.big = r.bo == binary.BigEndian
	switch r.bo.Uint32(h) {
	case pcapMagicNano:
		r.nano = true
	case pcapMagicKuz:
		r.hdrLen = 24
	}
	// The link type is the low 16 bits; the upper bits may carry the FCS
	// length (LINKTYPE_FCS) and are not part of the type.
	r.linkType = layers.LinkType(r.bo.Uint32(h[20:]) & 0xffff)
	info.addLinkType(r.linkType)
	_ = c.discard(24)
	return r, nil
}

// u32 reads a header field in the file's byte order.
func (r *pcapReader) u32(b []byte) uint32 {
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *pcapReader) next(p *RawPacket) error {
	c := r.c
	off := c.off
	var h, data []byte
	if hl := r.hdrLen; c.w-c.r >= hl {
		// The usual case: the header, and likely the packet, are in
		// the buffer already; peek and discard are for the others.
		h = c.buf[c.r : c.r+hl : c.r+hl]
	} else {
		var err error
		if h, err = c.peek(hl); err != nil {
			return damage(c, r.info, off, "record header", err)
		}
	}
	sec, frac := r.u32(h), r.u32(h[4:])
	incl, orig := r.u32(h[8:]), r.u32(h[12:])
	if incl > maxRecord {
		return damage(c, r.info, off, "record", fmt.Errorf("%w: captured length %d exceeds %d bytes", ErrFormat, incl, maxRecord))
	}
	if n := r.hdrLen + int(incl); c.w-c.r >= n {
		data = c.buf[c.r+r.hdrLen : c.r+n : c.r+n]
		c.r += n
		c.off += int64(n)
	} else {
		_ = c.discard(r.hdrLen)
		var err error
		if data, err = c.peek(int(incl)); err != nil {
			// Nothing at all after a record header is a cut file too,
			// not a clean end (peek says io.EOF).
			return damage(c, r.info, off, "packet data", truncation(err))
		}
		_ = c.discard(int(incl))
	}
	r.index++
	nsec := int64(frac)
	if !r.nano {
		nsec *= 1000
	}
	// Field by field: p is the source's, on the heap, and a whole
	// RawPacket assigned went through the write barrier's bulk copy
	// while the collector ran.
	p.Data = data
	p.Time = time.Unix(int64(sec), nsec).UTC()
	p.CaptureLn = int(max(orig, incl))
	p.LinkType = r.linkType
	p.Source = r.info.Name
	p.Index = r.index
	p.Offset = off
	r.info.stamp(p)
	return nil
}

func (r *pcapReader) close() error { r.c.closeFn(); return nil }
