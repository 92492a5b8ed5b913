package gen

import (
	"io"
	"net"
)

// ManyStreams writes a hostile capture for memory tests: n TCP streams
// opened at once and left open, each sending payloadPerStream bytes of
// text in segments whose first one is withheld until the end, so a
// reassembler must either buffer everything or give up on the gaps.
// Packets are written as they are made: nothing is held in memory.
func ManyStreams(w io.Writer, n, payloadPerStream int) error {
	g, err := New(w, 4242, Router)
	if err != nil {
		return err
	}
	dev := Host{MAC: MustMAC("02:00:00:00:00:99"), IP: net.IPv4(192, 168, 1, 99).To4()}
	conns := make([]*Conn, n)
	for i := range conns {
		srv := Host{IP: net.IPv4(203, 0, byte(113+i/65536), byte(i/256)).To4()}
		srv.IP[3] = byte(i)
		conns[i] = g.Dial(dev, srv, 80)
	}
	seg := make([]byte, mss)
	for i := range seg {
		seg[i] = 'a' + byte(i%26)
	}
	for sent := mss; sent < payloadPerStream; sent += mss {
		for _, c := range conns {
			// Skip the first segment: everything after it is out of order.
			g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq+uint32(sent), c.sseq, "PA", seg)
		}
	}
	return g.Close()
}
