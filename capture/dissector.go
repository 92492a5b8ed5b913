package capture

// Packet is what a dissector sees: one decoded packet with its transport
// payload and its flow. Payload points into the read buffer; copy what you
// keep beyond the call.
type Packet struct {
	Meta
	Payload []byte
	Flow    *Flow
	Dir     int // ToServer or ToClient
	TCPSeq  uint32
	SYN     bool
	FIN     bool
	RST     bool
	// Truncated is set when the capture's snaplen cut the packet.
	Truncated bool

	slot  int // index of the running dissector, for State
	slots int // number of dissectors, so State allocates once
	// spare holds the scanner's state slices of ended flows, each of
	// slots entries, cleared, for State to use again (nil: none kept).
	spare *[][]any
}

// State returns the running dissector's per-flow scratch slot. Dissectors
// store what they need to carry between packets of one flow (a partial
// ClientHello, say) and are responsible for bounding its size.
func (p *Packet) State() *any {
	f := p.Flow
	if len(f.state) <= p.slot {
		if f.state == nil && p.slots > p.slot {
			if sp := p.spare; sp != nil && len(*sp) > 0 {
				f.state, *sp = (*sp)[len(*sp)-1], (*sp)[:len(*sp)-1]
			} else {
				f.state = make([]any, p.slots) // one allocation per flow
			}
		}
		for len(f.state) <= p.slot {
			f.state = append(f.state, nil)
		}
	}
	return &f.state[p.slot]
}

// Done tells the scanner that the running dissector has nothing more to do
// on this flow: it is not called again for the flow's later packets. Call
// it as soon as a flow is known not to be yours, or once its work is over;
// it is what keeps long flows cheap.
func (p *Packet) Done() { p.Flow.setDone(p.slot) }

// Dissector recognises one protocol in transport payloads.
//
// Dissect is called for every packet with a non-empty payload on a flow the
// dissector has not rejected; it must be cheap to decline (port or first-byte
// checks). It reports events through emit, counts malformed input with
// p.Flow.Note, and never panics on hostile input. Should it panic all the
// same, the scanner recovers: the dissector is stopped for that flow and
// the flow gets a PanicNote, counted in Stats.Malformed; the scan goes on.
type Dissector interface {
	Name() string
	Dissect(p *Packet, emit func(Event))
}

// ICMPv6Dissector is a dissector of ICMPv6 messages (neighbour
// discovery): the scanner hands it each ICMPv6 message sent on-link (hop
// limit 255) as Payload, from the ICMPv6 type on, and no transport
// payload; other dissectors never see ICMPv6.
type ICMPv6Dissector interface {
	Dissector
	ICMPv6()
}

// FlowEnder is implemented by dissectors that want to see their per-flow
// state once more when the flow leaves the table (to release budgets or
// summarise what they saw). It runs before the flow reaches the sink.
type FlowEnder interface {
	FlowEnd(f *Flow, state any, emit func(Event))
}
