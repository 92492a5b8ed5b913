package capture

import (
	"slices"
	"time"
)

// Flow expiry without walking the table. Each flow is on one of two
// intrusive lists, open or closed (FIN both ways or RST), kept in the
// order the flows were last touched: a packet moves its flow to the end
// of its list. A sweep walks each list from its start and stops where
// no later flow can have expired, so it touches the expired flows and
// few others.
//
// Where to stop: when a flow is touched, its Last is at most the
// scanner's clock (now) and at least now minus maxLate, the largest
// lateness ever seen (a packet older than the newest one: zero on a
// capture in time order). The lists are in the order of touched, which
// only grows between clock steps, so once a flow's touched minus maxLate
// is past the cut-off, every flow after it has its Last past the cut-off
// too. A clock step (see Scanner.Packet) sweeps the whole table, as
// before, and rebuilds the lists in the order of Last.
//
// After a clock step, flows of the later time base that were not idle
// long enough to leave are last seen after now, and idle by the distance
// (see sweepAll): they wait on a third list, ahead, that every sweep
// walks whole, until the clock passes their Last. It is empty on a
// capture whose clock never goes back.
//
// The set of flows a sweep retires is exactly the set the walk of the
// whole table found (TestExpiryListsMatchFullWalk), and retire orders
// them by their start, so the result does not change.

// flowList is a doubly linked list of flows through Flow.prev and
// Flow.next.
type flowList struct {
	head, tail *Flow
}

func (l *flowList) pushBack(f *Flow) {
	f.list, f.prev, f.next = l, l.tail, nil
	if l.tail != nil {
		l.tail.next = f
	} else {
		l.head = f
	}
	l.tail = f
}

func (l *flowList) remove(f *Flow) {
	if f.prev != nil {
		f.prev.next = f.next
	} else {
		l.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else {
		l.tail = f.prev
	}
	f.list, f.prev, f.next = nil, nil, nil
}

// touch moves f, just updated by a packet, to the end of its list.
func (s *Scanner) touch(f *Flow) {
	if f.Last.After(s.now) {
		if f.list != &s.ahead {
			unlink(f)
			s.ahead.pushBack(f)
		}
		return
	}
	if late := s.now.Sub(f.Last); late > s.maxLate {
		s.maxLate = late
	}
	f.touched = s.now
	l := &s.open
	if f.Closed {
		l = &s.closed
	}
	if f.list == l && l.tail == f {
		return
	}
	if f.list != nil {
		f.list.remove(f)
	}
	l.pushBack(f)
}

// unlink takes f off its list.
func unlink(f *Flow) {
	if f.list != nil {
		f.list.remove(f)
	}
}

// expiredAhead appends to fs the flows of the ahead list that are
// expired, idleness counted both ways from now, and moves those the
// clock has passed to the end of their list.
func (s *Scanner) expiredAhead(fs []*Flow) []*Flow {
	for f := s.ahead.head; f != nil; {
		next := f.next
		idle := f.Last.Sub(s.now)
		if idle < 0 {
			idle = -idle
		}
		switch {
		case idle >= s.opts.IdleTimeout || (f.Closed && idle >= s.opts.ClosedTimeout):
			fs = append(fs, f)
		case !f.Last.After(s.now):
			s.touch(f)
		}
		f = next
	}
	return fs
}

// expired appends to ids the flows of l last seen at or before cut.
func (s *Scanner) expired(l *flowList, cut time.Time, ids []*Flow) []*Flow {
	for f := l.head; f != nil; f = f.next {
		if !f.Last.After(cut) {
			ids = append(ids, f)
		} else if f.touched.Add(-s.maxLate).After(cut) {
			break // every later flow was last seen after cut
		}
	}
	return ids
}

// relist puts the flows left after a clock step back on their lists in
// the order of Last, each touched at its Last, so the lists are in the
// order of touched again (lateness starts again from zero), and those
// last seen after now on the ahead list.
func (s *Scanner) relist() {
	for _, l := range []*flowList{&s.open, &s.closed, &s.ahead} {
		var fs []*Flow
		for f := l.head; f != nil; {
			next := f.next
			f.prev, f.next, f.list = nil, nil, nil
			fs = append(fs, f)
			f = next
		}
		*l = flowList{}
		slices.SortStableFunc(fs, func(a, b *Flow) int { return a.Last.Compare(b.Last) })
		for _, f := range fs {
			f.touched = f.Last
			if f.Last.After(s.now) {
				s.ahead.pushBack(f)
				continue
			}
			l.pushBack(f)
		}
	}
	s.maxLate = 0
}
