package capture

import (
	"sync"
	"sync/atomic"
)

// Syncer is implemented by dissectors that work on a goroutine of their
// own (see Async). The scanner drives them through a flow's end in two
// steps, one sweep apart, so that it never waits for them in the common
// case:
//
//   - when flows leave the table, End queues each flow's end after its
//     packets, and Mark queues a marker;
//   - at the next sweep, SyncTo(marker) waits (usually not at all) until
//     the dissector has passed the marker and emits, in order, the events
//     it found up to there; Finish then copies what it noted to the flow,
//     and the flow goes to the sink.
//
// Stop, called by Flush, ends the goroutine. All five methods are called
// on the scanner's goroutine; the dissector's own goroutine is the
// Syncer's business. Events SyncTo emits go to the scanner's sink on the
// scanner's goroutine, so the sink sees one caller either way.
type Syncer interface {
	End(f *Flow, state any)
	Mark() uint64
	SyncTo(mark uint64, emit func(Event))
	Finish(f *Flow, state any)
	Stop()
}

// DirBudget is implemented by dissectors that read only the first bytes
// of each direction of a flow. Async stops queueing a direction once that
// many payload bytes of it (counted as they arrive, retransmissions
// included) are queued, and stops calling the dissector for the flow once
// both directions are past their budgets.
type DirBudget interface {
	DirBudget(dir int) int
}

// Decliner is implemented by dissectors that can tell from a packet's
// flow and direction alone that they would do nothing with it: Async then
// neither copies nor queues the packet. Declines is called on the
// scanner's goroutine while the dissector may be working on its own, so
// it must read only f, dir and what does not change during the scan.
type Decliner interface {
	// Declines reports whether Dissect would return at once for a packet
	// of direction dir on f, without reading it or changing anything,
	// and done, whether it would call Done first.
	Declines(f *Flow, dir int) (skip, done bool)
}

// Async runs a dissector on a goroutine of its own, so that a costly one
// (payload inspection) uses a second core while the scanner decodes and
// runs the others.
//
// The result is the same as with NewDeferred, which runs d on the
// scanner's goroutine, and the same from run to run: d sees the packets in
// order, each with a snapshot of its flow as it was when the packet
// arrived (the whole Flow value but for Notes; see flowSnapshot), and
// its events reach the sink at the scanner's sweeps, which depend on
// capture time only, in the order d emitted them. d works on a shadow of
// each flow; what it notes there (Notes) is copied back before
// the flow reaches the sink. d's FlowEnd runs on d's goroutine too.
//
// Payloads are copied into batches; at most asyncQueue batches wait, so
// memory stays bounded when d is slower than the scanner (the scanner
// then waits).
type Async struct {
	d      Dissector
	fe     FlowEnder
	budget DirBudget
	dec    Decliner
	inline bool

	// Scanner side.
	cur      *asyncBatch
	spare    []*asyncFlow // ended flows' states, to use again (see Finish)
	ch       chan *asyncBatch
	free     chan *asyncBatch
	exited   chan struct{}
	running  bool
	made     int // batches made, asyncBatches at most; free holds them all
	nextMark uint64
	out      []Event // SyncTo's copy of the events it hands on

	// Shared: events the dissector emitted and not yet handed on, and
	// where each marker fell among them.
	mu      sync.Mutex
	cond    *sync.Cond
	events  []Event
	marks   []asyncMark
	reached uint64

	// Dissector side.
	pkt   Packet
	emitW func(Event)
}

type asyncMark struct {
	id uint64
	n  int // len(events) when the dissector reached the marker
}

const (
	asyncQueue      = 4              // batches waiting for the worker
	asyncBatches    = asyncQueue + 2 // made in all: those waiting, the worker's, the one being filled
	asyncBatchItems = 256            // packets per batch
	asyncBatchBytes = 256 << 10      // payload bytes per batch
)

// NewAsync wraps d to run on a goroutine of its own.
func NewAsync(d Dissector) *Async {
	a := &Async{d: d, free: make(chan *asyncBatch, asyncBatches)}
	a.fe, _ = d.(FlowEnder)
	a.budget, _ = d.(DirBudget)
	a.dec, _ = d.(Decliner)
	a.cond = sync.NewCond(&a.mu)
	a.emitW = func(e Event) {
		a.mu.Lock()
		a.events = append(a.events, e)
		a.mu.Unlock()
	}
	return a
}

// NewDeferred wraps d like NewAsync but runs it on the caller's goroutine:
// the same result (events held until the sweep, flows seen through
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
	queued [2]int // payload bytes queued per direction
	// done is set by the worker when d called Done on the shadow: the
	// scanner stops queueing the flow's packets (those already queued
	// are skipped by the worker).
	done atomic.Bool
}

type itemKind uint8

const (
	itemPacket itemKind = iota
	itemDo
	itemEnd
	itemMark
)

type asyncItem struct {
	kind   itemKind
	af     *asyncFlow
	meta   Meta
	off, n int // payload within the batch's data
	dir    int
	seq    uint32
	flags  uint8 // syn, fin, rst, truncated
	snap   flowSnapshot
	fn     func()
	mark   uint64
}

// flowSnapshot is the real flow as it was when a packet arrived (or when
// the flow ended), for the shadow: the whole value, so that whatever
// field of Flow d reads it sees as a dissector on the scanner's goroutine
// would. Only what the scanner's goroutine keeps changing, and d must not
// share, is left out: Notes (the shadow keeps its own, copied back by
// Finish), the dissector slots and Done bits (the shadow has its own for
// d), and the expiry-list links.
type flowSnapshot struct{ f Flow }

func snapshotOf(f *Flow) flowSnapshot {
	var s flowSnapshot
	s.set(f)
	return s
}

// set makes s a snapshot of f.
func (s *flowSnapshot) set(f *Flow) {
	s.f = *f
	s.f.Notes, s.f.state, s.f.skip, s.f.skipMore = nil, nil, 0, nil
	s.f.list, s.f.prev, s.f.next = 0, nil, nil
}

// apply makes sh the snapshot's flow, keeping what is the shadow's own.
func (s *flowSnapshot) apply(sh *Flow) {
	notes, state, skip, skipMore := sh.Notes, sh.state, sh.skip, sh.skipMore
	*sh = s.f
	sh.Notes, sh.state, sh.skip, sh.skipMore = notes, state, skip, skipMore
}

// lend exchanges between f and sh what a shadow keeps of its own (see
// apply): Notes, the dissector slots and Done bits. On the caller's
// goroutine d is shown f itself with the shadow's own lent to it, for the
// call, rather than a shadow made a copy of f (a Flow is 352 bytes, with
// pointers: a copy a packet, with its write barriers, cost more than the
// exchange before and after): d sees every field but those as a snapshot
// would show it, and what it changes of those lands in the shadow when
// lend runs again. (d also sees the expiry-list links, which a snapshot
// clears; they are unexported, and no dissector of this package is run
// behind Async.)
func lend(f, sh *Flow) {
	f.Notes, sh.Notes = sh.Notes, f.Notes
	f.state, sh.state = sh.state, f.state
	f.skip, sh.skip = sh.skip, f.skip
	f.skipMore, sh.skipMore = sh.skipMore, f.skipMore
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
		if n := len(a.spare); n > 0 {
			af, a.spare = a.spare[n-1], a.spare[:n-1]
		} else {
			af = &asyncFlow{}
		}
		*st = af
	}
	if af.done.Load() {
		p.Done()
		return
	}
	if a.budget != nil {
		// Past what d reads of a direction, its bytes are not copied.
		if af.queued[p.Dir] >= a.budget.DirBudget(p.Dir) {
			if af.queued[1-p.Dir] >= a.budget.DirBudget(1-p.Dir) {
				p.Done()
			}
			return
		}
		af.queued[p.Dir] += len(p.Payload)
	}
	if a.dec != nil {
		// What d would skip it need not see: the shadow misses this
		// packet's snapshot, but each packet d does see (and the flow's
		// end) brings a whole one. The bytes still count to the budget
		// above, as they did when d was handed them.
		if skip, done := a.dec.Declines(p.Flow, p.Dir); skip {
			if done {
				p.Done()
			}
			return
		}
	}
	if a.inline {
		// On the caller's goroutine the flow as it is now is the
		// snapshot: d is shown p.Flow itself, with the shadow's own
		// lent to it (see lend), without the item's copy in between
		// (some 350 bytes a packet); and p itself, as the scanner shows
		// it to every dissector, with its slot made the shadow's (d's
		// only, 0) for the call, rather than a copy (with its write
		// barriers) for d.
		sh := &af.shadow
		if sh.done(0) {
			return
		}
		f := p.Flow
		slot, slots, spare := p.slot, p.slots, p.spare
		p.slot, p.slots, p.spare = 0, 0, nil
		lend(f, sh)
		a.dissect(p)
		lend(f, sh)
		p.slot, p.slots, p.spare = slot, slots, spare
		if sh.done(0) {
			af.done.Store(true)
			p.Done()
		}
		return
	}
	var flags uint8
	for i, set := range [...]bool{p.SYN, p.FIN, p.RST, p.Truncated} {
		if set {
			flags |= 1 << i
		}
	}
	// The item is filled in place in the batch: an item is some 500
	// bytes, most of them the flow's snapshot, and building it aside
	// then appending it copied it twice.
	b := a.batch()
	if len(b.data)+len(p.Payload) > cap(b.data) && len(b.items) > 0 {
		// Sent first rather than grown: the arena keeps its size.
		a.send()
		b = a.batch()
	}
	b.items = append(b.items, asyncItem{})
	it := &b.items[len(b.items)-1]
	it.kind, it.af, it.meta, it.dir, it.seq, it.flags = itemPacket, af, p.Meta, p.Dir, p.TCPSeq, flags
	it.snap.set(p.Flow)
	it.off, it.n = len(b.data), len(p.Payload)
	b.data = append(b.data, p.Payload...)
	a.full(b)
}

// Do runs fn on the worker, after the packets queued so far and before
// later ones: the way to change the dissector's configuration mid-scan
// (the inspector learns a device's host name from DHCP, say).
func (a *Async) Do(fn func()) {
	a.enqueue(asyncItem{kind: itemDo, fn: fn})
}

// End implements Syncer: d's FlowEnd runs on the shadow after the flow's
// queued packets, with the flow as it ended.
func (a *Async) End(f *Flow, state any) {
	af, ok := state.(*asyncFlow)
	if !ok {
		return
	}
	if a.inline {
		// What process does with the item, on f with the shadow's own
		// lent to it as Dissect does: no item (some 500 bytes) to build
		// and copy from.
		lend(f, &af.shadow)
		a.end(f)
		lend(f, &af.shadow)
		return
	}
	a.enqueue(asyncItem{kind: itemEnd, af: af, snap: snapshotOf(f)})
}

// Mark implements Syncer.
func (a *Async) Mark() uint64 {
	a.nextMark++
	a.enqueue(asyncItem{kind: itemMark, mark: a.nextMark})
	if !a.inline {
		// Sent now, the worker passes the marker while the scanner goes
		// on, and SyncTo at the next sweep finds it passed.
		a.send()
	}
	return a.nextMark
}

func (a *Async) enqueue(it asyncItem) {
	if a.inline {
		a.process(&it, nil)
		return
	}
	a.queue(a.batch(), it)
}

func (a *Async) queue(b *asyncBatch, it asyncItem) {
	b.items = append(b.items, it)
	a.full(b)
}

// full sends b, the batch being filled, once it is full.
func (a *Async) full(b *asyncBatch) {
	if len(b.items) >= asyncBatchItems || len(b.data) >= asyncBatchBytes {
		a.send()
	}
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
			if a.made < asyncBatches {
				a.made++
				a.cur = &asyncBatch{items: make([]asyncItem, 0, asyncBatchItems), data: make([]byte, 0, asyncBatchBytes)}
			} else {
				// All are made: asyncQueue wait in the channel at most and
				// the worker holds one, so one is back in free, or soon.
				a.cur = <-a.free
			}
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
		a.free <- b // never blocks: free has room for every batch made
	}
}

// process runs one queued item (on the worker, or inline).
func (a *Async) process(it *asyncItem, payload []byte) {
	switch it.kind {
	case itemDo:
		it.fn()
	case itemMark:
		a.mu.Lock()
		a.marks = append(a.marks, asyncMark{id: it.mark, n: len(a.events)})
		a.reached = it.mark
		a.cond.Broadcast()
		a.mu.Unlock()
	case itemEnd:
		sh := &it.af.shadow
		it.snap.apply(sh)
		a.end(sh)
	case itemPacket:
		f := &it.af.shadow
		if f.done(0) {
			return
		}
		it.snap.apply(f)
		a.pkt = Packet{Meta: it.meta, Payload: payload, Flow: f, Dir: it.dir, TCPSeq: it.seq,
			SYN: it.flags&1 != 0, FIN: it.flags&2 != 0, RST: it.flags&4 != 0, Truncated: it.flags&8 != 0}
		a.dissect(&a.pkt)
		if f.done(0) {
			it.af.done.Store(true)
		}
	}
}

// end runs d's FlowEnd on sh, the shadow of a flow that ended (as it
// ended), and drops d's state.
func (a *Async) end(sh *Flow) {
	if a.fe != nil && len(sh.state) > 0 && sh.state[0] != nil {
		a.flowEnd(sh)
	}
	// Emptied, the slice is kept for the next flow to use af (see
	// Finish): State would otherwise make one for each.
	clear(sh.state)
	sh.state = sh.state[:0]
}

// dissect and flowEnd run d on the worker as the scanner runs a
// dissector: a panic is a note on the flow (on the shadow, copied back by
// Finish) and, in dissect, the end of d's work on the flow. Without the
// recover a panic here, on the worker's goroutine, would end the process.
func (a *Async) dissect(p *Packet) {
	defer func() {
		if r := recover(); r != nil {
			p.Flow.Note(PanicNote(a.d.Name()))
			p.Flow.setDone(0)
		}
	}()
	a.d.Dissect(p, a.emitW)
}

func (a *Async) flowEnd(sh *Flow) {
	defer func() {
		if r := recover(); r != nil {
			sh.Note(PanicNote(a.d.Name()))
		}
	}()
	a.fe.FlowEnd(sh, sh.state[0], a.emitW)
}

// SyncTo implements Syncer: it waits until the dissector has passed the
// marker, then emits the events it found before it, in order.
func (a *Async) SyncTo(mark uint64, emit func(Event)) {
	if !a.inline {
		a.send() // the marker may sit in the batch being filled
	}
	a.mu.Lock()
	for a.reached < mark {
		a.cond.Wait()
	}
	n := 0
	for len(a.marks) > 0 && a.marks[0].id <= mark {
		n = a.marks[0].n
		a.marks = a.marks[1:]
	}
	out := append(a.out[:0], a.events[:n]...)
	rest := copy(a.events, a.events[n:])
	clear(a.events[rest:])
	a.events = a.events[:rest]
	for i := range a.marks {
		a.marks[i].n -= n
	}
	a.mu.Unlock()
	for _, e := range out {
		emit(e)
	}
	clear(out) // the sink has the events; the next SyncTo uses out again
	a.out = out[:0]
}

// Finish implements Syncer: after SyncTo has passed the flow's end, what
// d noted on the shadow is copied to f.
func (a *Async) Finish(f *Flow, state any) {
	af, ok := state.(*asyncFlow)
	if !ok {
		return
	}
	sh := &af.shadow
	for note, n := range sh.Notes {
		if f.Notes == nil {
			f.Notes = make(map[string]int, len(sh.Notes))
		}
		f.Notes[note] += n
	}
	// The worker is past the flow's end (SyncTo waited for it) and the
	// scanner drops the flow's states after Finish: nothing refers to af
	// any more, and the next flow may use it. A shadow is a whole Flow
	// (a third of what a flow costs, allocated once per flow with
	// payload); the spares kept are bounded, past a sweep's worth.
	if len(a.spare) < maxSpareFlows {
		// The slice of d's slots (emptied by end, or now if the flow
		// was never ended) is kept.
		clear(sh.state)
		*af = asyncFlow{shadow: Flow{state: sh.state[:0]}}
		a.spare = append(a.spare, af)
	}
}

// maxSpareFlows bounds the ended flows' states an Async keeps to use
// again (about 400 bytes each).
const maxSpareFlows = 4096

// Stop implements Syncer: the worker finishes what is queued and exits.
// Events not yet handed on stay until the next SyncTo.
func (a *Async) Stop() {
	if a.running {
		a.send()
		close(a.ch)
		<-a.exited
		a.running, a.ch = false, nil
	}
}
