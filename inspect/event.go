package inspect

import "github.com/tattle-audit/tattle/capture"

// The inspector's output. Its types live here, beside the code that
// makes them, not in capture: the scanner carries events without knowing
// what they say. capture/zeek and audit (vendors' local protocols) make
// PersonalDataEvents too, for what they read in place of the inspector.

// PersonalDataEvent is personal data found in a cleartext payload.
// Value and Excerpt hold the data itself: reports redact them unless asked.
type PersonalDataEvent struct {
	capture.Meta          // the packet in which the match ends
	Protocol     string   // application protocol of the flow ("http", "mqtt", "dns", ...) or "tcp"/"udp"
	DataType     string   // PoliCheck-style data type ("mac address", "email address", ...)
	Label        string   // the form it was found in: "SHA-1 of upper-case without separators"
	Value        string   // the value in plain form
	Owner        string   // whose value it is: a device id, "auditor", or "" for pattern matches
	Excerpt      string   // the bytes around the match, as sent (bounded)
	Packets      []uint64 // packet numbers the match spans, in File
	FromClient   bool     // sent by the flow's client
}

// EntropyEvent is the entropy class of the payload of a flow no dissector
// named, emitted when the flow ends (before the flow reaches the sink):
// "encrypted" (high entropy: encrypted or compressed), "text", "binary",
// or "unknown" (too few bytes to tell). Meta cites the flow's first
// packet; Flow is the flow's key, for the sink to join it to the flow.
type EntropyEvent struct {
	capture.Meta
	Flow  capture.FlowKey
	Class string
}
