package dissect

import (
	"bytes"

	"github.com/tattle-audit/tattle/capture"
)

// Cleartext names the unencrypted protocols IoT devices speak besides
// HTTP and DNS, so that their traffic counts as cleartext: MQTT without
// TLS (recognised by its CONNECT packet on any port, or its CONNACK on
// 1883), Telnet (port 23), FTP (21), CoAP (UDP 5683), POP3 (110), IMAP
// (143) and SMTP (25, 587). It looks at a flow's first payloads only and
// sets Flow.App; what the payloads hold is the inspector's business.
type Cleartext struct{}

// NewCleartext returns the cleartext-protocol recogniser.
func NewCleartext() capture.Dissector { return Cleartext{} }

func (Cleartext) Name() string { return "cleartext" }

// cleartextTries bounds the payloads looked at per flow on the protocols'
// ports before giving up; elsewhere only the first is (for MQTT).
const cleartextTries = 2

type cleartextState struct{ tries int }

func (Cleartext) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Flow.App != "" {
		p.Done() // another dissector named it
		return
	}
	if app := recogniseCleartext(p); app != "" {
		p.Flow.App = app
		p.Done()
		return
	}
	if !cleartextPort(p) {
		p.Done()
		return
	}
	st := p.State()
	s, _ := (*st).(*cleartextState)
	if s == nil {
		s = &cleartextState{}
		*st = s
	}
	if s.tries++; s.tries >= cleartextTries {
		p.Done()
	}
}

func cleartextPort(p *capture.Packet) bool {
	for _, port := range [...]uint16{21, 23, 25, 110, 143, 587, 1883, 5683} {
		if hasPort(p, port) {
			return true
		}
	}
	return false
}

// hasPort reports whether either end of the packet's flow uses port.
func hasPort(p *capture.Packet, port uint16) bool {
	return p.Src.Port() == port || p.Dst.Port() == port
}

func recogniseCleartext(p *capture.Packet) string {
	b := p.Payload
	if p.Transport == capture.UDP {
		if hasPort(p, 5683) && isCoAP(b) {
			return capture.AppCoAP
		}
		return ""
	}
	switch {
	case isMQTTConnect(b), hasPort(p, 1883) && isMQTTConnAck(b):
		return capture.AppMQTT
	case hasPort(p, 23) && isTelnet(b):
		return capture.AppTelnet
	case hasPort(p, 21) && textStarts(b, "220", "USER ", "AUTH ", "FEAT", "SYST"):
		return capture.AppFTP
	case hasPort(p, 110) && textStarts(b, "+OK", "USER ", "CAPA", "APOP ", "STLS"):
		return capture.AppPOP3
	case hasPort(p, 143) && (textStarts(b, "* OK", "* PREAUTH") || imapCommand(b)):
		return capture.AppIMAP
	case (hasPort(p, 25) || hasPort(p, 587)) && textStarts(b, "220", "EHLO ", "HELO "):
		return capture.AppSMTP
	}
	return ""
}

// isMQTTConnect: an MQTT CONNECT packet (type 1, flags 0), its remaining
// length a valid variable-length integer, then the protocol name "MQTT"
// (3.1.1, 5.0) or "MQIsdp" (3.1) (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1).
func isMQTTConnect(b []byte) bool {
	if len(b) < 2 || b[0] != 0x10 {
		return false
	}
	i := 1
	for n := 0; ; n++ {
		if i >= len(b) || n == 4 {
			return false
		}
		c := b[i]
		i++
		if c&0x80 == 0 {
			break
		}
	}
	rest := b[i:]
	return bytes.HasPrefix(rest, []byte("\x00\x04MQTT")) || bytes.HasPrefix(rest, []byte("\x00\x06MQIsdp"))
}

// isMQTTConnAck: a CONNACK (type 2), remaining length 2 (3.1.1) or more
// (5.0 properties), acknowledge flags 0 or 1.
func isMQTTConnAck(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x20 && b[1] >= 2 && b[2] <= 1
}

// isTelnet: option negotiation (IAC followed by WILL, WONT, DO, DONT or
// SB; RFC 854, 855) or a line of text.
func isTelnet(b []byte) bool {
	if len(b) >= 2 && b[0] == 0xff && b[1] >= 250 && b[1] <= 254 {
		return true
	}
	return isText(b)
}

// isCoAP: version 1, a token of at most 8 bytes and a code of class 0
// (method), 2 (success), 4 or 5 (errors) (RFC 7252 §3).
func isCoAP(b []byte) bool {
	if len(b) < 4 || b[0]>>6 != 1 || b[0]&0x0f > 8 {
		return false
	}
	class := b[1] >> 5
	return (class == 0 && b[1]&0x1f <= 7) || class == 2 || class == 4 || class == 5
}

// textStarts: the payload is text and starts with one of prefixes.
func textStarts(b []byte, prefixes ...string) bool {
	if !isText(b) {
		return false
	}
	for _, pre := range prefixes {
		if bytes.HasPrefix(b, []byte(pre)) {
			return true
		}
	}
	return false
}

// imapCommand: "tag COMMAND" as an IMAP client opens (RFC 3501 §2.2.1).
func imapCommand(b []byte) bool {
	if !isText(b) {
		return false
	}
	sp := bytes.IndexByte(b, ' ')
	if sp < 1 || sp > 16 {
		return false
	}
	cmd := bytes.ToUpper(b[sp+1:])
	for _, c := range []string{"CAPABILITY", "LOGIN ", "AUTHENTICATE ", "STARTTLS", "NOOP"} {
		if bytes.HasPrefix(cmd, []byte(c)) {
			return true
		}
	}
	return false
}

// isText: the first bytes (at most 64) are printable ASCII, tabs and line
// ends.
func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b[:min(len(b), 64)] {
		if (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}
