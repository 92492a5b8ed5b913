package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"
)

const (
	pcapMagicMicro = 0xa1b2c3d4
	pcapMagicNano  = 0xa1b23c4d
	pcapMagicKuz   = 0xa1b2cd34 // Kuznetsov's modified pcap: 8 more bytes per record
)

func isPcapMagic(b []byte) bool {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		switch bo.Uint32(b) {
		case pcapMagicMicro, pcapMagicNano, pcapMagicKuz:
			return true
		}
	}
	return false
}

// pcapReader reads classic libpcap files.
type pcapReader struct {
	c        *countReader
	info     *InputInfo
	bo       binary.ByteOrder
	nano     bool
	extra    int // bytes after the 16-byte record header (modified pcap)
	linkType layers.LinkType
	index    uint64
}

func newPcapReader(c *countReader, info *InputInfo) (*pcapReader, error) {
	h, err := c.peek(24)
	if err != nil {
		return nil, c.fail(0, fmt.Errorf("pcap header: %w", err))
	}
	r := &pcapReader{c: c, info: info}
	switch {
	case binary.LittleEndian.Uint32(h) == pcapMagicMicro || binary.LittleEndian.Uint32(h) == pcapMagicNano || binary.LittleEndian.Uint32(h) == pcapMagicKuz:
		r.bo = binary.LittleEndian
	default:
		r.bo = binary.BigEndian
	}
	magic := r.bo.Uint32(h)
	r.nano = magic == pcapMagicNano
	if magic == pcapMagicKuz {
		r.extra = 8
	}
	// The link type is the low 16 bits; the upper bits may carry the FCS
	// length (LINKTYPE_FCS) and are not part of the type.
	r.linkType = layers.LinkType(r.bo.Uint32(h[20:]) & 0xffff)
	info.addLinkType(r.linkType)
	if err := c.discard(24); err != nil {
		return nil, c.fail(0, err)
	}
	return r, nil
}

func (r *pcapReader) next(p *RawPacket) error {
	off := r.c.off
	h, err := r.c.peek(16 + r.extra)
	if err != nil {
		return r.damage(off, "record header", err)
	}
	sec, frac := r.bo.Uint32(h), r.bo.Uint32(h[4:])
	incl, orig := r.bo.Uint32(h[8:]), r.bo.Uint32(h[12:])
	if incl > maxRecord {
		return r.damage(off, "record", fmt.Errorf("captured length %d exceeds %d bytes", incl, maxRecord))
	}
	if err := r.c.discard(16 + r.extra); err != nil {
		return r.damage(off, "record header", err)
	}
	data, err := r.c.peek(int(incl))
	if err != nil {
		return r.damage(off, "packet data", err)
	}
	_ = r.c.discard(int(incl))
	r.index++
	nsec := int64(frac) * 1000
	if r.nano {
		nsec = int64(frac)
	}
	*p = RawPacket{
		Data:      data,
		Time:      time.Unix(int64(sec), nsec).UTC(),
		CaptureLn: int(max(orig, incl)),
		LinkType:  r.linkType,
		Source:    r.info.Name,
		Index:     r.index,
		Offset:    off,
	}
	r.info.stamp(p)
	return nil
}

// damage turns a read problem into a ReadError, marking truncation.
func (r *pcapReader) damage(off int64, what string, err error) error {
	return damage(r.c, r.info, off, what, err)
}

func damage(c *countReader, info *InputInfo, off int64, what string, err error) error {
	if errors.Is(err, errEOF) {
		return err
	}
	if errors.Is(err, ErrTruncated) {
		info.Truncated = true
	}
	info.Err = fmt.Errorf("%s: %w", what, err)
	return c.fail(off, info.Err)
}

func (r *pcapReader) close() error { r.c.closeFn(); return nil }
