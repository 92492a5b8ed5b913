package capture

import (
	"slices"
	"time"
)

// Flow expiry without walking the table. Each flow is on one of the
// scanner's intrusive lists, open or closed (FIN both ways or RST), kept
// in the order the flows were last touched: a packet moves its flow to
// the end of its list. A sweep walks each list from its start and stops
// where no later flow can have expired, so it touches the expired flows
// and few others.
//
// Where to stop: when a packet touches a flow, the flow's Last is at most
// the scanner's clock (now) and at least now minus maxLate, the largest
// lateness seen (how much older than the newest packet a packet was:
// zero on a capture in time order). Between clock steps now only grows,
// so for a flow q before a flow r on a list, Last(q) <= now when q was
// touched <= now when r was touched <= Last(r) + maxLate. Once a flow's
// Last minus maxLate is past the cut-off, every later flow's Last is past
// it too.
//
// A clock step (see Scanner.Packet) sweeps the whole table, as before,
// and puts the flows left back on the lists in the order of Last. Those
// of the later time base are then last seen after now and idle by the
// distance (see sweepAll): they wait on a third list, ahead, that every
// sweep walks whole until the clock passes their Last. It is empty on a
// capture whose clock never goes back.
//
// The set of flows a sweep retires is exactly the set the walk of the
// whole table found (TestExpiryListsMatchFullWalk), and retire orders
// them by their start, so the result does not change.

// Which list a flow is on (Flow.list).
const (
	noList = iota
	openList
	closedList
	aheadList
	nLists
)

// flowList is a doubly linked list of flows through Flow.prev and
// Flow.next.
type flowList struct {
	head, tail *Flow
}

func (s *Scanner) pushBack(l uint8, f *Flow) {
	ls := &s.lists[l]
	f.list, f.prev, f.next = l, ls.tail, nil
	if ls.tail != nil {
		ls.tail.next = f
	} else {
		ls.head = f
	}
	ls.tail = f
}

// unlink takes f off its list, if it is on one.
func (s *Scanner) unlink(f *Flow) {
	if f.list == noList {
		return
	}
	ls := &s.lists[f.list]
	if f.prev != nil {
		f.prev.next = f.next
	} else {
		ls.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else {
		ls.tail = f.prev
	}
	f.list, f.prev, f.next = noList, nil, nil
}

// listOf is the list f belongs on: ahead of the scanner's clock, closed,
// or open.
func (s *Scanner) listOf(f *Flow) uint8 {
	switch {
	case f.Last.After(s.now):
		return aheadList
	case f.Closed:
		return closedList
	}
	return openList
}

// touch moves f, just updated by a packet, to the end of its list.
func (s *Scanner) touch(f *Flow) {
	var l uint8
	if f.Last == s.now {
		// The usual case, a packet at the clock's time: not ahead, and
		// no lateness, without comparing times.
		l = openList
		if f.Closed {
			l = closedList
		}
	} else if l = s.listOf(f); l != aheadList && f.Last.Before(s.now) { // else no lateness
		if late := s.now.Sub(f.Last); late > s.maxLate {
			s.maxLate = late
		}
	}
	if f.list == l && (l == aheadList || s.lists[l].tail == f) {
		return
	}
	s.unlink(f)
	s.pushBack(l, f)
}

// expiredAhead appends to fs the flows of the ahead list that are
// expired, idleness counted both ways from now, and moves those the
// clock has passed to the end of their list.
func (s *Scanner) expiredAhead(fs []*Flow) []*Flow {
	for f := s.lists[aheadList].head; f != nil; {
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

// expired appends to fs the flows of list l last seen at or before cut.
func (s *Scanner) expired(l uint8, cut time.Time, fs []*Flow) []*Flow {
	for f := s.lists[l].head; f != nil; f = f.next {
		if !f.Last.After(cut) {
			fs = append(fs, f)
		} else if f.Last.Add(-s.maxLate).After(cut) {
			break // every later flow was last seen after cut
		}
	}
	return fs
}

// relist puts the flows left after a clock step back on their lists in
// the order of Last, as if each had been touched when it was last seen
// (lateness starts again from zero), and those last seen after now on
// the ahead list.
func (s *Scanner) relist() {
	var fs []*Flow
	for l := range s.lists {
		for f := s.lists[l].head; f != nil; f = f.next {
			fs = append(fs, f)
		}
		s.lists[l] = flowList{}
	}
	slices.SortStableFunc(fs, func(a, b *Flow) int { return a.Last.Compare(b.Last) })
	s.maxLate = 0
	for _, f := range fs {
		s.pushBack(s.listOf(f), f) // in the order of Last: no lateness
	}
}
