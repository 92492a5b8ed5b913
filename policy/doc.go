// Package policy holds privacy declarations — what a vendor's privacy
// policy says, written down by a researcher in a small YAML format (or
// imported from an RFC 8520 MUD file) — and checks observed traffic
// against them in the spirit of PoliCheck (Andow et al., USENIX Security
// 2020): each observed flow of (data type, recipient) is clearly
// disclosed, vaguely disclosed, omitted, incorrectly disclosed (a
// negative statement contradicts it) or ambiguous (statements contradict
// each other). It also computes the device score, every point of which a
// finding explains.
package policy
