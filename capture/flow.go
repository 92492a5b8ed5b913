package capture

import (
	"net/netip"
	"time"
)

// FlowKey identifies a flow by its 5-tuple, oriented client -> server.
type FlowKey struct {
	Client    netip.AddrPort
	Server    netip.AddrPort
	Transport Transport
}

// Direction of a packet within its flow.
const (
	ToServer = 0
	ToClient = 1
)

// Flow is the state of one conversation. Counters are indexed by direction
// (ToServer, ToClient).
type Flow struct {
	Key        FlowKey
	ClientMAC  MAC
	ServerMAC  MAC
	File       string // file of the first packet
	FirstPkt   uint64 // packet number of the first packet (the line, for a Zeek conn.log record)
	UID        string // Zeek's uid, for a flow read from Zeek logs
	First      time.Time
	Last       time.Time
	Packets    [2]uint64
	Bytes      [2]uint64 // IP-layer bytes (headers included), as seen on the wire
	Payload    [2]uint64 // transport payload bytes
	App        string    // application protocol once a dissector recognised it: one of Apps (AppTLS, AppHTTP...), or ""
	ServerName string    // SNI, HTTP Host: what the client itself called the server
	Notes      map[string]int

	// SawSYN[d] is set when the SYN of direction d was seen; StreamStart[d]
	// is then the sequence number of that direction's first payload byte,
	// so reassembly can place segments that arrive out of order.
	SawSYN      [2]bool
	StreamStart [2]uint32

	// Closed is set when both FINs or a RST were seen.
	Closed bool
	// fin has bit d set when a FIN was seen in direction d.
	fin uint8
	// list is the scanner's expiry list the flow is on, prev and next
	// its neighbours there (see expiry.go). (fin and list sit next to
	// Closed, in what would be padding: a Flow is 352 bytes, not 360, and
	// fits the allocator's 352-byte class instead of the 384-byte one.)
	list uint8

	// state holds per-dissector scratch, indexed like the scanner's
	// dissector list. Dissectors reach theirs via Packet.State.
	state []any
	// skip has bit i set when dissector i called Packet.Done: the first
	// 64 dissectors in skip, any past them in skipMore (see done).
	skip     uint64
	skipMore []uint64

	prev, next *Flow // neighbours on the expiry list (see list)
}

// setDone records that dissector i called Packet.Done on the flow.
func (f *Flow) setDone(i int) {
	if i < 64 {
		f.skip |= 1 << uint(i)
		return
	}
	w := i/64 - 1
	for len(f.skipMore) <= w {
		f.skipMore = append(f.skipMore, 0)
	}
	f.skipMore[w] |= 1 << uint(i%64)
}

// done reports whether dissector i called Packet.Done on the flow.
func (f *Flow) done(i int) bool {
	if i < 64 {
		return f.skip&(1<<uint(i)) != 0
	}
	w := i/64 - 1
	return w < len(f.skipMore) && f.skipMore[w]&(1<<uint(i%64)) != 0
}

// Note counts an anomaly on the flow (malformed packet, overlong field...).
func (f *Flow) Note(what string) {
	if f.Notes == nil {
		f.Notes = make(map[string]int, 2)
	}
	f.Notes[what]++
}
