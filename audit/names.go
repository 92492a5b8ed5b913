package audit

import (
	"net/netip"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// nameRec is one name that DNS gave for an address, to one device.
type nameRec struct {
	name   string // what the device asked for
	cname  string // last CNAME target on the way, if any
	file   string
	packet uint64
	time   time.Time
}

// maxNamesPerAddr bounds how many distinct names one address keeps per
// device: a CDN address can front thousands of names in a long capture.
const maxNamesPerAddr = 32

// maxTableAddrs bounds one generation of a name table. When the current
// generation is full it becomes the previous one and a fresh one starts,
// so a table holds at most twice this many addresses however long the
// capture, and recent answers are never lost.
const maxTableAddrs = 1 << 15

// nameTable maps addresses to the names DNS answers gave for them.
type nameTable struct {
	cur, prev map[netip.Addr][]nameRec
	over      *limitCounts // names and addresses let go, counted as
	namesLim  limitID      // a name past maxNamesPerAddr
	addrLim   limitID      // an address forgotten with its generation
}

// newNameTable returns a table for one device's answers, or with global
// set for the answers to every client.
func newNameTable(over *limitCounts, global bool) *nameTable {
	// (cur is made by the first add: most devices are given no answers)
	t := &nameTable{over: over, namesLim: limDNSNamesPerAddr, addrLim: limDNSTable}
	if global {
		t.namesLim, t.addrLim = limDNSGlobalNamesPerAddr, limDNSGlobalTable
	}
	return t
}

func (t *nameTable) get(addr netip.Addr) []nameRec {
	if l, ok := t.cur[addr]; ok {
		return l
	}
	return t.prev[addr]
}

func (t *nameTable) add(addr netip.Addr, r nameRec) {
	list, ok := t.cur[addr]
	if !ok {
		if t.cur == nil {
			t.cur = map[netip.Addr][]nameRec{}
		}
		if old, found := t.prev[addr]; found {
			list = append([]nameRec(nil), old...)
		}
		if len(t.cur) >= maxTableAddrs {
			// The previous generation's addresses not seen since
			// are forgotten.
			for a := range t.prev {
				if _, ok := t.cur[a]; !ok {
					t.over.add(t.addrLim)
				}
			}
			t.prev, t.cur = t.cur, make(map[netip.Addr][]nameRec, maxTableAddrs/4)
		}
	}
	// A list found in cur is changed in place; one new to cur (empty,
	// or the previous generation's copied) is stored.
	for i := range list {
		if list[i].name == r.name {
			if r.time.After(list[i].time) {
				list[i].time = r.time // keep the latest time, first evidence
			}
			if !ok {
				t.cur[addr] = list
			}
			return
		}
	}
	if len(list) >= maxNamesPerAddr {
		t.over.add(t.namesLim)
		if !ok {
			t.cur[addr] = list
		}
		return
	}
	t.cur[addr] = append(list, r)
}

// best picks the name most recently resolved at or before t (plus a small
// slack for answers that race the first packet); failing that, the earliest
// one.
func (t *nameTable) best(addr netip.Addr, at time.Time) (nameRec, bool) {
	list := t.get(addr)
	if len(list) == 0 {
		return nameRec{}, false
	}
	limit := at.Add(2 * time.Second)
	var best nameRec
	found := false
	for _, r := range list {
		if !r.time.After(limit) && (!found || r.time.After(best.time)) {
			best, found = r, true
		}
	}
	if found {
		return best, true
	}
	best = list[0]
	for _, r := range list[1:] {
		if r.time.Before(best.time) {
			best = r
		}
	}
	return best, true
}

// resolveDNS turns one DNS response into address -> name records, following
// CNAME chains back to the question the client asked.
func resolveDNS(e *capture.DNSEvent, add func(netip.Addr, nameRec)) {
	if !e.Response || len(e.Answers) == 0 {
		return
	}
	// alias target -> owner name, to walk back from an A record's owner.
	parent := make(map[string]string, 4)
	for _, r := range e.Answers {
		if r.Type == "CNAME" && r.Data != "" && r.Name != r.Data {
			if _, ok := parent[r.Data]; !ok {
				parent[r.Data] = r.Name
			}
		}
	}
	for _, r := range e.Answers {
		if (r.Type != "A" && r.Type != "AAAA") || !r.Addr.IsValid() {
			continue
		}
		name, cname := r.Name, ""
		for i := 0; i < 16; i++ { // bounded: a hostile response can loop
			p, ok := parent[name]
			if !ok {
				break
			}
			if cname == "" {
				cname = r.Name
			}
			name = p
		}
		add(r.Addr.Unmap(), nameRec{name: name, cname: cname, file: e.File, packet: e.Packet, time: e.Time})
	}
}

// maxDoneFlows bounds one generation of the table of ended flows' names.
const maxDoneFlows = 1 << 14

// doneTable remembers the names of flows that have ended, in two
// generations like nameTable, so a later copy of the same flow (the same
// conversation in two overlapping input files) is named too.
type doneTable struct {
	cur, prev map[capture.FlowKey]doneName
}

// doneName is what of a flowName travels to a copy of its flow: the
// names, without the TLS details (a third of the size, in a table of up
// to 2*maxDoneFlows entries).
type doneName struct {
	name, source, file string
	packet             uint64
	alts               []result.NameSeen
}

func newDoneTable() *doneTable { return &doneTable{cur: map[capture.FlowKey]doneName{}} }

func (t *doneTable) add(k capture.FlowKey, fn *flowName) {
	if fn.name == "" && len(fn.alts) == 0 {
		return
	}
	if len(t.cur) >= maxDoneFlows {
		// The oldest generation's map is emptied and used again: a
		// long capture goes through many generations, and a map made
		// anew each time grew to its size again (a twentieth of what
		// a scan of big.pcap allocated).
		old := t.prev
		if old == nil {
			old = make(map[capture.FlowKey]doneName, maxDoneFlows)
		}
		clear(old)
		t.prev, t.cur = t.cur, old
	}
	// only the names travel to the copy; its TLS details are its own
	t.cur[k] = doneName{name: fn.name, source: fn.source, file: fn.file, packet: fn.packet, alts: fn.alts}
}

// get sets *into to the names of flow k, if kept, and reports whether
// they were.
func (t *doneTable) get(k capture.FlowKey, into *flowName) bool {
	dn, ok := t.cur[k]
	if !ok {
		dn, ok = t.prev[k]
	}
	*into = flowName{name: dn.name, source: dn.source, file: dn.file, packet: dn.packet, alts: dn.alts}
	return ok
}
