package capture

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pppoeSession decodes a PPPoE session frame (RFC 2516, Ethernet type
// 0x8864) and the PPP protocol field after it (RFC 1661), leading to the
// IPv4 or IPv6 packet a DSL line carries. gopacket's PPPoE and PPP layers
// are not DecodingLayers, so DecodingLayerParser could not go through
// them. Discovery frames (0x8863) and PPP control protocols carry no IP
// and end decoding.
type pppoeSession struct {
	layers.BaseLayer
	next gopacket.LayerType
}

func (p *pppoeSession) LayerType() gopacket.LayerType     { return layers.LayerTypePPPoE }
func (p *pppoeSession) CanDecode() gopacket.LayerClass    { return layers.LayerTypePPPoE }
func (p *pppoeSession) NextLayerType() gopacket.LayerType { return p.next }

var errPPPoE = errors.New("pppoe: short or not a session frame")

func (p *pppoeSession) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	// version/type (0x11), code (0x00 for session data), session id,
	// length, then the PPP protocol: two bytes, or one when the peers
	// agreed on protocol-field compression (odd first byte).
	if len(data) < 7 || data[0] != 0x11 || data[1] != 0 {
		df.SetTruncated()
		return errPPPoE
	}
	n := int(binary.BigEndian.Uint16(data[4:6]))
	body := data[6:]
	if n < len(body) {
		body = body[:n] // Ethernet padding
	}
	var proto uint16
	hdr := 6
	switch {
	case len(body) >= 1 && body[0]&1 == 1:
		proto, hdr = uint16(body[0]), 7
	case len(body) >= 2:
		proto, hdr = binary.BigEndian.Uint16(body), 8
	default:
		df.SetTruncated()
		return errPPPoE
	}
	switch layers.PPPType(proto) {
	case layers.PPPTypeIPv4:
		p.next = layers.LayerTypeIPv4
	case layers.PPPTypeIPv6:
		p.next = layers.LayerTypeIPv6
	default:
		p.next = gopacket.LayerTypePayload
	}
	end := 6 + len(body)
	p.BaseLayer = layers.BaseLayer{Contents: data[:hdr], Payload: data[hdr:end]}
	return nil
}
