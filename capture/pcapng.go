package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gopacket/gopacket/layers"
)

var errEOF = io.EOF

// pcapng block types (draft-ietf-opsawg-pcapng).
const (
	ngSHB = 0x0a0d0d0a
	ngIDB = 0x00000001
	ngPB  = 0x00000002 // obsolete Packet Block
	ngSPB = 0x00000003
	ngISB = 0x00000005
	ngEPB = 0x00000006
)

type ngIface struct {
	linkType layers.LinkType
	snaplen  uint32
	// Timestamps are units of 1/tsPerSec seconds since tsOffset.
	tsPerSec uint64
	tsOffset int64
}

// ngReader reads pcapng files: several sections, each with its own byte
// order and interfaces, each interface with its own link type and
// timestamp resolution.
type ngReader struct {
	c      *countReader
	info   *InputInfo
	bo     binary.ByteOrder
	ifaces []ngIface
	index  uint64
}

func newNgReader(c *countReader, info *InputInfo) (*ngReader, error) {
	r := &ngReader{c: c, info: info}
	return r, nil
}

func (r *ngReader) close() error { r.c.closeFn(); return nil }

func (r *ngReader) next(p *RawPacket) error {
	for {
		off := r.c.off
		h, err := r.c.peek(12)
		if err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return damage(r.c, r.info, off, "block header", err)
		}
		le := binary.LittleEndian.Uint32(h)
		if le == ngSHB {
			// The byte-order magic decides how to read the section.
			switch binary.LittleEndian.Uint32(h[8:]) {
			case 0x1a2b3c4d:
				r.bo = binary.LittleEndian
			case 0x4d3c2b1a:
				r.bo = binary.BigEndian
			default:
				return damage(r.c, r.info, off, "section header", fmt.Errorf("%w: bad byte-order magic", ErrFormat))
			}
			r.ifaces = r.ifaces[:0]
		} else if r.bo == nil {
			return damage(r.c, r.info, off, "block", fmt.Errorf("%w: no section header", ErrFormat))
		}
		typ, blen := r.bo.Uint32(h), r.bo.Uint32(h[4:])
		if blen < 12 || blen%4 != 0 || blen > maxBlock {
			return damage(r.c, r.info, off, "block", fmt.Errorf("block length %d out of range", blen))
		}
		b, err := r.c.peek(int(blen))
		if err != nil {
			return damage(r.c, r.info, off, "block", err)
		}
		if r.bo.Uint32(b[blen-4:]) != blen {
			return damage(r.c, r.info, off, "block", fmt.Errorf("trailing length does not match %d", blen))
		}
		body := b[8 : blen-4]
		done, err := r.block(typ, body, off, p)
		if err != nil {
			return damage(r.c, r.info, off, "block", err)
		}
		// p.Data points into the buffer: discard only moves the read
		// position, the bytes stay valid until the next peek.
		_ = r.c.discard(int(blen))
		if done {
			return nil
		}
	}
}

// block handles one block body; it reports whether p now holds a packet.
func (r *ngReader) block(typ uint32, body []byte, off int64, p *RawPacket) (bool, error) {
	switch typ {
	case ngSHB:
		return false, nil
	case ngIDB:
		if len(body) < 8 {
			return false, fmt.Errorf("interface block too short")
		}
		ifc := ngIface{linkType: layers.LinkType(r.bo.Uint16(body)), snaplen: r.bo.Uint32(body[4:]), tsPerSec: 1_000_000}
		r.options(body[8:], func(code uint16, v []byte) {
			switch {
			case code == 9 && len(v) >= 1: // if_tsresol
				if v[0]&0x80 != 0 {
					if e := v[0] & 0x7f; e < 63 {
						ifc.tsPerSec = 1 << e
					}
				} else if e := v[0]; e <= 19 {
					ifc.tsPerSec = uint64(math.Pow10(int(e)))
				}
			case code == 14 && len(v) >= 8: // if_tsoffset
				ifc.tsOffset = int64(r.bo.Uint64(v))
			}
		})
		r.ifaces = append(r.ifaces, ifc)
		r.info.addLinkType(ifc.linkType)
		return false, nil
	case ngEPB, ngPB:
		if len(body) < 20 {
			return false, fmt.Errorf("packet block too short")
		}
		var iface uint32
		if typ == ngEPB {
			iface = r.bo.Uint32(body)
		} else {
			iface = uint32(r.bo.Uint16(body))
		}
		if int(iface) >= len(r.ifaces) {
			return false, fmt.Errorf("packet on undeclared interface %d", iface)
		}
		ifc := &r.ifaces[iface]
		ts := uint64(r.bo.Uint32(body[4:]))<<32 | uint64(r.bo.Uint32(body[8:]))
		capLen, origLen := r.bo.Uint32(body[12:]), r.bo.Uint32(body[16:])
		if int(capLen) > len(body)-20 {
			return false, fmt.Errorf("captured length %d exceeds block", capLen)
		}
		r.packet(p, ifc, ts, body[20:20+capLen], origLen, off)
		return true, nil
	case ngSPB:
		if len(body) < 4 || len(r.ifaces) == 0 {
			return false, fmt.Errorf("simple packet block without interface")
		}
		ifc := &r.ifaces[0]
		origLen := r.bo.Uint32(body)
		capLen := min(origLen, uint32(len(body)-4))
		if ifc.snaplen > 0 {
			capLen = min(capLen, ifc.snaplen)
		}
		r.packet(p, ifc, 0, body[4:4+capLen], origLen, off)
		return true, nil
	case ngISB:
		if len(body) >= 12 {
			r.options(body[12:], func(code uint16, v []byte) {
				if code == 5 && len(v) >= 8 { // isb_ifdrop
					r.info.Drops += r.bo.Uint64(v)
				}
			})
		}
		return false, nil
	}
	return false, nil // unknown and informational blocks are skipped
}

func (r *ngReader) packet(p *RawPacket, ifc *ngIface, ts uint64, data []byte, origLen uint32, off int64) {
	r.index++
	sec := int64(ts/ifc.tsPerSec) + ifc.tsOffset
	frac := ts % ifc.tsPerSec
	nsec := int64(float64(frac) * 1e9 / float64(ifc.tsPerSec))
	if ifc.tsPerSec == 1_000_000 {
		nsec = int64(frac) * 1000
	} else if ifc.tsPerSec == 1_000_000_000 {
		nsec = int64(frac)
	}
	*p = RawPacket{
		Data:      data,
		Time:      time.Unix(sec, nsec).UTC(),
		CaptureLn: int(max(origLen, uint32(len(data)))),
		LinkType:  ifc.linkType,
		Source:    r.info.Name,
		Index:     r.index,
		Offset:    off,
	}
	r.info.stamp(p)
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
