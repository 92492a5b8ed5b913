package capture

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// pw writes classic pcap files byte by byte and records the packets a
// reader must return.
type pw struct {
	bo   order
	nano bool
	kuz  bool // Kuznetsov's modified format
	lt   layers.LinkType
	b    []byte
	pkts []wantPkt
}

func newPcap(bo order, magic uint32, linkField uint32, snap uint32) *pw {
	w := &pw{bo: bo, nano: magic == pcapMagicNano, kuz: magic == pcapMagicKuz, lt: layers.LinkType(linkField & 0xffff)}
	w.b = bo.AppendUint32(nil, magic)
	w.b = bo.AppendUint16(w.b, 2)
	w.b = bo.AppendUint16(w.b, 4)
	w.b = bo.AppendUint32(w.b, 0) // thiszone
	w.b = bo.AppendUint32(w.b, 0) // sigfigs
	w.b = bo.AppendUint32(w.b, snap)
	w.b = bo.AppendUint32(w.b, linkField)
	return w
}

func (w *pw) rec(t time.Time, data []byte, orig uint32) *pw {
	w.pkts = append(w.pkts, wantPkt{data: data, capLen: max(int(orig), len(data)), lt: w.lt, t: t, off: int64(len(w.b))})
	frac := uint32(t.Nanosecond())
	if !w.nano {
		frac /= 1000
	}
	w.b = w.bo.AppendUint32(w.b, uint32(t.Unix()))
	w.b = w.bo.AppendUint32(w.b, frac)
	w.b = w.bo.AppendUint32(w.b, uint32(len(data)))
	w.b = w.bo.AppendUint32(w.b, orig)
	if w.kuz {
		w.b = append(w.b, make([]byte, 8)...) // ifindex, protocol, pkt_type, pad
	}
	w.b = append(w.b, data...)
	return w
}

func (w *pw) fixture(name string) fixture {
	return fixture{name: name, data: w.b, pkts: w.pkts, linkTypes: w.lt.String()}
}

var tp = time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.UTC)

func compressGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func compressZstd(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// pcapFixtures are the classic pcap cases, then compression (of both
// formats), then damage.
func pcapFixtures() []fixture {
	var fs []fixture
	three := func(w *pw) *pw {
		us := tp.Truncate(time.Microsecond)
		if w.nano {
			us = tp
		}
		return w.rec(us, payload(1, 60), 60).rec(us.Add(time.Second), payload(2, 70), 70).rec(us.Add(90*time.Minute), payload(3, 80), 80)
	}
	for _, c := range []struct {
		name  string
		bo    order
		magic uint32
	}{
		{"little-endian microseconds", le, pcapMagicMicro},
		{"big-endian microseconds", be, pcapMagicMicro},
		{"little-endian nanoseconds", le, pcapMagicNano},
		{"big-endian nanoseconds", be, pcapMagicNano},
		{"modified (Kuznetsov) format", le, pcapMagicKuz},
	} {
		fs = append(fs, three(newPcap(c.bo, c.magic, uint32(layers.LinkTypeEthernet), 65535)).fixture("pcap "+c.name))
	}
	w := newPcap(le, pcapMagicMicro, uint32(layers.LinkTypeEthernet)|0x14000000, 96) // FCS length in the upper bits
	w.rec(tp.Truncate(time.Microsecond), payload(1, 96), 1514).rec(tp.Truncate(time.Microsecond), nil, 0)
	fs = append(fs, w.fixture("pcap snaplen-cut, empty, link type with FCS bits"))
	for _, lt := range []layers.LinkType{layers.LinkTypeNull, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw} {
		fs = append(fs, newPcap(le, pcapMagicMicro, uint32(lt), 65535).rec(tp.Truncate(time.Microsecond), payload(4, 40), 40).fixture("pcap link type "+lt.String()))
	}

	plain := three(newPcap(le, pcapMagicMicro, uint32(layers.LinkTypeEthernet), 65535)).fixture("")
	gz := plain
	gz.name, gz.data = "pcap gzip", compressGzip(plain.data)
	zs := plain
	zs.name, zs.data, zs.noTshark = "pcap zstd", compressZstd(plain.data), "tshark 4.0 reads no zstd"
	ng := newNg(be).idb(layers.LinkTypeEthernet, 0).epb(0, 5, payload(1, 33), 33).epb(0, 6, payload(2, 34), 34).fixture("")
	ng.linkTypes = "Ethernet"
	ngz, ngzs := ng, ng
	ngz.name, ngz.data = "pcapng gzip", compressGzip(ng.data)
	ngzs.name, ngzs.data, ngzs.noTshark = "pcapng zstd", compressZstd(ng.data), "tshark 4.0 reads no zstd"
	// Two gzip members one after the other read as one stream, as zcat
	// and tshark read them.
	multi := plain
	multi.name = "pcap gzip in two members"
	multi.data = append(compressGzip(plain.data[:100]), compressGzip(plain.data[100:])...)
	fs = append(fs, gz, zs, ngz, ngzs, multi)

	// Damage.
	cut := plain
	cut.name, cut.data = "pcap cut in the last packet", plain.data[:len(plain.data)-10]
	cut.pkts, cut.errIs, cut.errOff, cut.truncated = plain.pkts[:2], ErrTruncated, plain.pkts[2].off, true
	cutHdr := plain
	cutHdr.name, cutHdr.data = "pcap cut in a record header", plain.data[:plain.pkts[2].off+7]
	cutHdr.pkts, cutHdr.errIs, cutHdr.errOff, cutHdr.truncated = plain.pkts[:2], ErrTruncated, plain.pkts[2].off, true
	cutFile := plain
	cutFile.name, cutFile.data = "pcap cut in the file header", plain.data[:20]
	cutFile.pkts, cutFile.errIs, cutFile.errOff, cutFile.truncated, cutFile.linkTypes = nil, ErrTruncated, 0, true, ""
	full := compressGzip(plain.data)
	cutGzTrailer := plain
	cutGzTrailer.name, cutGzTrailer.data = "pcap gzip without its trailer", full[:len(full)-4]
	cutGzTrailer.errIs, cutGzTrailer.errOff, cutGzTrailer.truncated = ErrTruncated, int64(len(plain.data)), true
	cutGz := plain
	cutGz.name, cutGz.data = "pcap gzip cut in the deflate stream", full[:len(full)/2]
	cutGz.prefix, cutGz.errIs, cutGz.errOff, cutGz.truncated = true, ErrTruncated, -1, true
	cutZs := cutGz
	cutZs.name, cutZs.noTshark = "pcap zstd cut short", "tshark 4.0 reads no zstd"
	fullZ := compressZstd(plain.data)
	cutZs.data = fullZ[:len(fullZ)/2]
	huge := plain
	huge.name = "pcap captured length above 256 KiB"
	huge.data = append([]byte(nil), plain.data...)
	le.PutUint32(huge.data[plain.pkts[1].off+8:], 300_000)
	huge.pkts, huge.errIs, huge.errOff = plain.pkts[:1], ErrFormat, plain.pkts[1].off
	fs = append(fs, cut, cutHdr, cutFile, cutGzTrailer, cutGz, cutZs, huge)
	// Cut right after a record header: the reader found nothing where
	// the packet should be and took it for a clean end (exit 0, no
	// warning).
	afterHdr := plain
	afterHdr.name, afterHdr.data = "pcap cut right after a record header", plain.data[:plain.pkts[2].off+16]
	afterHdr.pkts, afterHdr.errIs, afterHdr.errOff, afterHdr.truncated = plain.pkts[:2], ErrTruncated, plain.pkts[2].off, true
	first40 := plain
	first40.name, first40.data = "pcap of its first 40 bytes", plain.data[:40]
	first40.pkts, first40.errIs, first40.errOff, first40.truncated = nil, ErrTruncated, 24, true
	afterHdrGz := afterHdr
	afterHdrGz.name, afterHdrGz.data = "pcap gzip, whole, of a pcap cut right after a record header", compressGzip(afterHdr.data)
	afterHdrZs := afterHdr
	afterHdrZs.name, afterHdrZs.data, afterHdrZs.noTshark = "pcap zstd, whole, of a pcap cut right after a record header", compressZstd(afterHdr.data), "tshark 4.0 reads no zstd"
	fs = append(fs, afterHdr, first40, afterHdrGz, afterHdrZs)

	fs = append(fs,
		fixture{name: "garbage", data: []byte("this is not a capture, just text\n"), errIs: ErrFormat},
		fixture{name: "empty", data: nil, errIs: ErrFormat, noTshark: "tshark reads an empty file as an empty capture"},
		fixture{name: "gzip of text", data: compressGzip([]byte("hello, not a capture")), errIs: ErrFormat},
		fixture{name: "one byte", data: []byte{0xd4}, errIs: ErrFormat, noTshark: "tshark's heuristics take one byte for some other format"},
	)
	return fs
}

func TestPcapFormats(t *testing.T) {
	for _, f := range pcapFixtures() {
		t.Run(f.name, func(t *testing.T) { checkFixture(t, f) })
	}
}

// TestPcapAgainstPcapgo reads files written by gopacket's writers with
// both readers: every field must agree.
func TestPcapAgainstPcapgo(t *testing.T) {
	pkts := make([][]byte, 50)
	for i := range pkts {
		pkts[i] = payload(byte(i), 20+i*7)
	}
	tests := []struct {
		name string
		data []byte
		ng   bool
	}{
		{"pcapgo pcap microseconds", writePcap(t, false, layers.LinkTypeEthernet, pkts), false},
		{"pcapgo pcap nanoseconds", writePcap(t, true, layers.LinkTypeLinuxSLL, pkts), false},
		{"pcapgo pcapng three interfaces", writeNg(t, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeNull}, pkts), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type ref struct {
				data []byte
				ci   time.Time
				lt   layers.LinkType
				n    int
			}
			var want []ref
			if tc.ng {
				r, err := pcapgo.NewNgReader(bytes.NewReader(tc.data), pcapgo.NgReaderOptions{WantMixedLinkType: true})
				if err != nil {
					t.Fatal(err)
				}
				for {
					d, ci, err := r.ReadPacketData()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					intf, _ := r.Interface(ci.InterfaceIndex)
					want = append(want, ref{d, ci.Timestamp, intf.LinkType, ci.Length})
				}
			} else {
				r, err := pcapgo.NewReader(bytes.NewReader(tc.data))
				if err != nil {
					t.Fatal(err)
				}
				for {
					d, ci, err := r.ReadPacketData()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, ref{d, ci.Timestamp, r.LinkType(), ci.Length})
				}
			}
			s, _ := OpenReader("x", bytes.NewReader(tc.data))
			got, errs := readAll(t, s)
			if len(errs) != 0 || len(got) != len(want) {
				t.Fatalf("%d packets (errors %v), pcapgo reads %d", len(got), errs, len(want))
			}
			for i, w := range want {
				g := got[i]
				if !bytes.Equal(g.Data, w.data) || !g.Time.Equal(w.ci) || g.LinkType != w.lt || g.CaptureLn != w.n || g.Index != uint64(i+1) {
					t.Errorf("packet %d: got (%d bytes, %v, %v, %d, #%d), pcapgo (%d bytes, %v, %v, %d)",
						i, len(g.Data), g.Time, g.LinkType, g.CaptureLn, g.Index, len(w.data), w.ci, w.lt, w.n)
				}
			}
		})
	}
}
