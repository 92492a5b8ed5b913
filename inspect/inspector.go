package inspect

import (
	"bytes"
	"encoding/base64"
	"hash/maphash"
	"math"
	"net"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
	"github.com/tattle-audit/tattle/internal/tcpseq"
)

// Bounds. Memory per TCP direction is at most tailLen plus maxOOOBytes of
// out-of-order segments; all streams together hold at most
// Config.TotalBuffer bytes of out-of-order data. Past a bound, the gap is
// skipped and counted as a note on the flow: a hostile capture costs
// detection coverage, never memory.
const (
	tailLen        = 96       // bytes kept from the previous segment, so matches may span segments (longest pattern: 64)
	patternBudget  = 8 << 10  // bytes of what a client sends that the pattern detectors read
	maxOOOSegments = 16       // out-of-order segments held per direction
	maxOOOBytes    = 64 << 10 // out-of-order bytes held per direction
	entropySample  = 4096     // bytes per direction used for the entropy class
	excerptRadius  = 24       // bytes shown either side of a match
	maxLearnedMACs = 512      // device MACs whose encoded forms are looked for
	maxKnownForms  = 1 << 17  // patterns indexed in all
	// maxQuietPayload bounds the payloads remembered as holding nothing
	// (see scan); quietSet bounds how many are.
	maxQuietPayload = 4 << 10
)

// Config configures an Inspector.
type Config struct {
	// Known holds values the auditor supplies (serial numbers, e-mail...).
	Known []Form
	// MaxStreamBytes bounds how many bytes a client sends in one stream
	// that are inspected; later bytes are not read. Zero means 64 KiB.
	// What servers send back is read up to a sixteenth of it: personal
	// data leaves in requests, and responses are where bulk downloads are.
	MaxStreamBytes int64
	// TotalBuffer bounds out-of-order data held across all streams.
	// Zero means 64 MiB.
	TotalBuffer int64
}

// Inspector is a capture.Dissector that reassembles cleartext TCP streams
// and UDP datagrams and reports the personal data in them. Run it after
// the protocol dissectors, so it can skip flows they found encrypted.
type Inspector struct {
	cfg      Config
	m        *Matcher
	macsSeen map[capture.MAC]bool
	// lastMACs are the last two senders found in macsSeen: packets come
	// in runs from the two ends of a conversation.
	lastMACs [2]capture.MAC
	known    map[knownKey]bool
	buffered atomic.Int64
	scratch  []byte
	seen     map[string]bool // de-duplicates values per flow direction
	// quiet remembers payloads in which nothing was found, by their
	// keys (quietKeyOf); quietSeeds are the keys' two hash seeds.
	quiet      quietSet
	quietSeeds [2]maphash.Seed
	// loud remembers, by the same keys, payloads in which something was
	// found, with what (see loudSet); findings is find's scratch.
	loud     loudSet
	findings []finding
	// formsOver and macsOver count what went past maxKnownForms and
	// maxLearnedMACs (see Dropped).
	formsOver, macsOver uint64
	// spareStates and spareHists are ended flows' states and entropy
	// histograms, emptied, for later flows (at most maxSpare of each).
	spareStates []*flowState
	spareHists  []*[256]uint16
}

// maxSpare bounds the ended flows' states (some 500 bytes with their
// tails and small maps) and histograms (512 bytes) an Inspector keeps to
// use again.
const maxSpare = 4096

// MaxKnownForms, MaxLearnedMACs and MaxOOOBytes are the inspector's
// bounds on the patterns it looks for, the device MACs it learns and the
// out-of-order data it holds per direction.
const (
	MaxKnownForms  = maxKnownForms
	MaxLearnedMACs = maxLearnedMACs
	MaxOOOBytes    = maxOOOBytes // out-of-order bytes held per direction
)

// Dropped reports what went past the inspector's bounds: encoded forms
// of known values not indexed (maxKnownForms), and packets whose sender's
// MAC was not learned (maxLearnedMACs). Call it after the scan.
func (in *Inspector) Dropped() (forms, macPackets uint64) { return in.formsOver, in.macsOver }

// New returns an Inspector.
func New(cfg Config) *Inspector {
	if cfg.MaxStreamBytes <= 0 {
		cfg.MaxStreamBytes = 64 << 10
	}
	if cfg.TotalBuffer <= 0 {
		cfg.TotalBuffer = 64 << 20
	}
	in := &Inspector{cfg: cfg, m: NewMatcher(nil), macsSeen: map[capture.MAC]bool{}, known: map[knownKey]bool{},
		quietSeeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	in.AddKnown(cfg.Known)
	return in
}

// DirBudget implements capture.DirBudget: what the inspector reads of a
// direction (its byte limit, and the entropy sample), with room for
// retransmissions and segments out of order; past it, a wrapper need not
// hand it the direction's packets.
func (in *Inspector) DirBudget(dir int) int {
	limit := in.cfg.MaxStreamBytes
	if dir == capture.ToClient {
		limit /= 16
	}
	return 2*int(max(limit, entropySample)) + maxOOOBytes
}

// Name implements capture.Dissector.
func (in *Inspector) Name() string { return "inspect" }

// declines is what Dissect decides from the flow's App and the direction
// alone, before it reads anything: whether it skips the packet, and
// whether it then calls Done.
func declines(app string, dir int) (skip, done bool) {
	switch app {
	case capture.AppTLS, capture.AppQUIC, capture.AppSSH, capture.AppDTLS:
		return true, true
	case capture.AppDHCP, capture.AppDHCPv6:
		// DHCP exists to carry a device's MAC and host name to the
		// local server: not a leak.
		return true, true
	case capture.AppDNS, capture.AppMDNS, capture.AppLLMNR:
		// Answers come from resolvers; what a device leaks in DNS it
		// leaks in its queries.
		return dir == capture.ToClient, false
	}
	return false, false
}

// Declines implements capture.Decliner: Dissect's first decision, which
// reads only f.App, so a wrapper can skip copying a packet the inspector
// would not read.
func (in *Inspector) Declines(f *capture.Flow, dir int) (skip, done bool) {
	return declines(f.App, dir)
}

// Buffered reports the out-of-order bytes currently held (for tests).
func (in *Inspector) Buffered() int64 { return in.buffered.Load() }

// AddKnown registers more values to look for (a device's host name once
// DHCP told it, say).
func (in *Inspector) AddKnown(forms []Form) { in.addKnown(forms, false) }

// addKnown is AddKnown; owned says forms is the inspector's own (made
// for it, never changed after), so the matcher may point into it.
func (in *Inspector) addKnown(forms []Form, owned bool) {
	// The matcher keeps pointers to the forms it indexes: unless owned,
	// they are copies, the caller's slice being the caller's, made into
	// one slice at the first new form, with room for all that may follow
	// (so it never moves), rather than one allocation a form.
	var own []Form
	for i := range forms {
		f := &forms[i]
		k := knownKey{string(f.Pattern), f.CaseSensitive, f.Owner}
		if in.known[k] {
			continue // DHCP repeats host names: index each form once
		}
		if len(in.known) >= maxKnownForms {
			in.formsOver += uint64(len(forms) - i)
			return
		}
		in.known[k] = true
		if owned {
			in.m.Add(f)
			continue
		}
		if own == nil {
			own = make([]Form, 0, len(forms)-i)
		}
		own = append(own, *f)
		in.m.Add(&own[len(own)-1])
	}
}

type knownKey struct {
	pattern string
	cs      bool
	owner   string
}

type segment struct {
	seq  uint32
	data []byte
	pkt  uint64
}

type dirState struct {
	started   bool
	next      uint32
	tail      []byte
	tailPkt   uint64
	inspected int64
	ooo       []segment
	oooBytes  int
	// hist counts the first entropySample bytes of flows no dissector
	// named (the only ones whose entropy class is reported); histN
	// counts those bytes for every flow.
	hist  *[256]uint16
	histN int
	found map[foundKey]bool
}

type foundKey struct{ dataType, value, label string }

type flowState struct {
	dir [2]dirState
	// spare is set while the state waits in Inspector.spareStates.
	spare bool
}

// Dissect implements capture.Dissector.
func (in *Inspector) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if skip, done := declines(p.Flow.App, p.Dir); skip {
		if done {
			p.Done()
		}
		return
	}
	in.learnMAC(p.SrcMAC)
	st := p.State()
	fs, _ := (*st).(*flowState)
	if fs == nil {
		if n := len(in.spareStates); n > 0 {
			fs, in.spareStates = in.spareStates[n-1], in.spareStates[:n-1]
			fs.spare = false
		} else {
			fs = &flowState{}
		}
		*st = fs
	}
	d := &fs.dir[p.Dir]
	if d.histN < entropySample {
		n := min(len(p.Payload), entropySample-d.histN)
		if p.Flow.App == "" {
			if d.hist == nil {
				if k := len(in.spareHists); k > 0 {
					d.hist, in.spareHists = in.spareHists[k-1], in.spareHists[:k-1]
				} else {
					d.hist = new([256]uint16)
				}
			}
			for _, c := range p.Payload[:n] {
				d.hist[c]++
			}
		}
		before := d.histN
		d.histN += n
		// A stream that is encrypted or compressed from its first
		// kilobyte on holds nothing the detectors can read: stop here
		// (FlowEnd still reports its entropy class). Tested each time
		// another kilobyte has been counted.
		if d.histN>>10 > before>>10 && p.Flow.App == "" && entropyClass(d.hist, d.histN) == "encrypted" {
			p.Done()
			return
		}
	}
	if p.Transport != capture.TCP {
		d.tail = d.tail[:0] // datagrams stand alone
		in.scan(p, d, p.Payload, p.Packet, emit)
		return
	}
	in.tcp(p, d, emit)
}

func (in *Inspector) tcp(p *capture.Packet, d *dirState, emit func(capture.Event)) {
	seq, data := p.TCPSeq, p.Payload
	if !d.started {
		d.started, d.next = true, seq
		if p.Flow.SawSYN[p.Dir] {
			d.next = p.Flow.StreamStart[p.Dir]
		}
	}
	switch diff := tcpseq.Diff(seq, d.next); {
	case diff < 0: // retransmission or overlap: keep only the new part
		if -diff >= int64(len(data)) {
			return
		}
		data = data[-diff:]
		seq = d.next
	case diff > 0: // a gap: hold the segment until the gap fills
		if len(d.ooo) < maxOOOSegments && d.oooBytes+len(data) <= maxOOOBytes &&
			in.buffered.Load()+int64(len(data)) <= in.cfg.TotalBuffer {
			d.ooo = append(d.ooo, segment{seq: seq, data: append([]byte(nil), data...), pkt: p.Packet})
			d.oooBytes += len(data)
			in.buffered.Add(int64(len(data)))
			return
		}
		p.Flow.Note("inspect: gap skipped")
		in.release(d)
		d.tail = d.tail[:0]
	}
	in.scan(p, d, data, p.Packet, emit)
	d.next = seq + uint32(len(data))
	// Drain held segments that now fit.
	for progressed := true; progressed && len(d.ooo) > 0; {
		progressed = false
		for i := 0; i < len(d.ooo); i++ {
			s := d.ooo[i]
			diff := tcpseq.Diff(s.seq, d.next)
			if diff > 0 {
				continue
			}
			d.ooo = append(d.ooo[:i], d.ooo[i+1:]...)
			d.oooBytes -= len(s.data)
			in.buffered.Add(-int64(len(s.data)))
			if -diff < int64(len(s.data)) {
				rest := s.data[-diff:]
				in.scan(p, d, rest, s.pkt, emit)
				d.next += uint32(len(rest))
			}
			progressed = true
			i--
		}
	}
}

func (in *Inspector) release(d *dirState) {
	if d.oooBytes != 0 { // most streams hold none: no atomic operation for them
		in.buffered.Add(-int64(d.oooBytes))
	}
	d.ooo, d.oooBytes = nil, 0
}

// FlowEnd implements capture.FlowEnder: it releases held segments and
// reports the entropy class of flows no dissector named (EntropyEvent).
func (in *Inspector) FlowEnd(f *capture.Flow, state any, emit func(capture.Event)) {
	fs, ok := state.(*flowState)
	if !ok {
		return
	}
	for i := range fs.dir {
		in.release(&fs.dir[i])
	}
	// A flow a dissector named later has a histogram of its first bytes
	// only: its class is not reported (App is set). A histogram is made
	// at a direction's first packet, whose payload may be empty: only a
	// flow with bytes counted is reported.
	h0, h1 := fs.dir[0].hist, fs.dir[1].hist
	n := 0
	for i := range fs.dir {
		if fs.dir[i].hist != nil {
			n += fs.dir[i].histN
		}
	}
	if f.App == "" && n > 0 {
		var class string
		switch {
		case h1 == nil:
			// One direction sent bytes (a datagram flow, say): its
			// histogram is the flow's, with the same counts the sum
			// below would make (entropyClass reads the counts alone).
			class = entropyClass(h0, fs.dir[0].histN)
		case h0 == nil:
			class = entropyClass(h1, fs.dir[1].histN)
		default:
			var hist [256]uint32
			for c := range hist {
				hist[c] = uint32(h0[c]) + uint32(h1[c])
			}
			class = entropyClass(&hist, n)
		}
		emit(&EntropyEvent{Meta: capture.Meta{File: f.File, Packet: f.FirstPkt, Time: f.Last, SrcMAC: f.ClientMAC, DstMAC: f.ServerMAC,
			Src: f.Key.Client, Dst: f.Key.Server, Transport: f.Key.Transport}, Flow: f.Key, Class: class})
	}
	in.reuse(fs)
}

// reuse empties the state of an ended flow and keeps it, and its
// histograms, for later flows. The scanner (and Async) drop a flow's
// states once its FlowEnd has run, and nothing the inspector emitted
// refers to them: events hold copies. A state ended twice is kept once.
func (in *Inspector) reuse(fs *flowState) {
	if fs.spare || len(in.spareStates) >= maxSpare {
		return
	}
	for i := range fs.dir {
		d := &fs.dir[i]
		if d.hist != nil && len(in.spareHists) < maxSpare {
			*d.hist = [256]uint16{}
			in.spareHists = append(in.spareHists, d.hist)
		}
		// A map keeps the room it grew to: only small ones are kept.
		found := d.found
		if len(found) > 16 {
			found = nil
		}
		clear(found)
		*d = dirState{tail: d.tail[:0], found: found}
	}
	fs.spare = true
	in.spareStates = append(in.spareStates, fs)
}

// entropyClass sorts a payload sample into encrypted (or compressed),
// text, or binary, as Mon(IoT)r did: Shannon entropy near 8 bits per byte
// means encrypted or compressed; mostly printable bytes mean text.
func entropyClass[T uint16 | uint32](hist *[256]T, n int) string {
	if n < 64 {
		return "unknown"
	}
	// Text is told by its printable bytes alone: the logarithms are
	// taken only for samples that are not.
	printable, most, total := 0, 0, 0
	for c, k := range hist {
		printable += int(textByte[c]) * int(k)
		most = max(most, int(k))
		total += int(k)
	}
	if float64(printable) >= 0.9*float64(n) {
		return "text"
	}
	// The maximum entropy of a sample of n bytes is log2(min(n,256)).
	bound := 0.9 * math.Log2(math.Min(float64(n), 256))
	// The estimate, from a table, decides unless it lies within
	// entropyMargin of the bound, where its rounding could make it
	// differ from the sum below.
	if most <= n && most < len(kLog2k) {
		switch h := entropyEstimate(hist, total, n); {
		case h >= bound+entropyMargin:
			return "encrypted"
		case h <= bound-entropyMargin:
			return "binary"
		}
	}
	var h float64
	for _, k := range hist {
		if k == 0 {
			continue
		}
		p := float64(k) / float64(n)
		h -= p * math.Log2(p)
		// With no count above n no term is negative, so h only grows:
		// once past the bound, the sample is encrypted whatever follows.
		if most <= n && h >= bound {
			return "encrypted"
		}
	}
	if h >= bound {
		return "encrypted"
	}
	return "binary"
}

// entropyEstimate is the entropy of the sample of n bytes hist counts
// (total of them, no count above n or len(kLog2k)-1) as
// sum((k/n)*(log2 n - log2 k)) = (total*log2 n - sum(k*log2 k))/n, with
// the k*log2 k from a table: one logarithm per sample instead of one per
// byte value seen. It differs from the sum entropyClass takes term by
// term by rounding only, far below entropyMargin
// (TestEntropyEstimateWithinMargin).
func entropyEstimate[T uint16 | uint32](hist *[256]T, total, n int) float64 {
	var s float64
	for _, k := range hist {
		s += kLog2k[k]
	}
	return (float64(total)*math.Log2(float64(n)) - s) / float64(n)
}

// entropyMargin is how close to the bound entropyEstimate may lie and
// still decide: rounding makes it differ from the term-by-term sum by
// some 1e-12 (256 terms of at most 13*8192 each, divided by n >= 64).
const entropyMargin = 1e-6

// kLog2k holds k*log2(k) for the counts of a flow's sample (both
// directions: 2*entropySample); kLog2k[0] is 0.
var kLog2k = func() *[2*entropySample + 1]float64 {
	var t [2*entropySample + 1]float64
	for k := 1; k < len(t); k++ {
		t[k] = float64(k) * math.Log2(float64(k))
	}
	return &t
}()

func (in *Inspector) learnMAC(mac capture.MAC) {
	if mac == in.lastMACs[0] || mac == in.lastMACs[1] || mac.IsZero() || mac[0]&1 != 0 {
		return
	}
	if in.macsSeen[mac] {
		in.lastMACs = [2]capture.MAC{mac, in.lastMACs[0]}
		return
	}
	// Bounded: each MAC adds some sixty patterns. A home network has far
	// fewer devices; past the bound (a campus capture, a spoofing flood)
	// further MACs are still found in text by the MAC-address pattern.
	if len(in.macsSeen) >= maxLearnedMACs {
		in.macsOver++
		return
	}
	in.macsSeen[mac] = true
	in.lastMACs = [2]capture.MAC{mac, in.lastMACs[0]}
	in.addKnown(MACForms(MACAddress, mac, mac.String()), true) // made here, kept by nothing else
}

var credRe = regexp.MustCompile(`(?im)^(?:(USER|PASS)[ \t]+(\S{1,128})|[A-Za-z0-9.]{1,16}[ \t]+LOGIN[ \t]+(\S{1,128})[ \t]+(\S{1,128})|AUTH[ \t]+PLAIN[ \t]+([A-Za-z0-9+/=]{4,256})|Authorization:[ \t]*Basic[ \t]+([A-Za-z0-9+/=]{4,256}))`)

// scan runs every detector over the previous tail followed by data.
func (in *Inspector) scan(p *capture.Packet, d *dirState, data []byte, pkt uint64, emit func(capture.Event)) {
	limit := in.cfg.MaxStreamBytes
	if p.Dir == capture.ToClient {
		limit /= 16
	}
	if d.inspected >= limit || len(data) == 0 {
		if d.inspected >= in.cfg.MaxStreamBytes/16 && fsDone(p) {
			p.Done()
		}
		return
	}
	if rem := limit - d.inspected; int64(len(data)) > rem {
		data = data[:rem]
	}
	d.inspected += int64(len(data))
	// The detectors read the tail and data as one; without a tail (a
	// datagram, a stream's first segment) data is read where it is.
	buf := data
	if len(d.tail) > 0 {
		buf = append(append(in.scratch[:0], d.tail...), data...)
		in.scratch = buf
	}
	tl := len(d.tail)
	// Patterns look for text (e-mail addresses, coordinates,
	// credentials): they run on text, and on the first part of a stream
	// only; known values are looked for everywhere. mayText is all but
	// the test of the text.
	mayText := d.inspected <= patternBudget && p.Dir == capture.ToServer
	// A payload read before, after the same tail (or none: a datagram, a
	// stream's first segment) and with the same forms indexed, holds what
	// it held then: what find finds depends on the bytes it reads, where
	// the tail ends, whether patterns run, and the forms. Whether
	// patterns run is mayText and the bytes, so the text is tested only
	// for payloads not remembered. Payloads that held nothing are kept
	// in the quiet memory, the others with their findings in the loud
	// one, whose findings are reported as find's would be. Devices repeat
	// their announcements and polls byte for byte, requests of several
	// segments too.
	if len(data) <= maxQuietPayload && !repeat.Off {
		k := in.quietKeyOf(buf, tl, mayText)
		if !in.quiet.has(k) {
			if fs, ok := in.loud.get(k); ok {
				in.report(p, d, buf, tl, fs, pkt, emit)
			} else if fs := in.detect(p, d, buf, tl, mayText && mostlyText(data), pkt, emit); len(fs) == 0 {
				in.quiet.add(k)
			} else {
				in.loud.add(k, fs)
			}
		}
	} else {
		in.detect(p, d, buf, tl, mayText && mostlyText(data), pkt, emit)
	}
	if n := len(buf); n > tailLen {
		d.tail = append(d.tail[:0], buf[n-tailLen:]...)
	} else {
		d.tail = append(d.tail[:0], buf...)
	}
	d.tailPkt = pkt
}

// finding is what a detector found at buf[off:off+n], before report
// decides whether it is reported: that depends on more than the payload
// (the sender's MAC, the MACs learned, what the flow reported before),
// and what is found on the payload alone (see find).
type finding struct {
	from                          findingFrom
	dataType, label, value, owner string
	off, n                        int
}

type findingFrom uint8

const (
	fromForm        findingFrom = iota // a known form (Matcher)
	fromPattern                        // a pattern (scanPatterns)
	fromCredentials                    // credRe (findCredentials)
)

// detect runs the detectors over buf (the previous tail, tl bytes, then
// the new data) and reports what they find. It returns the findings,
// reported or not, valid until the next call of find.
func (in *Inspector) detect(p *capture.Packet, d *dirState, buf []byte, tl int, patterns bool, pkt uint64, emit func(capture.Event)) []finding {
	fs := in.find(buf, tl, patterns)
	in.report(p, d, buf, tl, fs, pkt, emit)
	return fs
}

// find runs the detectors over buf (the previous tail, tl bytes, then the
// new data): known values always, patterns and credentials when patterns
// is set. What it finds depends on those bytes, tl, patterns and the
// forms indexed alone. The findings are in the inspector's scratch slice,
// valid until the next call.
func (in *Inspector) find(buf []byte, tl int, patterns bool) []finding {
	fs := in.findings[:0]
	in.m.FindEnding(buf, tl, func(f *Form, off int) {
		fs = append(fs, finding{from: fromForm, dataType: f.DataType, label: f.Label, value: f.Value, owner: f.Owner, off: off, n: len(f.Pattern)})
	})
	if patterns {
		low := in.m.Lowered(buf)
		scanPatterns(buf, low, func(m PatternMatch) {
			fs = append(fs, finding{from: fromPattern, dataType: m.DataType, label: m.Label, value: m.Value, off: m.Offset, n: len(m.Value)})
		})
		if mayHoldCredentials(low) {
			fs = findCredentials(buf, fs)
		}
	}
	in.findings = fs
	return fs
}

// report reports the findings in buf (see detect) that are to be: a MAC
// form of a device other than the sender's as a neighbour's, a MAC found
// by its shape unless it is the sender's, learned or no device's, and
// each value once per flow direction.
func (in *Inspector) report(p *capture.Packet, d *dirState, buf []byte, tl int, fs []finding, pkt uint64, emit func(capture.Event)) {
	own := p.SrcMAC
	for i := range fs {
		f := &fs[i]
		dt := f.dataType
		switch f.from {
		case fromForm:
			if dt == MACAddress && !isMAC(own, f.owner) {
				dt = NeighbourMAC
			}
		case fromPattern:
			if dt == MACAddress {
				v := strings.ToLower(strings.ReplaceAll(f.value, "-", ":"))
				if isMAC(own, v) || in.knownMAC(v) || v == "ff:ff:ff:ff:ff:ff" || v == "00:00:00:00:00:00" {
					continue // known MACs were reported with their owner
				}
				dt = NeighbourMAC
			}
		case fromCredentials:
			if f.value == "" {
				continue
			}
		}
		if f.off+f.n <= tl {
			continue // wholly inside the tail: reported with the previous segment
		}
		key := foundKey{dt, f.value, f.label}
		if d.found == nil {
			d.found = map[foundKey]bool{}
		}
		if d.found[key] || len(d.found) > 256 {
			continue
		}
		d.found[key] = true
		pkts := []uint64{pkt}
		if f.off < tl && d.tailPkt != 0 && d.tailPkt != pkt {
			pkts = []uint64{d.tailPkt, pkt}
		}
		emit(&PersonalDataEvent{
			Meta: p.Meta, Protocol: protocolOf(p), DataType: dt, Label: f.label, Value: f.value, Owner: f.owner,
			Excerpt: excerpt(buf, f.off, f.n), Packets: pkts, FromClient: p.Dir == capture.ToServer,
		})
	}
}

// isMAC reports whether s is mac as its String method writes it, without
// writing it: report asks for every MAC found, of payloads found in the
// loud memory too.
func isMAC(mac capture.MAC, s string) bool {
	const hexd = "0123456789abcdef"
	if len(s) != 17 {
		return false
	}
	for i, c := range mac {
		if i > 0 && s[3*i-1] != ':' || s[3*i] != hexd[c>>4] || s[3*i+1] != hexd[c&15] {
			return false
		}
	}
	return true
}

// findCredentials appends the credentials credRe finds in buf (at most
// 8) to fs; a match whose value is empty (base64 that decodes to
// nothing) is a finding not reported.
func findCredentials(buf []byte, fs []finding) []finding {
	ms := credRe.FindAllSubmatchIndex(buf, 8)
	for _, m := range ms {
		var v, label string
		switch {
		case m[2] >= 0:
			v, label = string(buf[m[4]:m[5]]), strings.ToUpper(string(buf[m[2]:m[3]]))+" command"
		case m[6] >= 0:
			v, label = string(buf[m[6]:m[7]])+":"+string(buf[m[8]:m[9]]), "IMAP LOGIN"
		case m[10] >= 0:
			raw, _ := base64.StdEncoding.DecodeString(string(buf[m[10]:m[11]]))
			v, label = strings.ReplaceAll(string(raw), "\x00", ":"), "SMTP AUTH PLAIN"
		case m[12] >= 0:
			raw, _ := base64.StdEncoding.DecodeString(string(buf[m[12]:m[13]]))
			v, label = string(raw), "HTTP Basic authorization"
		}
		fs = append(fs, finding{from: fromCredentials, dataType: Credentials, label: label, value: v, off: m[0], n: m[1] - m[0]})
	}
	return fs
}

func (in *Inspector) knownMAC(s string) bool {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return false
	}
	return in.macsSeen[capture.MAC(hw)]
}

func protocolOf(p *capture.Packet) string {
	if p.Flow.App != "" {
		return p.Flow.App
	}
	return p.Transport.String()
}

// excerpt returns the match with a little context, control bytes shown
// as dots; reports escape and redact it further.
func excerpt(b []byte, off, n int) string {
	lo := max(0, off-excerptRadius)
	hi := min(len(b), off+n+excerptRadius)
	out := make([]byte, 0, hi-lo)
	for _, c := range b[lo:hi] {
		if c < 0x20 || c >= 0x7f {
			c = '.'
		}
		out = append(out, c)
	}
	return string(out)
}

// mayHoldCredentials is the cheap test that gates credRe; low is the
// lower-cased payload.
func mayHoldCredentials(low []byte) bool {
	// The tokens credRe needs: "user"/"pass" commands at the start of a
	// line ("user" alone would match every User-Agent header), LOGIN, AUTH
	// PLAIN and the HTTP Basic header anywhere. Three scans: line starts,
	// "auth", " login ".
	for i := 0; ; {
		if line := low[i:]; bytes.HasPrefix(line, []byte("user ")) || bytes.HasPrefix(line, []byte("pass ")) {
			return true
		}
		j := bytes.IndexByte(low[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	for i := 0; ; {
		j := bytes.Index(low[i:], []byte("auth"))
		if j < 0 {
			break
		}
		i += j
		if rest := low[i:]; bytes.HasPrefix(rest, []byte("auth plain")) || bytes.HasPrefix(rest, []byte("authorization:")) {
			return true
		}
		i++
	}
	return bytes.Contains(low, []byte(" login "))
}

// mostlyText reports whether at least 70% of b is printable ASCII.
func mostlyText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	n := 0
	for _, c := range b {
		n += int(textByte[c])
	}
	return n*10 >= len(b)*7
}

// textByte is 1 for printable ASCII, CR, LF and tab: a table look-up per
// byte costs no branch, whatever the payload.
var textByte = func() (t [256]uint8) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = 1
	}
	t['\r'], t['\n'], t['\t'] = 1, 1, 1
	return t
}()

// fsDone reports whether both directions of the packet's flow are past
// their inspection budgets, so the flow need not be shown again.
func fsDone(p *capture.Packet) bool {
	st := p.State()
	fs, _ := (*st).(*flowState)
	return fs != nil && fs.dir[0].histN >= entropySample && fs.dir[1].histN >= entropySample
}
