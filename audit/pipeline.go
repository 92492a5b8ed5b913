package audit

import (
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
)

// learner feeds what devices say about themselves (DHCP host names) to
// the payload inspector, so it can spot them later. It sits between the
// scanner and the Builder, on the scanner's goroutine, so what it learns
// is queued with the inspector in order with the packets.
type learner struct {
	next  capture.Sink
	in    *inspect.Inspector
	async *capture.Async
	seen  map[string]bool
	over  uint64 // names past maxLearnedNames, not learned
}

// maxLearnedNames bounds the host names the learner hands the inspector
// (each becomes some sixty patterns; the inspector bounds them too).
const maxLearnedNames = 4096

func (l *learner) Event(e capture.Event) {
	if d, ok := e.(*capture.DHCPEvent); ok && d.Hostname != "" && !isDHCPServerMessage(d) {
		k := keyFor(d.ClientMAC, d.Src.Addr())
		if !unicastMAC(d.ClientMAC) {
			k = keyFor(d.SrcMAC, d.Src.Addr())
		}
		dev := k.String()
		// Devices repeat their DHCP messages: each name once.
		if key := dev + "\x00" + d.Hostname; l.seen[key] {
			// already learned
		} else if len(l.seen) >= maxLearnedNames {
			l.over++
		} else {
			l.seen[key] = true
			forms := inspect.ValueForms(inspect.DeviceName, d.Hostname, dev)
			l.async.Do(func() { l.in.AddKnown(forms) })
		}
	}
	l.next.Event(e)
}

func (l *learner) Flow(f *capture.Flow) { l.next.Flow(f) }

// asyncSink hands events and flows to a Sink on a goroutine of its own,
// in order, so that the Builder's work (naming, aggregation) overlaps
// with the scan. It keeps events and flows past the call, in its batch,
// as capture.Sink allows: the scanner never touches them once handed
// on, so they need no copy. next (the Builder, and so its hooks) is
// called only from the goroutine newAsyncSink starts. Event and Flow are
// called from the scanner's goroutine; Close, from the same goroutine
// once the scan is over, hands on the last batch and waits until all is
// applied.
type asyncSink struct {
	next   capture.Sink
	cur    []sinkItem
	ch     chan []sinkItem
	free   chan []sinkItem
	exited chan struct{}
}

type sinkItem struct {
	e capture.Event
	f *capture.Flow
}

const sinkBatch = 512

func newAsyncSink(next capture.Sink) *asyncSink {
	s := &asyncSink{next: next, ch: make(chan []sinkItem, 8), free: make(chan []sinkItem, 10), exited: make(chan struct{})}
	go s.run()
	return s
}

func (s *asyncSink) run() {
	defer close(s.exited)
	for b := range s.ch {
		for _, it := range b {
			if it.f != nil {
				s.next.Flow(it.f)
			} else {
				s.next.Event(it.e)
			}
		}
		clear(b)
		select {
		case s.free <- b[:0]:
		default:
		}
	}
}

func (s *asyncSink) add(it sinkItem) {
	if s.cur == nil {
		select {
		case s.cur = <-s.free:
		default:
			s.cur = make([]sinkItem, 0, sinkBatch)
		}
	}
	s.cur = append(s.cur, it)
	if len(s.cur) >= sinkBatch {
		s.ch <- s.cur
		s.cur = nil
	}
}

func (s *asyncSink) Event(e capture.Event) { s.add(sinkItem{e: e}) }
func (s *asyncSink) Flow(f *capture.Flow)  { s.add(sinkItem{f: f}) }

// Close hands on what is left and waits until the sink has applied all.
func (s *asyncSink) Close() {
	if len(s.cur) > 0 {
		s.ch <- s.cur
		s.cur = nil
	}
	close(s.ch)
	<-s.exited
}
