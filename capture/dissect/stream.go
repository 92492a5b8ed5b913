package dissect

import (
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/tcpseq"
)

// maxHeld bounds the one out-of-order segment a seqTrack holds back while
// it waits for the segment that fills the hole before it; maxHoleAhead
// bounds how far ahead of the expected sequence number that segment may be.
const (
	maxHeld      = 16 << 10
	maxHoleAhead = 64 << 10
)

// seqTrack orders the payload of one direction of a TCP flow just enough
// for header parsing: retransmitted bytes are dropped, and one segment that
// arrives ahead of a hole is held until the hole fills (segments swapped by
// a mirror port) or a later segment shows the hole will not fill (bytes the
// capture missed). The scanner does no reassembly; each dissector that
// needs a byte stream carries one of these per direction.
type seqTrack struct {
	next    uint32 // sequence number of the next byte expected
	started bool
	held    []byte // copy of a segment that came ahead of a hole
	heldSeq uint32
}

// accept takes the packet's segment and returns the bytes that are new
// and in order, and whether bytes were skipped (a hole given up on) before
// them. The result may alias the payload or the held copy; it is valid
// until the next call.
func (s *seqTrack) accept(p *capture.Packet) (out []byte, gap bool) {
	seq, data := p.TCPSeq, p.Payload
	if p.SYN {
		seq++ // data on a SYN (TCP Fast Open) starts after it
	}
	if len(data) == 0 {
		return nil, false
	}
	if !s.started {
		s.started = true
		if !p.Flow.SawSYN[p.Dir] {
			// Joined mid-stream: this segment is where the stream begins.
			s.next = seq + uint32(len(data))
			return data, false
		}
		s.next = p.Flow.StreamStart[p.Dir]
	}
	diff := tcpseq.Diff(seq, s.next)
	switch {
	case diff < 0 && -diff >= int64(len(data)):
		return nil, false // wholly retransmitted
	case diff < 0:
		data = data[-diff:]
	case diff > 0:
		if s.held == nil && len(data) <= maxHeld && diff <= maxHoleAhead {
			s.held, s.heldSeq = append([]byte(nil), data...), seq
			return nil, false
		}
		if s.held != nil && seq == s.heldSeq+uint32(len(s.held)) {
			// The hole before the held segment is not going to fill:
			// carry on from the held bytes.
			out = append(s.held, data...)
			s.held, s.next = nil, seq+uint32(len(data))
			return out, true
		}
		s.held, s.next = nil, seq+uint32(len(data))
		return data, true
	}
	s.next += uint32(len(data))
	if s.held == nil {
		return data, false
	}
	// The hole may now be filled: join the held segment, trimming what
	// the two share.
	hd := tcpseq.Diff(s.heldSeq, s.next)
	switch {
	case hd > 0:
		return data, false // still a hole before the held segment
	case -hd >= int64(len(s.held)):
		s.held = nil // the held bytes came again in order
		return data, false
	}
	rest := s.held[-hd:]
	out = append(append(make([]byte, 0, len(data)+len(rest)), data...), rest...)
	s.next += uint32(len(rest))
	s.held = nil
	return out, false
}
