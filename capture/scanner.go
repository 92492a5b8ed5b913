package capture

import (
	"cmp"
	"errors"
	"io"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Options configure a Scanner.
type Options struct {
	// Dissectors run on every transport payload, in order. See
	// dissect.Default for the standard set.
	Dissectors []Dissector
	// IdleTimeout is how long (in capture time) a flow may stay silent
	// before it is handed to the sink and forgotten. Zero means 120 s.
	IdleTimeout time.Duration
	// ClosedTimeout applies to TCP flows that saw FIN both ways or RST.
	// Zero means 5 s.
	ClosedTimeout time.Duration
	// MaxFlows bounds the flow table. When it is full, the least recently
	// active flows are handed to the sink early. Zero means 1<<20.
	MaxFlows int
	// SeparateFiles makes each input file its own capture: when the
	// packets' file changes, every flow of the last one ends there (and
	// reaches the sink before any packet of the next), and the clock and
	// fragment tables start afresh.
	SeparateFiles bool
}

// Stats counts what a Scanner did.
type Stats struct {
	Packets   uint64
	Bytes     uint64 // captured bytes
	Flows     uint64
	Fragments uint64
	Undecoded uint64 // packets without an IP layer tattle reads (ARP, LLDP, unknown link types)
	Truncated uint64 // packets the snaplen (or damage) cut short
	// ClockSteps counts times the capture clock went back by more than
	// the idle timeout (every live flow was then ended).
	ClockSteps uint64
	// Evicted counts flows ended early because the table was full
	// (MaxFlows): each still reaches the sink, but one that goes on is
	// counted again as a new flow.
	Evicted   uint64
	Malformed map[string]uint64
}

// flowID is the direction-free key of the flow table: the two endpoints in
// a canonical order, as bytes (transport, which endpoints are IPv4, then
// each address in 16 bytes and its port). A fixed array without
// pointers hashes faster than netip.AddrPort's struct and leaves the
// collector nothing to scan in the table's keys. Addresses decoded from
// packets have no IPv6 zone, the one part of a netip.Addr it leaves out.
type flowID [38]byte

// Scanner decodes packets, keeps the flow table and runs the dissectors.
// It is not safe for concurrent use.
type Scanner struct {
	sink  Sink
	opts  Options
	dec   *decoder
	flows map[flowID]*Flow
	stats Stats
	now   time.Time // latest capture time seen
	// nextSweep is the time of the next sweep (zero before the first
	// packet): kept, not worked out for every packet. nowAt and sweepAt
	// are now and nextSweep as instants, for the comparisons of every
	// packet.
	nextSweep time.Time
	nowAt     instant
	sweepAt   instant
	d         decoded
	pkt       Packet
	emit      func(Event)
	syncers   []Syncer
	// syncerAt and enderAt are, by dissector, it as a Syncer and as a
	// FlowEnder, or nil: found once, not by a type assertion per
	// dissector for every flow that ends.
	syncerAt []Syncer
	enderAt  []FlowEnder
	icmp6    []bool // by dissector: it is an ICMPv6Dissector
	// plainSet and icmp6Set have bit i set when dissector i sees
	// transport payloads, or ICMPv6 messages (see dissectAll); with
	// more than 64 dissectors, neither is used.
	plainSet, icmp6Set uint64
	sweepBuf           []*Flow
	// spareStates are ended flows' dissector-state slices, cleared, for
	// the next flows (see release).
	spareStates [][]any
	evictBuf    []time.Time
	// open and closed are the expiry lists, maxLate the largest
	// lateness of a packet seen (see expiry.go).
	lists   [nLists]flowList
	maxLate time.Duration
	// retired holds, oldest first, groups of flows out of the table
	// that have not reached the sink yet (see retire).
	retired []retiredGroup
	file    string // the file of the last packet, with SeparateFiles
	// last is the flow of the last packet that had one, while it is in
	// the table (retire clears it): packets often come in runs of one
	// flow, and comparing its key is cheaper than the table's look-up.
	last *Flow
}

// retiredGroup is the flows one sweep (or eviction, or Flush) ended.
type retiredGroup struct {
	flows []*Flow
	marks []uint64 // one per syncer
	at    uint64   // packet count when they were retired
}

// releaseLag is how many packets later retired flows reach the sink. A
// dissector on its own goroutine then has had the time of that many
// packets to finish them, so the scanner seldom waits; counting packets,
// not time, keeps the result the same from run to run.
const releaseLag = 4096

// NewScanner returns a Scanner that reports to sink.
func NewScanner(sink Sink, opts Options) *Scanner {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 120 * time.Second
	}
	if opts.ClosedTimeout <= 0 {
		opts.ClosedTimeout = 5 * time.Second
	}
	if opts.MaxFlows <= 0 {
		opts.MaxFlows = 1 << 15
	}
	s := &Scanner{
		sink:  sink,
		opts:  opts,
		dec:   newDecoder(),
		flows: make(map[flowID]*Flow, 1024),
		stats: Stats{Malformed: map[string]uint64{}},
		nowAt: instantOf(time.Time{}),
	}
	s.emit = sink.Event
	s.icmp6 = make([]bool, len(opts.Dissectors))
	s.syncerAt = make([]Syncer, len(opts.Dissectors))
	s.enderAt = make([]FlowEnder, len(opts.Dissectors))
	for i, d := range opts.Dissectors {
		if sy, ok := d.(Syncer); ok {
			s.syncers = append(s.syncers, sy)
			s.syncerAt[i] = sy
		}
		s.enderAt[i], _ = d.(FlowEnder)
		_, s.icmp6[i] = d.(ICMPv6Dissector)
		if i < 64 && s.icmp6[i] {
			s.icmp6Set |= 1 << uint(i)
		} else if i < 64 {
			s.plainSet |= 1 << uint(i)
		}
	}
	return s
}

// Stats returns the counters so far.
func (s *Scanner) Stats() Stats { return s.stats }

// MaxFlows is the bound of the flow table (Options.MaxFlows or its
// default).
func (s *Scanner) MaxFlows() int { return s.opts.MaxFlows }

// Run reads src to its end, then flushes every flow to the sink. Read
// errors (damaged or truncated files) do not stop it: they are collected
// and returned together, after everything readable has been processed.
// The returned error is nil when all input was read cleanly.
func (s *Scanner) Run(src Source) error {
	var errs []error
	// A FileSource hands out its own packet, not a copy of it.
	fs, direct := src.(*FileSource)
	var buf RawPacket
	for {
		var raw *RawPacket
		var err error
		if direct {
			raw, err = fs.nextRef()
		} else {
			buf, err = src.Next()
			raw = &buf
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			var re *ReadError
			if errors.As(err, &re) {
				continue // the source moves on to its next file
			}
			break
		}
		s.Packet(raw)
	}
	s.Flush()
	return errors.Join(errs...)
}

// Packet processes one raw packet: it moves the scan's clock, decodes
// the packet, finds its flow (or starts one), counts it there and runs
// the dissectors on its payload.
func (s *Scanner) Packet(raw *RawPacket) {
	s.advance(raw)
	d := &s.d
	if !s.decode(raw, d) {
		return
	}
	src := netip.AddrPortFrom(d.src, d.sport)
	dst := netip.AddrPortFrom(d.dst, d.dport)
	f := s.last
	if f == nil || f.Key.Transport != d.transport || !f.between(src, dst) {
		// Not the flow of the last packet: look it up.
		id := makeID(src, dst, d.transport)
		f = s.flows[id]
		if f == nil {
			f = s.startFlow(id, raw, d, src, dst)
		}
		s.last = f
	}
	dir := f.dirOf(src)
	f.count(raw, d, dir)
	s.setLast(f, raw.Time)
	s.touch(f)
	if len(s.opts.Dissectors) == 0 {
		return
	}
	if d.transport == ICMPv6 {
		if len(d.icmp6) > 0 {
			s.dissectAll(raw, d, f, dir, d.icmp6, true)
		}
		return
	}
	if len(d.payload) == 0 {
		return
	}
	s.dissectAll(raw, d, f, dir, d.payload, false)
}

// advance counts the packet, releases retired flows old enough, and
// moves the clock to the packet's time, sweeping idle flows when it has
// moved on far enough (or gone back by more than the idle timeout).
func (s *Scanner) advance(raw *RawPacket) {
	if s.opts.SeparateFiles && raw.Source != s.file {
		s.endFile()
		s.file = raw.Source
	}
	s.stats.Packets++
	if len(s.retired) > 0 && s.stats.Packets-s.retired[0].at >= releaseLag {
		s.releaseRetired(releaseLag)
	}
	s.stats.Bytes += uint64(len(raw.Data))
	if at := instantOf(raw.Time); s.nowAt.before(at) {
		// The usual case: time goes on. (A packet after now cannot be
		// before now minus the idle timeout, so the test below, and
		// the subtraction it needs, is for the others only.)
		s.now, s.nowAt = raw.Time, at
		if s.nextSweep.IsZero() {
			s.setNextSweep()
		}
		if !at.before(s.sweepAt) {
			s.sweep()
		}
	} else if !s.now.IsZero() && raw.Time.Before(s.now.Add(-s.opts.IdleTimeout)) {
		// The clock went back by more than the idle timeout: a file
		// from an earlier date, or a capture whose clock jumped. Time
		// goes on from this packet; flows last seen in the later time
		// base are idle by the distance between the two (see sweep)
		// and leave at this sweep, or the table would only grow.
		s.stats.ClockSteps++
		s.now, s.nowAt = raw.Time, at
		s.sweepAll()
	}
}

// setNextSweep sets the next sweep sweepEvery after now.
func (s *Scanner) setNextSweep() {
	s.nextSweep = s.now.Add(sweepEvery)
	s.sweepAt = instantOf(s.nextSweep)
}

// setLast moves f's last packet time to t if t is later. Off the ahead
// list a flow was last seen at or before now (see expiry.go), so a
// packet at now, the usual case, is the latest without a comparison.
func (s *Scanner) setLast(f *Flow, t time.Time) {
	if t == s.now && f.list != aheadList || t.After(f.Last) {
		f.Last = t
	}
}

// decode decodes raw into d and counts truncation, fragments and
// packets without IP. It reports whether the packet belongs to a flow:
// it has IP, and unless it is a fragment without its transport header,
// ports (zero for ICMP and other transports: a port-less flow).
func (s *Scanner) decode(raw *RawPacket, d *decoded) bool {
	// decoder.decode, written out: the call in between was some 8 % of
	// decoding.
	if raw.LinkType != layers.LinkTypeEthernet || !s.dec.fast(raw.Data, d) {
		s.dec.slow(raw.LinkType, raw.Data, d)
	}
	if raw.CaptureLn > len(raw.Data) {
		d.truncated = true
	}
	if d.truncated {
		s.stats.Truncated++
	}
	if !d.hasIP {
		s.stats.Undecoded++
		return false
	}
	if d.fragment {
		s.stats.Fragments++
		if !d.hasTransport {
			return false
		}
	}
	if !d.hasTransport {
		d.sport, d.dport = 0, 0
	}
	return true
}

// startFlow starts the packet's flow under id, evicting the oldest flow
// when the table is full.
func (s *Scanner) startFlow(id flowID, raw *RawPacket, d *decoded, src, dst netip.AddrPort) *Flow {
	if len(s.flows) >= s.opts.MaxFlows {
		s.evictOldest()
	}
	f := s.newFlow(raw, d, src, dst)
	s.flows[id] = f
	s.stats.Flows++
	return f
}

// between reports whether a and b are the two ends of f, either way.
func (f *Flow) between(a, b netip.AddrPort) bool {
	k := &f.Key
	return (a == k.Client && b == k.Server) || (a == k.Server && b == k.Client)
}

// dirOf is the direction (ToServer, ToClient) of a packet from src.
// (A host talking to itself on one port sends to the server.)
func (f *Flow) dirOf(src netip.AddrPort) int {
	if src != f.Key.Client && f.Key.Client != f.Key.Server {
		return ToClient
	}
	return ToServer
}

// count adds the packet to the flow: the MACs of its ends, when first
// seen, its packets, bytes and payload, and the TCP handshake and close.
// (Its time is the scanner's: see setLast.)
func (f *Flow) count(raw *RawPacket, d *decoded, dir int) {
	if d.hasMAC {
		if dir == ToServer {
			if f.ClientMAC.IsZero() {
				f.ClientMAC = d.srcMAC
			}
			if f.ServerMAC.IsZero() && !d.dstMAC.IsZero() {
				f.ServerMAC = d.dstMAC
			}
		} else {
			if f.ServerMAC.IsZero() {
				f.ServerMAC = d.srcMAC
			}
			if f.ClientMAC.IsZero() && !d.dstMAC.IsZero() {
				f.ClientMAC = d.dstMAC
			}
		}
	}
	f.Packets[dir]++
	ipLen := d.ipLen
	if ipLen <= 0 {
		ipLen = len(raw.Data)
	}
	f.Bytes[dir] += uint64(ipLen)
	f.Payload[dir] += uint64(len(d.payload))
	if d.transport == TCP {
		if d.syn && !f.SawSYN[dir] {
			f.SawSYN[dir], f.StreamStart[dir] = true, d.tcpSeq+1
		}
		if d.fin {
			f.fin |= 1 << uint(dir)
		}
		if d.rst || f.fin == 3 {
			f.Closed = true
		}
	}
}

// dissectAll runs each dissector that has not given up on the flow over
// the packet's payload: the transport payload, or with icmp6 the ICMPv6
// message, which only ICMPv6Dissectors see.
func (s *Scanner) dissectAll(raw *RawPacket, d *decoded, f *Flow, dir int, payload []byte, icmp6 bool) {
	wide := len(s.opts.Dissectors) > 64
	// todo: the dissectors to run, those of the payload's kind that
	// have not called Done. Only the running dissector can call Done on
	// its own slot, so the set taken now is the set the loop would meet.
	todo := s.plainSet
	if icmp6 {
		todo = s.icmp6Set
	}
	todo &^= f.skip
	if todo == 0 && !wide {
		// Every dissector gave up on the flow (most packets of a long
		// one): no packet to fill.
		return
	}
	// The packet is filled field by field: assigning a whole Packet to
	// s.pkt copied it through the write barrier's bulk path while the
	// collector ran.
	p := &s.pkt
	p.File, p.Packet, p.Time = raw.Source, raw.Index, raw.Time
	p.SrcMAC, p.DstMAC = d.srcMAC, d.dstMAC
	p.Src, p.Dst = netip.AddrPortFrom(d.src, d.sport), netip.AddrPortFrom(d.dst, d.dport)
	p.Transport = d.transport
	p.Payload, p.Flow, p.Dir = payload, f, dir
	p.TCPSeq, p.SYN, p.FIN, p.RST, p.Truncated = d.tcpSeq, d.syn, d.fin, d.rst, d.truncated
	p.slot, p.slots, p.spare = 0, len(s.opts.Dissectors), &s.spareStates
	if !wide {
		for todo != 0 {
			todo = s.dissectSet(p, todo)
		}
		return
	}
	for i, ds := range s.opts.Dissectors {
		if f.done(i) {
			continue
		}
		if s.icmp6[i] != icmp6 {
			continue
		}
		p.slot = i
		s.dissect(ds, p)
	}
}

// dissectSet runs the dissectors of todo on p in order, under one
// deferred recover rather than one each: a panic is handled as dissect
// handles it, and the dissectors left are returned to be run next
// (nothing left: zero).
func (s *Scanner) dissectSet(p *Packet, todo uint64) (left uint64) {
	defer func() {
		if r := recover(); r != nil {
			p.Flow.Note(PanicNote(s.opts.Dissectors[p.slot].Name()))
			p.Done()
			left = todo
		}
	}()
	for todo != 0 {
		i := bits.TrailingZeros64(todo)
		todo &= todo - 1
		p.slot = i
		s.opts.Dissectors[i].Dissect(p, s.emit)
	}
	return 0
}

// dissect runs one dissector on p. A dissector that panics (a bug that
// hostile input found) is stopped for this flow only, and the panic is
// counted as a malformed-input note on the flow: it costs that
// dissector's view of one flow, never the scan.
func (s *Scanner) dissect(ds Dissector, p *Packet) {
	defer func() {
		if r := recover(); r != nil {
			p.Flow.Note(PanicNote(ds.Name()))
			p.Done()
		}
	}()
	ds.Dissect(p, s.emit)
}

// PanicNote is the flow note counted when the named dissector panicked
// on the flow's input (see Dissector).
func PanicNote(dissector string) string { return dissector + panicNote }

// IsPanicNote reports whether a flow note is a PanicNote.
func IsPanicNote(note string) bool { return strings.HasSuffix(note, panicNote) }

const panicNote = ": panic on malformed input (dissector stopped for this flow)"

const sweepEvery = 10 * time.Second

func (s *Scanner) newFlow(raw *RawPacket, d *decoded, src, dst netip.AddrPort) *Flow {
	client, server := src, dst
	switch {
	case d.transport == TCP && d.syn && !d.ack:
		// the SYN sender is the client
	case d.transport == TCP && d.syn && d.ack:
		client, server = dst, src
	case serverLike(src.Port(), dst.Port()):
		client, server = dst, src
	}
	f := &Flow{
		Key:      FlowKey{Client: client, Server: server, Transport: d.transport},
		File:     raw.Source,
		FirstPkt: raw.Index,
		First:    raw.Time,
		Last:     raw.Time,
	}
	return f
}

// serverLike reports whether the sender port looks like the server side of
// a conversation whose first packet we did not see: a well-known or
// registered port talking to an ephemeral one.
func serverLike(sport, dport uint16) bool {
	if sport == dport {
		return false
	}
	if sport == 0 || dport == 0 {
		return false
	}
	ephemeral := func(p uint16) bool { return p >= 32768 }
	switch {
	case sport < 1024 && dport >= 1024:
		return true
	case sport >= 1024 && dport < 1024:
		return false
	case !ephemeral(sport) && ephemeral(dport):
		return true
	case ephemeral(sport) && !ephemeral(dport):
		return false
	}
	return sport < dport
}

// sweep ends idle and closed flows: it takes them out of the table (see
// retire). It walks the expiry lists (see expiry.go), not the table.
func (s *Scanner) sweep() {
	s.setNextSweep()
	fs := s.expiredAhead(s.sweepBuf[:0])
	fs = s.expired(openList, s.now.Add(-s.opts.IdleTimeout), fs)
	fs = s.expired(closedList, s.now.Add(-min(s.opts.IdleTimeout, s.opts.ClosedTimeout)), fs)
	s.retire(fs)
	clear(fs)
	s.sweepBuf = fs[:0]
}

// sweepAll is the sweep after the clock went back: it walks the whole
// table, since flows last seen in the later time base are idle by the
// distance between the two, then puts the flows left back on the expiry
// lists in order.
func (s *Scanner) sweepAll() {
	s.setNextSweep()
	fs := s.sweepBuf[:0]
	for _, f := range s.flows {
		idle := s.now.Sub(f.Last)
		if idle < 0 {
			idle = -idle // last seen before the clock went back
		}
		if idle >= s.opts.IdleTimeout || (f.Closed && idle >= s.opts.ClosedTimeout) {
			fs = append(fs, f)
		}
	}
	s.retire(fs)
	clear(fs)
	s.sweepBuf = fs[:0]
	s.relist()
}

// retire takes flows out of the table, in the order they began (so the
// result does not depend on map order), and queues their end with the
// syncers. They reach the sink releaseLag packets later, or at Flush.
func (s *Scanner) retire(fs []*Flow) {
	if len(fs) == 0 {
		return
	}
	// flowCompare is a total order on the flows of a table (two flows
	// never share a key), so an unstable sort gives the one order.
	if !slices.IsSortedFunc(fs, flowCompare) {
		slices.SortFunc(fs, flowCompare)
	}
	s.last = nil
	g := retiredGroup{flows: make([]*Flow, 0, len(fs)), at: s.stats.Packets}
	for _, f := range fs {
		delete(s.flows, idOf(f.Key))
		s.unlink(f)
		for i, st := range f.state[:min(len(f.state), len(s.syncerAt))] {
			if sy := s.syncerAt[i]; sy != nil && st != nil {
				sy.End(f, st)
			}
		}
		g.flows = append(g.flows, f)
	}
	for _, sy := range s.syncers {
		g.marks = append(g.marks, sy.Mark())
	}
	s.retired = append(s.retired, g)
}

// releaseRetired hands the sink the retired groups at least lag packets
// old, each after the events its syncers found before its marker.
func (s *Scanner) releaseRetired(lag uint64) {
	n := 0
	for ; n < len(s.retired) && s.stats.Packets-s.retired[n].at >= lag; n++ {
		g := &s.retired[n]
		for i, sy := range s.syncers {
			sy.SyncTo(g.marks[i], s.emit)
		}
		for _, f := range g.flows {
			s.release(f)
		}
	}
	if n > 0 {
		rest := copy(s.retired, s.retired[n:])
		clear(s.retired[rest:])
		s.retired = s.retired[:rest]
	}
}

// flowCompare orders flows by their first packet (time, file, packet
// number), then by key.
func flowCompare(a, b *Flow) int {
	if c := a.First.Compare(b.First); c != 0 {
		return c
	}
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.FirstPkt, b.FirstPkt); c != 0 {
		return c
	}
	// Two flows from one packet (an ICMP error quoting another): by key.
	if c := a.Key.Client.Compare(b.Key.Client); c != 0 {
		return c
	}
	if c := a.Key.Server.Compare(b.Key.Server); c != 0 {
		return c
	}
	return cmp.Compare(a.Key.Transport, b.Key.Transport)
}

// evictOldest makes room in a full table by ending the eighth of flows
// that were idle longest (all of those last seen at the cut, so the choice
// does not depend on map order). Finding the cut is linear and runs once
// per n/8 new flows, so the cost per flow is constant; the buffer is
// kept, so eviction allocates nothing once the table is full.
func (s *Scanner) evictOldest() {
	lasts := s.evictBuf[:0]
	for _, f := range s.flows {
		lasts = append(lasts, f.Last)
	}
	cut := nthTime(lasts, len(lasts)/8)
	clear(lasts)
	s.evictBuf = lasts[:0]
	fs := s.sweepBuf[:0]
	for _, f := range s.flows {
		if !f.Last.After(cut) {
			fs = append(fs, f)
		}
	}
	s.stats.Evicted += uint64(len(fs))
	s.retire(fs)
	clear(fs)
	s.sweepBuf = fs[:0]
}

// nthTime returns the n-th smallest of ts (0-based), reordering ts: a
// quickselect, linear on average. The pivot is the median of three, so
// times already in order (the usual case: flows sorted by their start)
// take no quadratic path.
func nthTime(ts []time.Time, n int) time.Time {
	lo, hi := 0, len(ts)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if ts[mid].Before(ts[lo]) {
			ts[mid], ts[lo] = ts[lo], ts[mid]
		}
		if ts[hi].Before(ts[lo]) {
			ts[hi], ts[lo] = ts[lo], ts[hi]
		}
		if ts[hi].Before(ts[mid]) {
			ts[hi], ts[mid] = ts[mid], ts[hi]
		}
		pivot := ts[mid]
		i, j := lo, hi
		for i <= j {
			for ts[i].Before(pivot) {
				i++
			}
			for pivot.Before(ts[j]) {
				j--
			}
			if i <= j {
				ts[i], ts[j] = ts[j], ts[i]
				i++
				j--
			}
		}
		switch {
		case n <= j:
			hi = j
		case n >= i:
			lo = i
		default:
			return ts[n]
		}
	}
	return ts[n]
}

// release runs the flow-end hooks and hands the flow to the sink.
func (s *Scanner) release(f *Flow) {
	for i, st := range f.state[:min(len(f.state), len(s.syncerAt))] {
		if st == nil {
			continue
		}
		if sy := s.syncerAt[i]; sy != nil {
			sy.Finish(f, st)
		} else if fe := s.enderAt[i]; fe != nil {
			s.flowEnd(s.opts.Dissectors[i].Name(), fe, f, st)
		}
	}
	if len(f.Notes) > 0 { // (starting to range over no notes was 6 % of release)
		for note, n := range f.Notes {
			s.stats.Malformed[note] += uint64(n)
		}
	}
	// The dissectors are done with the flow (their flow-end hooks ran
	// above) and the sink never sees its states: the slice is emptied
	// and kept for a later flow, up to a bound (one slice per flow with
	// payload was 4 % of what a scan of big.pcap allocated).
	if len(f.state) == len(s.opts.Dissectors) && len(s.spareStates) < maxSpareStates {
		clear(f.state)
		s.spareStates = append(s.spareStates, f.state)
	}
	f.state = nil
	s.sink.Flow(f)
}

// maxSpareStates bounds the state slices the scanner keeps for later
// flows (each 16 bytes a dissector).
const maxSpareStates = 4096

// flowEnd runs a dissector's flow-end hook; a panic there is a note on
// the flow, like one in Dissect.
func (s *Scanner) flowEnd(name string, fe FlowEnder, f *Flow, state any) {
	defer func() {
		if r := recover(); r != nil {
			f.Note(PanicNote(name))
		}
	}()
	fe.FlowEnd(f, state, s.emit)
}

// endFile ends every flow of the file read so far and hands it to the
// sink, as Flush does, with the syncers kept running for the next file.
func (s *Scanner) endFile() {
	fs := make([]*Flow, 0, len(s.flows))
	for _, f := range s.flows {
		fs = append(fs, f)
	}
	s.retire(fs)
	s.releaseRetired(0)
	s.now, s.nextSweep, s.maxLate = time.Time{}, time.Time{}, 0
	s.nowAt, s.sweepAt = instantOf(s.now), instant{}
	s.dec = newDecoder()
}

// Flush hands every flow to the sink, those already retired first, then
// the others in the order they began, and stops the syncers' goroutines.
// Call it at the end of the input.
func (s *Scanner) Flush() {
	fs := make([]*Flow, 0, len(s.flows))
	for _, f := range s.flows {
		fs = append(fs, f)
	}
	s.retire(fs)
	if len(s.retired) == 0 && len(s.syncers) > 0 {
		// No flow left, but events may have been found since the
		// last group: an empty group collects them.
		g := retiredGroup{at: s.stats.Packets}
		for _, sy := range s.syncers {
			g.marks = append(g.marks, sy.Mark())
		}
		s.retired = append(s.retired, g)
	}
	s.releaseRetired(0)
	for _, sy := range s.syncers {
		sy.Stop()
	}
}

// makeID is the table key of the flow between a and b.
func makeID(a, b netip.AddrPort, t Transport) flowID {
	if addrPortLess(b, a) {
		a, b = b, a
	}
	var id flowID
	id[0] = byte(t)
	if a.Addr().Is4() {
		id[1] |= 1
	}
	if b.Addr().Is4() {
		id[1] |= 2
	}
	a16, b16 := a.Addr().As16(), b.Addr().As16()
	copy(id[2:18], a16[:])
	id[18], id[19] = byte(a.Port()>>8), byte(a.Port())
	copy(id[20:36], b16[:])
	id[36], id[37] = byte(b.Port()>>8), byte(b.Port())
	return id
}

// idOf is the table key of the flow with key k.
func idOf(k FlowKey) flowID { return makeID(k.Client, k.Server, k.Transport) }

func addrPortLess(a, b netip.AddrPort) bool {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c < 0
	}
	return a.Port() < b.Port()
}

// instant is a capture time as its Unix seconds and nanoseconds. Time's
// Before and After are too large to be inlined, and capture times are
// compared several times a packet (the clock, the file's first and last
// packet): an instant kept beside a time that is compared often (now)
// makes each comparison a few instructions. It compares the wall clock
// only, which is what Before and After compare for times without a
// monotonic reading: packet times have none (the readers make them from
// the file's seconds, live sources strip it with UTC), and the clamp to
// years 0..9999 (see InputInfo.stamp) keeps their Unix seconds from
// overflowing.
type instant struct {
	sec  int64
	nsec int32
}

func instantOf(t time.Time) instant { return instant{t.Unix(), int32(t.Nanosecond())} }

// before reports whether a is before u.
func (a instant) before(u instant) bool {
	return a.sec < u.sec || a.sec == u.sec && a.nsec < u.nsec
}
