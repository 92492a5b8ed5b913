package capture

import (
	"fmt"
	"io"
	"math/rand"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// sliceSource yields prepared packets.
type sliceSource struct {
	pkts []RawPacket
	i    int
}

func (s *sliceSource) Next() (RawPacket, error) {
	if s.i >= len(s.pkts) {
		return RawPacket{}, io.EOF
	}
	s.i++
	return s.pkts[s.i-1], nil
}
func (s *sliceSource) Close() error { return nil }

type recSink struct {
	events []Event
	flows  []Flow
}

func (r *recSink) Event(e Event) { r.events = append(r.events, e) }
func (r *recSink) Flow(f *Flow)  { r.flows = append(r.flows, *f) }

var (
	macA = net.HardwareAddr{0x50, 0xc7, 0xbf, 1, 2, 3}
	macB = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
)

type pktSpec struct {
	src, dst     string
	sport, dport uint16
	tcp          bool
	syn, ack     bool
	fin          bool
	payload      string
	vlan         bool
	at           time.Duration
}

func build(t testing.TB, s pktSpec) []byte {
	t.Helper()
	src, dst := net.ParseIP(s.src), net.ParseIP(s.dst)
	var ls []gopacket.SerializableLayer
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	var netl gopacket.NetworkLayer
	if src.To4() == nil {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, SrcIP: src, DstIP: dst, HopLimit: 64, NextHeader: layers.IPProtocolUDP}
		if s.tcp {
			ip.NextHeader = layers.IPProtocolTCP
		}
		netl = ip
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, SrcIP: src.To4(), DstIP: dst.To4(), Protocol: layers.IPProtocolUDP}
		if s.tcp {
			ip.Protocol = layers.IPProtocolTCP
		}
		netl = ip
	}
	if s.vlan {
		eth.EthernetType = layers.EthernetTypeDot1Q
		ls = append(ls, eth, &layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4})
	} else {
		ls = append(ls, eth)
	}
	ls = append(ls, netl.(gopacket.SerializableLayer))
	if s.tcp {
		tcp := &layers.TCP{SrcPort: layers.TCPPort(s.sport), DstPort: layers.TCPPort(s.dport), SYN: s.syn, ACK: s.ack, FIN: s.fin, Window: 1000}
		_ = tcp.SetNetworkLayerForChecksum(netl)
		ls = append(ls, tcp)
	} else {
		udp := &layers.UDP{SrcPort: layers.UDPPort(s.sport), DstPort: layers.UDPPort(s.dport)}
		_ = udp.SetNetworkLayerForChecksum(netl)
		ls = append(ls, udp)
	}
	ls = append(ls, gopacket.Payload(s.payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

var t0 = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

func source(t testing.TB, specs ...pktSpec) *sliceSource {
	src := &sliceSource{}
	for i, s := range specs {
		d := build(t, s)
		src.pkts = append(src.pkts, RawPacket{Data: d, CaptureLn: len(d), Time: t0.Add(s.at), LinkType: layers.LinkTypeEthernet, Source: "t.pcap", Index: uint64(i + 1)})
	}
	return src
}

// echoDissector emits nothing but records the payloads it saw and marks
// itself done after the first packet of a flow when asked.
type echoDissector struct {
	seen     []string
	doneFast bool
}

func (e *echoDissector) Name() string { return "echo" }
func (e *echoDissector) Dissect(p *Packet, emit func(Event)) {
	e.seen = append(e.seen, string(p.Payload))
	st := p.State()
	n, _ := (*st).(int)
	*st = n + 1
	if e.doneFast {
		p.Done()
	}
}

func TestScannerFlowDirectionAndCounters(t *testing.T) {
	tests := []struct {
		name       string
		specs      []pktSpec
		wantClient string
		wantServer string
		wantPkts   [2]uint64
	}{
		{
			name: "tcp handshake decides the client",
			specs: []pktSpec{
				{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 443, tcp: true, syn: true},
				{src: "52.1.2.3", dst: "192.168.1.20", sport: 443, dport: 40000, tcp: true, syn: true, ack: true, at: time.Millisecond},
				{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 443, tcp: true, ack: true, payload: "hello", at: 2 * time.Millisecond},
			},
			wantClient: "192.168.1.20:40000", wantServer: "52.1.2.3:443", wantPkts: [2]uint64{2, 1},
		},
		{
			name: "mid-stream start: well-known port is the server",
			specs: []pktSpec{
				{src: "52.1.2.3", dst: "192.168.1.20", sport: 443, dport: 40000, tcp: true, ack: true, payload: "data"},
				{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 443, tcp: true, ack: true, at: time.Millisecond},
			},
			wantClient: "192.168.1.20:40000", wantServer: "52.1.2.3:443", wantPkts: [2]uint64{1, 1},
		},
		{
			name: "udp dns query",
			specs: []pktSpec{
				{src: "192.168.1.20", dst: "192.168.1.1", sport: 51000, dport: 53, payload: "q"},
				{src: "192.168.1.1", dst: "192.168.1.20", sport: 53, dport: 51000, payload: "a", at: time.Millisecond},
			},
			wantClient: "192.168.1.20:51000", wantServer: "192.168.1.1:53", wantPkts: [2]uint64{1, 1},
		},
		{
			name: "ipv6 over vlan-less ethernet",
			specs: []pktSpec{
				{src: "2001:db8::20", dst: "2001:db8::1", sport: 50000, dport: 123, payload: "ntp"},
			},
			wantClient: "[2001:db8::20]:50000", wantServer: "[2001:db8::1]:123", wantPkts: [2]uint64{1, 0},
		},
		{
			name: "802.1Q tagged",
			specs: []pktSpec{
				{src: "10.0.0.5", dst: "10.0.0.1", sport: 5000, dport: 1883, tcp: true, syn: true, vlan: true},
			},
			wantClient: "10.0.0.5:5000", wantServer: "10.0.0.1:1883", wantPkts: [2]uint64{1, 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recSink{}
			sc := NewScanner(sink, Options{})
			if err := sc.Run(source(t, tc.specs...)); err != nil {
				t.Fatal(err)
			}
			if len(sink.flows) != 1 {
				t.Fatalf("got %d flows, want 1", len(sink.flows))
			}
			f := sink.flows[0]
			if got := f.Key.Client.String(); got != tc.wantClient {
				t.Errorf("client = %s, want %s", got, tc.wantClient)
			}
			if got := f.Key.Server.String(); got != tc.wantServer {
				t.Errorf("server = %s, want %s", got, tc.wantServer)
			}
			if f.Packets != tc.wantPkts {
				t.Errorf("packets = %v, want %v", f.Packets, tc.wantPkts)
			}
			if f.File != "t.pcap" || f.FirstPkt != 1 {
				t.Errorf("first packet = %s#%d", f.File, f.FirstPkt)
			}
			if f.ClientMAC.IsZero() {
				t.Errorf("client MAC not recorded")
			}
		})
	}
}

func TestScannerDissectorDoneAndState(t *testing.T) {
	specs := []pktSpec{
		{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 80, tcp: true, payload: "one"},
		{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 80, tcp: true, payload: "two", at: time.Millisecond},
		{src: "192.168.1.21", dst: "52.1.2.3", sport: 40001, dport: 80, tcp: true, payload: "three", at: 2 * time.Millisecond},
	}
	all := &echoDissector{}
	fast := &echoDissector{doneFast: true}
	sc := NewScanner(&recSink{}, Options{Dissectors: []Dissector{all, fast}})
	if err := sc.Run(source(t, specs...)); err != nil {
		t.Fatal(err)
	}
	if len(all.seen) != 3 {
		t.Errorf("dissector without Done saw %d payloads, want 3", len(all.seen))
	}
	if len(fast.seen) != 2 || fast.seen[0] != "one" || fast.seen[1] != "three" {
		t.Errorf("dissector calling Done saw %q, want [one three]", fast.seen)
	}
}

func TestScannerIdleExpiry(t *testing.T) {
	sink := &recSink{}
	sc := NewScanner(sink, Options{IdleTimeout: 30 * time.Second})
	src := source(t,
		pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 51000, dport: 53, payload: "q"},
		pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 51001, dport: 53, payload: "q", at: time.Minute},
		pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 51002, dport: 53, payload: "q", at: 2 * time.Minute},
	)
	for {
		raw, err := src.Next()
		if err != nil {
			break
		}
		sc.Packet(&raw)
	}
	// Flows ended at a sweep leave the table, and reach the sink
	// releaseLag packets later (or at Flush): two retired, one live.
	if len(sink.flows) != 0 || retiredFlows(sc) != 2 || len(sc.flows) != 1 {
		t.Fatalf("after two minutes: %d flows handed on, %d retired, %d in the table; want 0, 2, 1",
			len(sink.flows), retiredFlows(sc), len(sc.flows))
	}
	sc.Flush()
	if len(sink.flows) != 3 {
		t.Fatalf("after flush %d flows, want 3", len(sink.flows))
	}
}

func TestScannerMaxFlowsEvicts(t *testing.T) {
	sink := &recSink{}
	sc := NewScanner(sink, Options{MaxFlows: 16})
	var specs []pktSpec
	for i := 0; i < 100; i++ {
		specs = append(specs, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: uint16(50000 + i), dport: 53, payload: "q", at: time.Duration(i) * time.Millisecond})
	}
	src := source(t, specs...)
	for {
		raw, err := src.Next()
		if err != nil {
			break
		}
		sc.Packet(&raw)
		if len(sc.flows) > 16 {
			t.Fatalf("flow table grew to %d, bound 16", len(sc.flows))
		}
	}
	// Nothing was idle long enough to be swept: every flow out of the
	// table was evicted, and the count says so.
	if ev := sc.Stats().Evicted; ev != uint64(100-len(sc.flows)) {
		t.Errorf("stats.Evicted = %d, want %d (flows that left the full table)", ev, 100-len(sc.flows))
	}
	sc.Flush()
	if len(sink.flows) != 100 {
		t.Fatalf("%d flows reported, want 100 (eviction must not drop)", len(sink.flows))
	}
}

func TestScannerUndecodedAndTruncated(t *testing.T) {
	sink := &recSink{}
	sc := NewScanner(sink, Options{})
	good := build(t, pktSpec{src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, payload: "x"})
	src := &sliceSource{pkts: []RawPacket{
		{Data: []byte{1, 2, 3}, LinkType: layers.LinkTypeEthernet, Source: "t", Index: 1},
		{Data: good[:20], CaptureLn: len(good), LinkType: layers.LinkTypeEthernet, Source: "t", Index: 2},
		{Data: []byte{0x45}, LinkType: 9999, Source: "t", Index: 3},
	}}
	if err := sc.Run(src); err != nil {
		t.Fatal(err)
	}
	st := sc.Stats()
	if st.Packets != 3 || st.Undecoded != 3 {
		t.Errorf("stats = %+v, want 3 packets all undecoded", st)
	}
	if st.Truncated < 1 {
		t.Errorf("snaplen-cut packet not counted as truncated: %+v", st)
	}
}

func BenchmarkScannerPacket(b *testing.B) {
	d := build(b, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 443, tcp: true, ack: true, payload: string(make([]byte, 1200))})
	sc := NewScanner(&recSink{}, Options{Dissectors: []Dissector{&nopDissector{}}})
	raw := RawPacket{Data: d, CaptureLn: len(d), Time: t0, LinkType: layers.LinkTypeEthernet, Source: "b", Index: 1}
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sc.Packet(&raw)
	}
}

type nopDissector struct{}

func (nopDissector) Name() string                     { return "nop" }
func (nopDissector) Dissect(p *Packet, _ func(Event)) {}

func TestMACString(t *testing.T) {
	for _, m := range []MAC{{}, {0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0xa0, 0x0b, 0xc1, 0xd2, 0xe3, 0xf4}} {
		want := net.HardwareAddr(m[:]).String()
		if got := m.String(); got != want {
			t.Errorf("MAC.String() = %q, want %q", got, want)
		}
	}
}

// When the clock goes back (a file from an earlier date, a capture whose
// clock jumped), flows of the later time base leave the table instead of
// staying until the end.
func TestScannerClockStepBack(t *testing.T) {
	sink := &recSink{}
	sc := NewScanner(sink, Options{})
	src := source(t,
		pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 51000, dport: 53, payload: "q", at: time.Hour},
		pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 51001, dport: 53, payload: "q"},
		pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 51002, dport: 53, payload: "q", at: time.Second},
	)
	for {
		raw, err := src.Next()
		if err != nil {
			break
		}
		sc.Packet(&raw)
	}
	if sc.Stats().ClockSteps != 1 {
		t.Fatalf("ClockSteps = %d, want 1", sc.Stats().ClockSteps)
	}
	if len(sc.flows) != 2 || retiredFlows(sc) != 1 || sc.retired[0].flows[0].Key.Client.Port() != 51000 {
		t.Fatalf("table %d flows, retired %d; want the later-clock flow retired", len(sc.flows), retiredFlows(sc))
	}
	sc.Flush()
	if len(sink.flows) != 3 || sink.flows[0].Key.Client.Port() != 51000 {
		t.Fatalf("flushed %d flows, first %v", len(sink.flows), sink.flows[0].Key)
	}
}

func retiredFlows(sc *Scanner) int {
	n := 0
	for _, g := range sc.retired {
		n += len(g.flows)
	}
	return n
}

// Retired flows reach the sink releaseLag packets after they left the
// table, without waiting for Flush.
func TestScannerReleaseLag(t *testing.T) {
	sink := &recSink{}
	sc := NewScanner(sink, Options{IdleTimeout: time.Second})
	specs := []pktSpec{{src: "192.168.1.20", dst: "192.168.1.1", sport: 40000, dport: 53, payload: "q"}}
	for i := 0; i < releaseLag+20; i++ {
		specs = append(specs, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 40001, dport: 53, payload: "q",
			at: time.Minute + time.Duration(i)*time.Millisecond})
	}
	src := source(t, specs...)
	for i := 0; ; i++ {
		raw, err := src.Next()
		if err != nil {
			break
		}
		sc.Packet(&raw)
		switch {
		case i == 1 && (retiredFlows(sc) != 1 || len(sink.flows) != 0):
			t.Fatalf("after the sweep: %d retired, %d handed on", retiredFlows(sc), len(sink.flows))
		case i == releaseLag+1 && len(sink.flows) != 1:
			t.Fatalf("%d packets after retiring: %d handed on, want 1", releaseLag, len(sink.flows))
		}
	}
}

func TestNthTime(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.Intn(200)
		ts := make([]time.Time, n)
		for i := range ts {
			switch trial % 3 {
			case 0: // distinct, random order
				ts[i] = time.Unix(int64(rng.Intn(1e6)), 0)
			case 1: // many equal
				ts[i] = time.Unix(int64(rng.Intn(4)), 0)
			default: // already in order
				ts[i] = time.Unix(int64(i), 0)
			}
		}
		sorted := slices.Clone(ts)
		slices.SortFunc(sorted, func(a, b time.Time) int { return a.Compare(b) })
		k := rng.Intn(n)
		if got := nthTime(ts, k); !got.Equal(sorted[k]) {
			t.Fatalf("trial %d: nthTime(%d of %d) = %v, want %v", trial, k, n, got, sorted[k])
		}
	}
}

// TestScannerSeparateFiles: with SeparateFiles a flow does not go on
// from one file into the next, and the first file's flows reach the sink
// before anything of the second.
func TestScannerSeparateFiles(t *testing.T) {
	specs := []pktSpec{
		{src: "192.168.1.20", dst: "192.168.1.1", sport: 51000, dport: 53, payload: "q"},
		{src: "192.168.1.20", dst: "192.168.1.1", sport: 51000, dport: 53, payload: "q", at: time.Second},
	}
	for _, separate := range []bool{false, true} {
		src := source(t, specs...)
		src.pkts[1].Source = "u.pcap"
		sink := &recSink{}
		sc := NewScanner(sink, Options{SeparateFiles: separate})
		sc.Packet(&src.pkts[0])
		handedOn := len(sink.flows)
		sc.Packet(&src.pkts[1])
		atSecond := len(sink.flows)
		sc.Flush()
		want := 1
		if separate && atSecond != 1 {
			t.Errorf("the first file's flow was not handed on when the second began (%d flows)", atSecond)
		}
		if separate {
			want = 2
			if handedOn != 0 || sink.flows[0].File != "t.pcap" || sink.flows[1].File != "u.pcap" || sink.flows[0].Packets[0] != 1 {
				t.Errorf("separate files: flows %+v", sink.flows)
			}
		}
		if len(sink.flows) != want {
			t.Errorf("SeparateFiles=%v: %d flows, want %d", separate, len(sink.flows), want)
		}
	}
}

// BenchmarkScannerManyFlows cycles through 8192 flows (IPv4 and IPv6,
// TCP and UDP), so the flow table's look-up and the expiry lists' moves
// are what is measured, not one hot entry.
func BenchmarkScannerManyFlows(b *testing.B) {
	var raws []RawPacket
	for i := 0; i < 8192; i++ {
		spec := pktSpec{src: fmt.Sprintf("192.168.%d.%d", i>>8&3, i&255), dst: "52.1.2.3", sport: uint16(40000 + i>>10), dport: 443,
			tcp: i&1 == 0, ack: true, payload: "x"}
		if i%4 == 3 {
			spec.src, spec.dst = fmt.Sprintf("fd00::%x", i), "2001:db8::1"
		}
		d := build(b, spec)
		raws = append(raws, RawPacket{Data: d, CaptureLn: len(d), Time: t0, LinkType: layers.LinkTypeEthernet, Source: "b", Index: uint64(i + 1)})
	}
	sc := NewScanner(&recSink{}, Options{Dissectors: []Dissector{&nopDissector{}}})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &raws[i%len(raws)]
		r.Time = t0.Add(time.Duration(i) * time.Microsecond)
		sc.Packet(r)
	}
}

// dropSink discards what it is given.
type dropSink struct{}

func (dropSink) Event(Event) {}
func (dropSink) Flow(*Flow)  {}

// BenchmarkScannerNewFlows gives every packet a flow of its own: 65536
// flows, revisited only after they were idle past the timeout, so each
// packet starts a flow (newFlow, the table's insert) and sweeps retire
// and release the old ones. B/op is mostly the Flow structs.
func BenchmarkScannerNewFlows(b *testing.B) {
	var raws []RawPacket
	for i := 0; i < 1<<16; i++ {
		d := build(b, pktSpec{src: fmt.Sprintf("10.1.%d.%d", i>>8, i&255), dst: "52.1.2.3", sport: 40000, dport: 443, tcp: true, ack: true, payload: "x"})
		raws = append(raws, RawPacket{Data: d, CaptureLn: len(d), LinkType: layers.LinkTypeEthernet, Source: "b"})
	}
	sc := NewScanner(dropSink{}, Options{MaxFlows: 1 << 17, Dissectors: []Dissector{&nopDissector{}}})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &raws[i%len(raws)]
		r.Time, r.Index = t0.Add(time.Duration(i)*3*time.Millisecond), uint64(i+1)
		sc.Packet(r)
	}
	b.StopTimer()
	if st := sc.Stats(); st.Flows != uint64(b.N) {
		b.Fatalf("%d flows of %d packets: want one flow a packet", st.Flows, b.N)
	}
}
