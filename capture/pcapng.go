package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcapng block types (draft-ietf-opsawg-pcapng).
const (
	ngSHB = 0x0a0d0d0a
	ngIDB = 0x00000001
	ngPB  = 0x00000002 // obsolete Packet Block
	ngSPB = 0x00000003
	ngISB = 0x00000005
	ngEPB = 0x00000006
)

// maxInterfaces bounds the interfaces one section may declare, so a file of
// nothing but Interface Description Blocks cannot grow the table without
// limit. Real captures declare a handful; the obsolete Packet Block names
// interfaces in 16 bits.
const maxInterfaces = 1 << 16

type ngIface struct {
	linkType layers.LinkType
	snaplen  uint32
	// Timestamps are units of 1/tsPerSec seconds since tsOffset seconds.
	tsPerSec uint64
	tsOffset int64
	drops    uint64 // from the interface's latest statistics block
}

// ngReader reads pcapng files: several sections, each with its own byte
// order and interfaces, each interface with its own link type and
// timestamp resolution.
type ngReader struct {
	c           *countReader
	info        *InputInfo
	bo          binary.ByteOrder // of the current section; nil before the first
	ifaces      []ngIface
	dropsBefore uint64 // drops counted in earlier sections
	index       uint64
	// scratch holds the packet of a block larger than the read buffer,
	// which must be copied out before the rest of the block is skipped.
	// Such blocks are rare; the buffer is reused.
	scratch []byte
}

func newNgReader(c *countReader, info *InputInfo) (*ngReader, error) {
	return &ngReader{c: c, info: info}, nil
}

func (r *ngReader) close() error { r.c.closeFn(); return nil }

func (r *ngReader) next(p *RawPacket) error {
	for {
		off := r.c.off
		h, err := r.c.peek(8)
		if err != nil {
			return damage(r.c, r.info, off, "block header", err)
		}
		if bytes.Equal(h[:4], magicPcapng) {
			if h, err = r.c.peek(12); err != nil {
				return damage(r.c, r.info, off, "section header", truncation(err))
			}
			// A Section Header Block: its byte-order magic decides how to
			// read it and everything up to the next one.
			switch binary.LittleEndian.Uint32(h[8:]) {
			case 0x1a2b3c4d:
				r.bo = binary.LittleEndian
			case 0x4d3c2b1a:
				r.bo = binary.BigEndian
			default:
				return damage(r.c, r.info, off, "section header", fmt.Errorf("%w: bad byte-order magic", ErrFormat))
			}
			for _, ifc := range r.ifaces {
				r.dropsBefore += ifc.drops
			}
			r.ifaces = r.ifaces[:0]
		} else if r.bo == nil {
			return damage(r.c, r.info, off, "block", fmt.Errorf("%w: no section header", ErrFormat))
		}
		typ, blen := r.bo.Uint32(h), r.bo.Uint32(h[4:])
		if blen < 12 || blen > maxBlock {
			return damage(r.c, r.info, off, "block", fmt.Errorf("%w: block length %d out of range", ErrFormat, blen))
		}
		// Lengths are multiples of four; a writer that left the final
		// padding out of its count still wrote it. Read as tshark does:
		// round up, and accept either count in the trailer.
		stated := blen
		blen = (blen + 3) &^ 3
		// A block that fits the read buffer is checked whole and parsed in
		// place. A larger one is parsed from its first readBuffer bytes,
		// then skipped as a stream and its trailing length checked after.
		large := blen > readBuffer
		var body []byte
		if large {
			b, err := r.c.peek(readBuffer)
			if err != nil {
				return damage(r.c, r.info, off, "block", truncation(err))
			}
			body = b[8:]
		} else {
			b, err := r.c.peek(int(blen))
			if err != nil {
				return damage(r.c, r.info, off, "block", truncation(err))
			}
			if t := r.bo.Uint32(b[blen-4:]); t != blen && t != stated {
				return damage(r.c, r.info, off, "block", fmt.Errorf("%w: trailing length %d does not match %d", ErrFormat, t, stated))
			}
			body = b[8 : blen-4]
		}
		isPacket, err := r.block(typ, body, int(blen)-12, p)
		if err != nil {
			return damage(r.c, r.info, off, "", err)
		}
		if large {
			if isPacket && r.c.pinned {
				// Packets in a pinned buffer outlive the next call:
				// this one may not share the scratch buffer.
				p.Data = bytes.Clone(p.Data)
			} else if isPacket {
				r.scratch = append(r.scratch[:0], p.Data...)
				p.Data = r.scratch
			}
			if err := r.c.discard(int(blen) - 4); err != nil {
				return damage(r.c, r.info, off, "block", err)
			}
			t, err := r.c.peek(4)
			if err != nil {
				return damage(r.c, r.info, off, "block", truncation(err))
			}
			if t := r.bo.Uint32(t); t != blen && t != stated {
				return damage(r.c, r.info, off, "block", fmt.Errorf("%w: trailing length %d does not match %d", ErrFormat, t, stated))
			}
			_ = r.c.discard(4)
		} else {
			// p.Data points into the buffer: discard only moves the read
			// position, the bytes stay valid until the next peek.
			_ = r.c.discard(int(blen))
		}
		if isPacket {
			r.index++
			p.Index = r.index
			p.Offset = off
			p.Source = r.info.Name
			r.info.stamp(p)
			return nil
		}
	}
}

// block handles one block. body is the block's body, or its first part
// when the block is larger than the read buffer; n is the body's full
// length. It reports whether p now holds a packet.
func (r *ngReader) block(typ uint32, body []byte, n int, p *RawPacket) (bool, error) {
	switch typ {
	case ngSHB:
		if n < 16 {
			return false, fmt.Errorf("%w: section header block of %d bytes", ErrFormat, n+12)
		}
		if major := r.bo.Uint16(body[4:]); major != 1 {
			return false, fmt.Errorf("%w: pcapng version %d.%d", ErrFormat, major, r.bo.Uint16(body[6:]))
		}
		return false, nil
	case ngIDB:
		if n < 8 {
			return false, fmt.Errorf("%w: interface description block of %d bytes", ErrFormat, n+12)
		}
		if len(r.ifaces) >= maxInterfaces {
			return false, fmt.Errorf("%w: more than %d interfaces in a section", ErrFormat, maxInterfaces)
		}
		ifc := ngIface{linkType: layers.LinkType(r.bo.Uint16(body)), snaplen: r.bo.Uint32(body[4:]), tsPerSec: 1_000_000}
		r.options(body[8:], func(code uint16, v []byte) {
			switch {
			case code == 9 && len(v) >= 1: // if_tsresol
				if v[0]&0x80 != 0 {
					if e := v[0] & 0x7f; e < 64 {
						ifc.tsPerSec = 1 << e
					}
				} else if e := v[0]; e <= 19 {
					ifc.tsPerSec = pow10(e)
				}
			case code == 14 && len(v) >= 8: // if_tsoffset
				ifc.tsOffset = int64(r.bo.Uint64(v))
			}
		})
		r.ifaces = append(r.ifaces, ifc)
		r.info.addLinkType(ifc.linkType)
		return false, nil
	case ngEPB, ngPB:
		if n < 20 {
			return false, fmt.Errorf("%w: packet block of %d bytes", ErrFormat, n+12)
		}
		var iface uint32
		if typ == ngEPB {
			iface = r.bo.Uint32(body)
		} else {
			iface = uint32(r.bo.Uint16(body))
		}
		if int64(iface) >= int64(len(r.ifaces)) {
			return false, fmt.Errorf("%w: packet on undeclared interface %d", ErrFormat, iface)
		}
		ifc := &r.ifaces[iface]
		ts := uint64(r.bo.Uint32(body[4:]))<<32 | uint64(r.bo.Uint32(body[8:]))
		capLen, origLen := r.bo.Uint32(body[12:]), r.bo.Uint32(body[16:])
		if capLen > maxRecord {
			return false, fmt.Errorf("%w: captured length %d exceeds %d bytes", ErrFormat, capLen, maxRecord)
		}
		if int(capLen) > n-20 {
			return false, fmt.Errorf("%w: captured length %d exceeds its block", ErrFormat, capLen)
		}
		r.packet(p, ifc, ts, body[20:20+capLen], origLen)
		return true, nil
	case ngSPB:
		if n < 4 {
			return false, fmt.Errorf("%w: simple packet block of %d bytes", ErrFormat, n+12)
		}
		if len(r.ifaces) == 0 {
			return false, fmt.Errorf("%w: simple packet block before any interface", ErrFormat)
		}
		// The block holds no captured length: the packet is what fits,
		// up to its original length and the interface's snaplen. Nor
		// does it hold a timestamp: its packets are stamped with the
		// interface's time offset (the epoch, usually), where tshark
		// shows none.
		ifc := &r.ifaces[0]
		origLen := r.bo.Uint32(body)
		capLen := min(uint64(origLen), uint64(n-4))
		if ifc.snaplen > 0 {
			capLen = min(capLen, uint64(ifc.snaplen))
		}
		if capLen > maxRecord {
			return false, fmt.Errorf("%w: captured length %d exceeds %d bytes", ErrFormat, capLen, maxRecord)
		}
		r.packet(p, ifc, 0, body[4:4+capLen], origLen)
		return true, nil
	case ngISB:
		// Statistics are cumulative: an interface's latest block replaces
		// what an earlier one said.
		if n < 12 {
			return false, nil
		}
		id := r.bo.Uint32(body)
		if int64(id) >= int64(len(r.ifaces)) {
			return false, nil
		}
		var drops uint64
		seen := false
		r.options(body[12:], func(code uint16, v []byte) {
			if (code == 5 || code == 7) && len(v) >= 8 { // isb_ifdrop, isb_osdrop
				drops += r.bo.Uint64(v)
				seen = true
			}
		})
		if seen {
			r.ifaces[id].drops = drops
			total := r.dropsBefore
			for _, ifc := range r.ifaces {
				total += ifc.drops
			}
			r.info.Drops = total
		}
		return false, nil
	}
	return false, nil // unknown and informational blocks are skipped
}

func pow10(e uint8) uint64 {
	v := uint64(1)
	for range e {
		v *= 10
	}
	return v
}

// packet fills p with a packet of interface ifc at timestamp ts (in the
// interface's units); the caller numbers it.
func (r *ngReader) packet(p *RawPacket, ifc *ngIface, ts uint64, data []byte, origLen uint32) {
	var sec, nsec uint64
	switch ifc.tsPerSec {
	case 1_000_000:
		sec, nsec = ts/1_000_000, ts%1_000_000*1000
	case 1_000_000_000:
		sec, nsec = ts/1_000_000_000, ts%1_000_000_000
	default:
		var frac uint64
		sec, frac = ts/ifc.tsPerSec, ts%ifc.tsPerSec
		// frac*1e9/tsPerSec exactly, in 128 bits: frac < tsPerSec, so
		// the quotient fits.
		hi, lo := bits.Mul64(frac, 1_000_000_000)
		nsec, _ = bits.Div64(hi, lo, ifc.tsPerSec)
	}
	*p = RawPacket{
		Data:      data,
		Time:      ngTime(sec, nsec, ifc.tsOffset),
		CaptureLn: int(max(origLen, uint32(len(data)))),
		LinkType:  ifc.linkType,
	}
}

// ngTime is sec seconds (unsigned, as the block holds them) after the
// interface's offset, plus nsec. The sum is taken in 128 bits: with
// if_tsresol 10^0 or if_tsoffset near ±2^63 it does not fit 64. A time
// beyond the years stamp accepts comes out just past the nearer end of
// them, for stamp to clamp and report.
func ngTime(sec, nsec uint64, off int64) time.Time {
	lo, carry := bits.Add64(sec, uint64(off), 0)
	hi := carry
	if off < 0 {
		hi += ^uint64(0) // sign extension of off
	}
	switch {
	case hi == 0 && lo <= 1<<63-1, hi == ^uint64(0) && lo >= 1<<63:
		unix := int64(lo)
		if unix < earliestTime.Unix() {
			return earliestTime.Add(-time.Second)
		}
		if unix > latestTime.Unix() {
			return latestTime.Add(time.Second)
		}
		return time.Unix(unix, int64(nsec)).UTC()
	case int64(hi) < 0:
		return earliestTime.Add(-time.Second)
	default:
		return latestTime.Add(time.Second)
	}
}

// options walks a pcapng option list, stopping at opt_endofopt or at the
// first option that does not fit.
func (r *ngReader) options(b []byte, fn func(code uint16, v []byte)) {
	for len(b) >= 4 {
		code, n := r.bo.Uint16(b), int(r.bo.Uint16(b[2:]))
		if code == 0 {
			return
		}
		pad := (n + 3) &^ 3
		if 4+pad > len(b) {
			return
		}
		fn(code, b[4:4+n])
		b = b[4+pad:]
	}
}
