package capture

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// fixture is a capture built byte by byte in a test, with what reading it
// must give.
type fixture struct {
	name      string
	data      []byte
	pkts      []wantPkt
	linkTypes string // comma-joined names, in order of appearance
	drops     uint64
	errIs     error // nil: the input ends cleanly
	errOff    int64 // offset the *ReadError must name
	truncated bool
	// prefix: the packets delivered are some prefix of pkts (where a
	// decompressor stops in a cut stream depends on its block sizes).
	prefix bool
	// noTshark says why tshark cannot judge this fixture ("" when it can).
	noTshark string
}

type wantPkt struct {
	data   []byte
	capLen int // RawPacket.CaptureLn
	lt     layers.LinkType
	t      time.Time
	off    int64
}

// ngw writes pcapng blocks and records the packets a reader must return.
// Timestamps use the default microsecond resolution unless a case sets
// the expected times itself.
type ngw struct {
	bo     order
	b      []byte
	ifaces []layers.LinkType
	snaps  []uint32
	pkts   []wantPkt
}

func newNg(bo order) *ngw { return (&ngw{}).section(bo, 1) }

// section starts a new section in byte order bo, pcapng version major.1.
func (w *ngw) section(bo order, major uint16) *ngw {
	w.bo = bo
	w.ifaces, w.snaps = nil, nil
	body := bo.AppendUint32(nil, 0x1a2b3c4d)
	body = bo.AppendUint16(body, major)
	body = bo.AppendUint16(body, 0)
	body = bo.AppendUint64(body, ^uint64(0)) // section length unknown
	return w.block(ngSHB, body)
}

func (w *ngw) block(typ uint32, parts ...[]byte) *ngw {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	w.b = w.bo.AppendUint32(w.b, typ)
	w.b = w.bo.AppendUint32(w.b, n)
	w.b = append(w.b, body...)
	w.b = w.bo.AppendUint32(w.b, n)
	return w
}

// opt encodes one option, padded; endOpt closes a list.
func (w *ngw) opt(code uint16, v []byte) []byte {
	b := w.bo.AppendUint16(nil, code)
	b = w.bo.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (w *ngw) endOpt() []byte { return make([]byte, 4) }

func (w *ngw) u64(v uint64) []byte { return w.bo.AppendUint64(nil, v) }

func (w *ngw) idb(lt layers.LinkType, snap uint32, opts ...[]byte) *ngw {
	body := w.bo.AppendUint16(nil, uint16(lt))
	body = w.bo.AppendUint16(body, 0)
	body = w.bo.AppendUint32(body, snap)
	if len(opts) > 0 {
		opts = append(opts, w.endOpt())
	}
	w.ifaces = append(w.ifaces, lt)
	w.snaps = append(w.snaps, snap)
	return w.block(ngIDB, append([][]byte{body}, opts...)...)
}

func (w *ngw) want(iface int, ts uint64, data []byte, orig uint32) {
	w.pkts = append(w.pkts, wantPkt{data: data, capLen: max(int(orig), len(data)), lt: w.ifaces[iface],
		t: time.UnixMicro(int64(ts)).UTC(), off: int64(len(w.b))})
}

func (w *ngw) epb(iface uint32, ts uint64, data []byte, orig uint32, opts ...[]byte) *ngw {
	w.want(int(iface), ts, data, orig)
	h := w.bo.AppendUint32(nil, iface)
	h = w.bo.AppendUint32(h, uint32(ts>>32))
	h = w.bo.AppendUint32(h, uint32(ts))
	h = w.bo.AppendUint32(h, uint32(len(data)))
	h = w.bo.AppendUint32(h, orig)
	data = append(append([]byte(nil), data...), make([]byte, (4-len(data)%4)%4)...)
	if len(opts) > 0 {
		opts = append(opts, w.endOpt())
	}
	return w.block(ngEPB, append([][]byte{h, data}, opts...)...)
}

// pb writes an obsolete Packet Block.
func (w *ngw) pb(iface uint16, ts uint64, data []byte, orig uint32) *ngw {
	w.want(int(iface), ts, data, orig)
	h := w.bo.AppendUint16(nil, iface)
	h = w.bo.AppendUint16(h, 0) // drops count
	h = w.bo.AppendUint32(h, uint32(ts>>32))
	h = w.bo.AppendUint32(h, uint32(ts))
	h = w.bo.AppendUint32(h, uint32(len(data)))
	h = w.bo.AppendUint32(h, orig)
	return w.block(ngPB, h, data)
}

// spb writes a Simple Packet Block for a packet orig bytes long, keeping
// as much of data as the first interface's snaplen allows (the block has
// no captured length: readers work it out the same way).
func (w *ngw) spb(data []byte, orig uint32) *ngw {
	if s := w.snaps[0]; s > 0 && int(s) < len(data) {
		data = data[:s]
	}
	w.want(0, 0, data, orig)
	return w.block(ngSPB, w.bo.AppendUint32(nil, orig), data)
}

func (w *ngw) isb(iface uint32, opts ...[]byte) *ngw {
	h := w.bo.AppendUint32(nil, iface)
	h = w.bo.AppendUint64(h, 0)
	return w.block(ngISB, append(append([][]byte{h}, opts...), w.endOpt())...)
}

func (w *ngw) fixture(name string) fixture {
	return fixture{name: name, data: w.b, pkts: w.pkts}
}

// payload returns n bytes that differ from packet to packet.
func payload(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// order is a byte order that can also append.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

var (
	le order = binary.LittleEndian
	be order = binary.BigEndian
)

// ngFixtures are the pcapng cases: each format feature once, then each
// kind of damage.
func ngFixtures() []fixture {
	var fs []fixture
	add := func(f fixture, mod func(*fixture)) {
		if mod != nil {
			mod(&f)
		}
		fs = append(fs, f)
	}
	for _, c := range []struct {
		name string
		bo   order
	}{{"little-endian", le}, {"big-endian", be}} {
		w := newNg(c.bo).idb(layers.LinkTypeEthernet, 65535)
		w.epb(0, 1_700_000_000_000_001, payload(1, 60), 60).epb(0, 1_700_000_001_500_000, payload(2, 61), 61).epb(0, 1_700_000_002_000_000, payload(3, 62), 62)
		add(w.fixture("pcapng "+c.name+" enhanced packets"), func(f *fixture) { f.linkTypes = "Ethernet" })
	}

	w := newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1_000_000, payload(1, 40), 40)
	w.section(be, 1).idb(layers.LinkTypeRaw, 0).idb(layers.LinkTypeLinuxSLL, 0).
		epb(1, 2_000_000, payload(2, 44), 44).epb(0, 3_000_000, payload(3, 20), 20)
	add(w.fixture("pcapng two sections of different byte order, interfaces reset"), func(f *fixture) { f.linkTypes = "Ethernet,Raw,Linux SLL" })

	// Resolutions: nanoseconds, 2^-20 s, milliseconds with an offset of
	// 1000 s. Expected times are worked out by hand.
	w = newNg(le)
	w.idb(layers.LinkTypeEthernet, 0, w.opt(9, []byte{9})).
		idb(layers.LinkTypeEthernet, 0, w.opt(9, []byte{0x80 | 20})).
		idb(layers.LinkTypeEthernet, 0, w.opt(9, []byte{3}), w.opt(14, w.u64(1000)))
	w.epb(0, 1_700_000_000_123_456_789, payload(1, 30), 30).
		epb(1, 5<<20+1<<18, payload(2, 30), 30).
		epb(2, 42_250, payload(3, 30), 30)
	add(w.fixture("pcapng timestamp resolutions and offset"), func(f *fixture) {
		f.linkTypes = "Ethernet"
		f.pkts[0].t = time.Unix(1_700_000_000, 123_456_789).UTC()
		f.pkts[1].t = time.Unix(5, 250_000_000).UTC()
		f.pkts[2].t = time.Unix(1042, 250_000_000).UTC()
	})

	w = newNg(le).idb(layers.LinkTypeEthernet, 100)
	w.spb(payload(1, 200), 200).spb(payload(2, 10), 10).pb(0, 7_000_000, payload(3, 50), 50).
		epb(0, 8_000_000, payload(4, 100), 1514)
	add(w.fixture("pcapng simple, obsolete and snaplen-cut packets"), func(f *fixture) {
		f.linkTypes = "Ethernet"
		f.pkts[0].capLen = 200 // snaplen kept 100 of 200 bytes
		// Simple Packet Blocks carry no timestamp.
		f.pkts[0].t, f.pkts[1].t = time.Unix(0, 0).UTC(), time.Unix(0, 0).UTC()
	})

	w = newNg(be).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	w.block(4, []byte{0, 1, 0, 9, 10, 0, 0, 1, 'h', 'o', 's', 't', 0, 0, 0, 0, 0, 0, 0, 0})       // name resolution
	w.block(0x0a, be.AppendUint32(nil, 0x544c534b), be.AppendUint32(nil, 9), []byte("CLIENT_RA")) // decryption secrets
	w.block(0x40000bad, payload(8, 7))                                                            // custom
	w.block(0x1234, make([]byte, 3<<20))                                                          // unknown, larger than the read buffer
	w.epb(0, 2, payload(2, 30), 30)
	add(w.fixture("pcapng unknown and oversized blocks skipped"), func(f *fixture) { f.linkTypes = "Ethernet" })

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	w.epb(0, 2, payload(2, 200_000), 200_000, w.opt(1, bytes.Repeat([]byte("comment!"), 8000)), w.opt(1, bytes.Repeat([]byte{'x'}, 65000))).
		epb(0, 3, payload(3, 30), 30)
	add(w.fixture("pcapng packet block larger than the read buffer"), func(f *fixture) { f.linkTypes = "Ethernet" })
	// The comments above come to 129 KiB, short of the read buffer:
	// repeat until the block is larger than it.
	big := newNg(le).idb(layers.LinkTypeEthernet, 0)
	var opts [][]byte
	for range 20 {
		opts = append(opts, big.opt(1, bytes.Repeat([]byte{'c'}, 60000)))
	}
	big.epb(0, 2, payload(2, 250_000), 250_000, opts...).epb(0, 3, payload(3, 30), 30)
	add(big.fixture("pcapng packet block of 1.4 MiB"), func(f *fixture) { f.linkTypes = "Ethernet" })

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).idb(layers.LinkTypeRaw, 0).epb(0, 1, payload(1, 30), 30)
	w.isb(0, w.opt(5, w.u64(5))).isb(0, w.opt(5, w.u64(7))).isb(1, w.opt(7, w.u64(3))).isb(9, w.opt(5, w.u64(100)))
	w.section(le, 1).idb(layers.LinkTypeEthernet, 0).isb(0, w.opt(5, w.u64(2)), w.opt(7, w.u64(1)))
	add(w.fixture("pcapng statistics: latest per interface, summed over interfaces and sections"), func(f *fixture) {
		f.linkTypes, f.drops = "Ethernet,Raw", 7+3+2+1
	})

	// Damage. Each case keeps the packets before the damaged block.
	damaged := func(name string, w *ngw, off int, errIs error, mod func(*fixture)) {
		add(w.fixture(name), func(f *fixture) {
			f.linkTypes = "Ethernet"
			f.errIs, f.errOff = errIs, int64(off)
			if mod != nil {
				mod(f)
			}
		})
	}
	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off := len(w.b)
	w.epb(0, 2, payload(2, 30), 30)
	w.b[len(w.b)-2] = 0x7f
	w.pkts = w.pkts[:1]
	damaged("pcapng trailing length mismatch", w, off, ErrFormat, nil)

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.ifaces = append(w.ifaces, layers.LinkTypeEthernet)
	w.epb(1, 2, payload(2, 30), 30)
	w.pkts = w.pkts[:1]
	damaged("pcapng packet on undeclared interface", w, off, ErrFormat, nil)

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.epb(0, 2, payload(2, 30), 30)
	le.PutUint32(w.b[off+20:], 80) // captured length beyond the block
	w.pkts = w.pkts[:1]
	damaged("pcapng captured length beyond its block", w, off, ErrFormat, nil)

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.epb(0, 2, payload(2, 300_000), 300_000)
	w.pkts = w.pkts[:1]
	damaged("pcapng captured length above 256 KiB", w, off, ErrFormat, nil)

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.b = le.AppendUint32(w.b, ngEPB)
	w.b = le.AppendUint32(w.b, 8)
	damaged("pcapng block length below the minimum", w, off, ErrFormat, nil)

	// Some writers count a block without its final padding; tshark
	// rounds the length up, and so does tattle.
	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.epb(0, 2, payload(2, 30), 30)
	le.PutUint32(w.b[off+4:], 62)
	add(w.fixture("pcapng block length not a multiple of four"), func(f *fixture) { f.linkTypes = "Ethernet" })

	w = newNg(le)
	w.b = w.b[:0]
	w.section(le, 2).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	w.pkts = nil
	damaged("pcapng version 2 refused", w, 0, ErrFormat, func(f *fixture) { f.linkTypes = "" })

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.section(le, 1)
	w.b[off+8] = 0x99 // byte-order magic
	damaged("pcapng second section with a bad byte-order magic", w, off, ErrFormat, nil)

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.epb(0, 2, payload(2, 30), 30)
	w.b = w.b[:len(w.b)-9]
	w.pkts = w.pkts[:1]
	damaged("pcapng cut in a packet block", w, off, ErrTruncated, func(f *fixture) { f.truncated = true })

	// Cut inside a block header, right after one, and both inside a
	// whole gzip or zstd stream: truncated, never a clean end.
	for _, cut := range []struct {
		name string
		keep int
	}{{"inside a block header", 4}, {"right after a block header", 8}, {"after a block header and its first body bytes", 12}} {
		for _, comp := range []string{"", "gzip", "zstd"} {
			w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
			off = len(w.b)
			w.epb(0, 2, payload(2, 30), 30)
			w.b = w.b[:off+cut.keep]
			w.pkts = w.pkts[:1]
			name := "pcapng cut " + cut.name
			switch comp {
			case "gzip":
				name, w.b = "pcapng gzip, whole, of a pcapng cut "+cut.name, compressGzip(w.b)
			case "zstd":
				name, w.b = "pcapng zstd, whole, of a pcapng cut "+cut.name, compressZstd(w.b)
			}
			damaged(name, w, off, ErrTruncated, func(f *fixture) {
				f.truncated = true
				if comp == "zstd" {
					f.noTshark = "tshark 4.0 reads no zstd"
				}
			})
		}
	}

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.block(0x1234, make([]byte, 2<<20))
	w.b = w.b[:len(w.b)-100]
	damaged("pcapng cut in a block larger than the read buffer", w, off, ErrTruncated, func(f *fixture) { f.truncated = true })

	w = newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 30), 30)
	off = len(w.b)
	w.b = append(w.b, 1, 2, 3)
	damaged("pcapng three stray bytes at the end", w, off, ErrTruncated, func(f *fixture) { f.truncated = true })

	w = newNg(le)
	for range maxInterfaces {
		w.idb(layers.LinkTypeEthernet, 0)
	}
	off = len(w.b)
	w.idb(layers.LinkTypeEthernet, 0)
	damaged("pcapng too many interfaces", w, off, ErrFormat, func(f *fixture) {
		f.noTshark = "tshark has no bound on interfaces"
	})
	return fs
}

func TestPcapngBlocks(t *testing.T) {
	for _, f := range ngFixtures() {
		t.Run(f.name, func(t *testing.T) { checkFixture(t, f) })
	}
}

func TestPcapngNamesLinkTypes(t *testing.T) {
	// The link type names come from gopacket; unknown ones are still named.
	w := newNg(le).idb(layers.LinkType(147), 0).epb(0, 1, payload(1, 10), 10)
	s, _ := OpenReader("x", bytes.NewReader(w.b))
	got, errs := readAll(t, s)
	if len(errs) != 0 || len(got) != 1 || got[0].LinkType != 147 {
		t.Fatalf("packets %v errors %v", got, errs)
	}
	if lts := s.Inputs()[0].LinkTypes; len(lts) != 1 || strings.TrimSpace(lts[0]) == "" {
		t.Errorf("link types %q", lts)
	}
}
