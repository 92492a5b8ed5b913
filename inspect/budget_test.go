package inspect

import (
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
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

// BenchmarkLearnMACs: what learning a device's MAC costs (its forms
// made and indexed), for an inspector's worth of devices.
func BenchmarkLearnMACs(b *testing.B) {
	for b.Loop() {
		in := New(Config{})
		for i := 0; i < maxLearnedMACs; i++ {
			in.learnMAC(capture.MAC{0x02, 0x10, 0x20, byte(i >> 8), byte(i), 0x01})
		}
	}
}
