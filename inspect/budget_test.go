package inspect

import (
	"strings"
	"testing"
)

func BenchmarkInspectorLongStream(b *testing.B) {
	in := New(Config{})
	seg := strings.Repeat("GET /x HTTP/1.1\r\nHost: a.example\r\n\r\n", 30)
	b.SetBytes(int64(len(seg)) * 1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := newFlow()
		c := &collect{}
		seq := uint32(1)
		for j := 0; j < 1000; j++ {
			in.Dissect(tcpPacket(f, seq, uint64(j+1), seg), c.emit)
			seq += uint32(len(seg))
		}
	}
}
