package audit

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
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
	// got is the address get looked up last, and gotList what it
	// found, until add changes the table (gotOK says they are set): a
	// device's flows often follow one another to one peer, whose
	// look-up, found or not, is two in maps mostly out of the cache
	// (on big.pcap two in five look-ups are answered so).
	got      netip.Addr
	gotList  []nameRec
	gotOK    bool
	over     *limitCounts // names and addresses let go, counted as
	namesLim limitID      // a name past maxNamesPerAddr
	addrLim  limitID      // an address forgotten with its generation
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
	if t.gotOK && addr == t.got {
		return t.gotList
	}
	l, ok := t.cur[addr]
	if !ok {
		l = t.prev[addr]
	}
	t.got, t.gotList, t.gotOK = addr, l, true
	return l
}

func (t *nameTable) add(addr netip.Addr, r nameRec) {
	t.got, t.gotList, t.gotOK = netip.Addr{}, nil, false
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
// conversation in two overlapping input files) is named too: as two maps
// from FlowKey to doneName would, the newer generation holding at most
// maxDoneFlows flows and answering first.
//
// Every flow that ends is looked up, and almost none is found (on
// big.pcap one in two hundred), long after the table was last in the
// cache: so one table of 8-byte slots finds the flows of both
// generations, by a hash of the key, and a look-up that finds nothing
// mostly reads one cache line. (Two Go maps keyed by the 72-byte FlowKey
// read several each: their directory, table and group, in memory many
// times the size; their look-ups and assignments were over a quarter of
// what Builder.Flow cost.)
type doneTable struct {
	gens [2][]doneFlow // each generation's flows, in the order added
	cur  int           // the generation flows are added to
	// slots is open addressing with linear probing: a power of two
	// long, at least twice used. A slot is 0 when free, else the top
	// half of the flow's hash, its generation and its index there
	// plus one (doneSlot). Each flow in it is a different key: one
	// named again in the newer generation is found there, not in the
	// older (whose entry stays, unreachable, until the older is let
	// go).
	slots []uint64
	used  int
	seed  uint64 // of flowHash: a capture cannot choose keys that collide
}

// doneName is what of a flowName travels to a copy of its flow: the
// names, without the TLS details (a third of the size, in a table of up
// to 2*maxDoneFlows entries).
type doneName struct {
	name, source, file string
	packet             uint64
	alts               []result.NameSeen
}

type doneFlow struct {
	key capture.FlowKey
	doneName
}

func newDoneTable() *doneTable { return &doneTable{seed: rand.Uint64()} }

func (t *doneTable) add(k capture.FlowKey, fn *flowName) {
	if fn.name == "" && len(fn.alts) == 0 {
		return
	}
	if len(t.gens[t.cur]) >= maxDoneFlows {
		// The older generation is let go, its memory kept to use
		// again (a long capture goes through many generations), and
		// the slots hold the other's flows alone.
		old := 1 - t.cur
		clear(t.gens[old]) // (the names are let go)
		t.gens[old] = t.gens[old][:0]
		t.cur = old
		t.rebuild(len(t.slots))
	}
	// only the names travel to the copy; its TLS details are its own
	dn := doneName{name: fn.name, source: fn.source, file: fn.file, packet: fn.packet, alts: fn.alts}
	if t.slots == nil {
		t.slots = make([]uint64, 64)
	}
	h := t.hash(k)
	i, found := t.find(h, k)
	if found {
		if g, j := doneSlot(t.slots[i]); g == t.cur {
			t.gens[g][j].doneName = dn
			return
		}
	}
	t.slots[i] = t.appendFlow(h, doneFlow{key: k, doneName: dn})
	if !found {
		t.used++
		if 2*t.used > len(t.slots) {
			t.rebuild(2 * len(t.slots))
		}
	}
}

// get sets *into to the names of flow k, if kept, and reports whether
// they were.
func (t *doneTable) get(k capture.FlowKey, into *flowName) bool {
	var dn doneName
	ok := false
	if t.used > 0 {
		var i int
		i, ok = t.find(t.hash(k), k)
		if ok {
			g, j := doneSlot(t.slots[i])
			dn = t.gens[g][j].doneName
		}
	}
	*into = flowName{name: dn.name, source: dn.source, file: dn.file, packet: dn.packet, alts: dn.alts}
	return ok
}

func (t *doneTable) hash(k capture.FlowKey) uint64 { return flowHash(k, t.seed) }

// find returns the slot of flow k, of hash h, and true; or, if the table
// has no slot for k, the free slot to put it in and false. The table has
// slots.
func (t *doneTable) find(h uint64, k capture.FlowKey) (int, bool) {
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return i, false
		}
		if s>>32 == h>>32 {
			if g, j := doneSlot(s); t.gens[g][j].key == k {
				return i, true
			}
		}
	}
}

// appendFlow adds f, of hash h, to the newer generation and returns the
// slot that finds it.
func (t *doneTable) appendFlow(h uint64, f doneFlow) uint64 {
	t.gens[t.cur] = append(t.gens[t.cur], f)
	return h>>32<<32 | uint64(t.cur)<<31 | uint64(len(t.gens[t.cur]))
}

// doneSlot returns the generation and index of the flow a used slot
// finds.
func doneSlot(s uint64) (int, int) {
	return int(s >> 31 & 1), int(s&(1<<31-1)) - 1
}

// rebuild makes the slots n long and finds with them the flows of the
// newer generation and those of the older not in the newer.
func (t *doneTable) rebuild(n int) {
	if len(t.slots) == n {
		clear(t.slots)
	} else {
		t.slots = make([]uint64, n)
	}
	t.used = 0
	for _, g := range []int{t.cur, 1 - t.cur} {
		for j := range t.gens[g] {
			f := &t.gens[g][j]
			h := t.hash(f.key)
			i, found := t.find(h, f.key)
			if found {
				continue // a flow of the older generation named again in the newer
			}
			t.slots[i] = h>>32<<32 | uint64(g)<<31 | uint64(j+1)
			t.used++
		}
	}
}

// flowHash is a hash of a flow's key, with seed. It only has to spread
// keys over doneTable's slots, keys alike but for an address's zone or
// form (an IPv4 address and the same one mapped in IPv6) hashing alike:
// each address's two halves, and the ports with the transport, are mixed
// in by multiplies folded to 64 bits, as wyhash mixes.
func flowHash(k capture.FlowKey, seed uint64) uint64 {
	c, s := k.Client.Addr().As16(), k.Server.Addr().As16()
	ports := uint64(k.Client.Port())<<24 | uint64(k.Server.Port())<<8 | uint64(k.Transport)
	h := mix64(binary.LittleEndian.Uint64(c[:8])^seed^0xa0761d6478bd642f, binary.LittleEndian.Uint64(c[8:])^0xe7037ed1a0b428db)
	h = mix64(h^binary.LittleEndian.Uint64(s[:8])^0x8ebc6af09c88c6e3, binary.LittleEndian.Uint64(s[8:])^seed^0x589965cc75374cc3)
	return mix64(h^0x1d8e4e27c47d124f, ports^seed^0xa0761d6478bd642f)
}

// mix64 multiplies a and b and folds the 128-bit product to 64 bits.
func mix64(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
