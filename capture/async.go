package capture

import "sync/atomic"

// Syncer is implemented by dissectors that work on a goroutine of their
// own (see Async). The scanner calls Sync before it hands flows to the
// sink: the dissector finishes what it was given and emits, on the
// scanner's goroutine and in order, every event it found so far.
type Syncer interface {
	Sync(emit func(Event))
}

// Async runs a dissector on a goroutine of its own, so that a costly one
// (payload inspection) uses a second core while the scanner decodes and
// runs the others.
//
// The result is the same as running d in the scanner's own loop, and the
// same from run to run: d sees the packets in order, each with a snapshot
// of its flow as it was when the packet arrived (App, SawSYN, StreamStart,
// ServerName, Closed), and its events reach the sink at the scanner's
// sweeps, which depend on capture time only, in the order d emitted them.
// d works on a shadow of each flow: what it notes there (Notes, Entropy)
// is copied back when the flow ends; its FlowEnd runs on the scanner's
// goroutine once d is idle.
//
// Payloads are copied into batches; at most asyncQueue batches wait, so
// memory stays bounded when d is slower than the scanner (the scanner
// then waits). The goroutine exists only between two syncs: a Scanner
// whose Flush was called leaves none behind.
type Async struct {
	d  Dissector
	fe FlowEnder

	cur     *asyncBatch
	ch      chan *asyncBatch
	free    chan *asyncBatch
	exited  chan struct{}
	running bool

	// events is written by the worker and read by Sync once the worker
	// has exited.
	events []Event
	emitW  func(Event)
	pkt    Packet // the worker's
	inline bool
}

const (
	asyncQueue      = 4         // batches waiting for the worker
	asyncBatchItems = 256       // packets per batch
	asyncBatchBytes = 256 << 10 // payload bytes per batch
)

// NewAsync wraps d. If d implements FlowEnder, so does the wrapper.
func NewAsync(d Dissector) *Async {
	a := &Async{d: d, free: make(chan *asyncBatch, asyncQueue+2)}
	a.fe, _ = d.(FlowEnder)
	a.emitW = func(e Event) { a.events = append(a.events, e) }
	return a
}

// NewDeferred wraps d like NewAsync, but runs it on the caller's
// goroutine: the same result (events held until Sync, flows seen through
// snapshots), without the copies, for a single core.
func NewDeferred(d Dissector) *Async {
	a := NewAsync(d)
	a.inline = true
	return a
}

// Name implements Dissector.
func (a *Async) Name() string { return a.d.Name() }

// asyncFlow is the wrapper's per-flow state in the scanner's slot.
type asyncFlow struct {
	shadow Flow
	// done is set by the worker when d called Done on the shadow: the
	// scanner stops queueing the flow's packets (those already queued
	// are skipped by the worker).
	done atomic.Bool
}

type asyncItem struct {
	af     *asyncFlow
	meta   Meta
	off, n int // payload within the batch's data
	dir    int
	seq    uint32
	flags  uint8 // syn, fin, rst, truncated
	snap   flowSnapshot
	fn     func() // set for Do: run in order with the packets
}

// flowSnapshot is what of the real flow the worker copies to the shadow
// before each packet.
type flowSnapshot struct {
	app, serverName string
	sawSYN          [2]bool
	streamStart     [2]uint32
	closed          bool
	packets, bytes  [2]uint64
}

type asyncBatch struct {
	items []asyncItem
	data  []byte
}

// Dissect implements Dissector: it queues the packet for the worker.
func (a *Async) Dissect(p *Packet, emit func(Event)) {
	st := p.State()
	af, _ := (*st).(*asyncFlow)
	if af == nil {
		f := p.Flow
		af = &asyncFlow{shadow: Flow{Key: f.Key, ClientMAC: f.ClientMAC, ServerMAC: f.ServerMAC, File: f.File,
			FirstPkt: f.FirstPkt, First: f.First}}
		*st = af
	}
	if af.done.Load() {
		p.Done()
		return
	}
	it := asyncItem{af: af, meta: p.Meta, n: len(p.Payload), dir: p.Dir, seq: p.TCPSeq, snap: snapshotOf(p.Flow)}
	for i, set := range [...]bool{p.SYN, p.FIN, p.RST, p.Truncated} {
		if set {
			it.flags |= 1 << i
		}
	}
	if a.inline {
		a.process(&it, p.Payload)
		if af.done.Load() {
			p.Done()
		}
		return
	}
	b := a.batch()
	it.off = len(b.data)
	b.data = append(b.data, p.Payload...)
	b.items = append(b.items, it)
	if len(b.items) >= asyncBatchItems || len(b.data) >= asyncBatchBytes {
		a.send()
	}
}

// Do runs fn on the worker, after the packets queued so far and before
// later ones: the way to change the dissector's configuration mid-scan
// (the inspector learns a device's host name from DHCP, say).
func (a *Async) Do(fn func()) {
	if a.inline {
		fn()
		return
	}
	b := a.batch()
	b.items = append(b.items, asyncItem{fn: fn})
}

// batch returns the batch being filled, starting the worker if needed.
func (a *Async) batch() *asyncBatch {
	if !a.running {
		a.ch = make(chan *asyncBatch, asyncQueue)
		a.exited = make(chan struct{})
		a.running = true
		go a.work(a.ch, a.exited)
	}
	if a.cur == nil {
		select {
		case a.cur = <-a.free:
		default:
			a.cur = &asyncBatch{items: make([]asyncItem, 0, asyncBatchItems), data: make([]byte, 0, asyncBatchBytes)}
		}
	}
	return a.cur
}

func (a *Async) send() {
	if a.cur != nil {
		a.ch <- a.cur
		a.cur = nil
	}
}

func (a *Async) work(ch <-chan *asyncBatch, exited chan<- struct{}) {
	defer close(exited)
	for b := range ch {
		for i := range b.items {
			it := &b.items[i]
			a.process(it, b.data[it.off:it.off+it.n:it.off+it.n])
		}
		clear(b.items) // drop references to flows and closures
		b.items, b.data = b.items[:0], b.data[:0]
		select {
		case a.free <- b:
		default:
		}
	}
}

// process runs d on one queued item.
func (a *Async) process(it *asyncItem, payload []byte) {
	if it.fn != nil {
		it.fn()
		return
	}
	f := &it.af.shadow
	if f.skip&1 != 0 {
		return
	}
	it.snap.apply(f)
	f.Last = it.meta.Time
	a.pkt = Packet{Meta: it.meta, Payload: payload, Flow: f, Dir: it.dir, TCPSeq: it.seq,
		SYN: it.flags&1 != 0, FIN: it.flags&2 != 0, RST: it.flags&4 != 0, Truncated: it.flags&8 != 0}
	a.d.Dissect(&a.pkt, a.emitW)
	if f.skip&1 != 0 {
		it.af.done.Store(true)
	}
}

func snapshotOf(f *Flow) flowSnapshot {
	return flowSnapshot{app: f.App, serverName: f.ServerName, sawSYN: f.SawSYN, streamStart: f.StreamStart,
		closed: f.Closed, packets: f.Packets, bytes: f.Bytes}
}

func (s *flowSnapshot) apply(f *Flow) {
	f.App, f.ServerName, f.SawSYN, f.StreamStart, f.Closed = s.app, s.serverName, s.sawSYN, s.streamStart, s.closed
	f.Packets, f.Bytes = s.packets, s.bytes
}

// Sync implements Syncer: it waits until the worker has processed every
// queued packet, then emits the events it found, in order.
func (a *Async) Sync(emit func(Event)) {
	if a.running {
		a.send()
		close(a.ch)
		<-a.exited
		a.running, a.ch = false, nil
	}
	for i, e := range a.events {
		emit(e)
		a.events[i] = nil
	}
	a.events = a.events[:0]
}

// FlowEnd implements FlowEnder: d's FlowEnd sees the shadow flow, and what
// d noted there is copied to f. The scanner has called Sync before; if
// not, FlowEnd syncs itself.
func (a *Async) FlowEnd(f *Flow, state any, emit func(Event)) {
	af, ok := state.(*asyncFlow)
	if !ok {
		return
	}
	if a.running {
		a.Sync(emit)
	}
	sh := &af.shadow
	// d's FlowEnd sees the flow as it ended, not as it was at the last
	// packet d was given.
	snap := snapshotOf(f)
	snap.apply(sh)
	sh.Last = f.Last
	if a.fe != nil && len(sh.state) > 0 && sh.state[0] != nil {
		a.fe.FlowEnd(sh, sh.state[0], emit)
	}
	for note, n := range sh.Notes {
		if f.Notes == nil {
			f.Notes = make(map[string]int, len(sh.Notes))
		}
		f.Notes[note] += n
	}
	if sh.Entropy != "" {
		f.Entropy = sh.Entropy
	}
	sh.state = nil
}
