package dissect

import (
	"encoding/binary"
	"encoding/json"
	"strings"

	"github.com/tattle-audit/tattle/capture"
)

// Kasa dissects TP-Link's Kasa local protocol on TCP and UDP port 9999:
// JSON commands and replies obfuscated with a XOR "autokey" cipher whose
// first key byte is 171 and whose every later key byte is the previous
// ciphertext byte (documented by softScheck's tplink-smartplug research
// and python-kasa). Over TCP each message has a 4-byte big-endian length
// before it. A get_sysinfo reply names the model, the device type, its
// IDs and MAC, and the coordinates the owner's app set: anyone on the LAN
// who asks gets them.
type Kasa struct {
	seen repeats[kasaRead] // by deobfuscated message
}

// kasaRead is what a message read without a note gave: the event without
// its metadata (none for a command that is not get_sysinfo), and whether
// its coordinates are noted as out of range.
type kasaRead struct {
	e        capture.DeviceInfoEvent
	event    bool
	badPlace bool
}

// NewKasa returns the Kasa dissector.
func NewKasa() capture.Dissector { return &Kasa{} }

func (*Kasa) Name() string { return "kasa" }

// maxKasaMessage bounds one TCP message (a get_sysinfo reply is under
// 2 KiB; a light strip's state a few KiB); maxKasaMessages bounds how
// many messages of one flow are read.
const (
	maxKasaMessage  = 64 << 10
	maxKasaMessages = 16
)

type kasaState struct {
	t    [2]seqTrack
	buf  [2][]byte
	seen int
}

func (x *Kasa) Dissect(p *capture.Packet, emit func(capture.Event)) {
	if p.Src.Port() != 9999 && p.Dst.Port() != 9999 {
		p.Done()
		return
	}
	if p.Transport == capture.UDP {
		x.message(p, KasaDecrypt(p.Payload), emit)
		return
	}
	if p.Transport != capture.TCP {
		p.Done()
		return
	}
	st := p.State()
	s, _ := (*st).(*kasaState)
	if s == nil {
		s = &kasaState{}
		*st = s
	}
	data, gap := s.t[p.Dir].accept(p)
	if gap {
		s.buf[p.Dir] = nil
	}
	b := append(s.buf[p.Dir], data...)
	for len(b) >= 4 {
		n := int(binary.BigEndian.Uint32(b))
		if n == 0 || n > maxKasaMessage {
			p.Flow.Note("kasa: bad message length")
			p.Done()
			return
		}
		if len(b) < 4+n {
			break
		}
		x.message(p, KasaDecrypt(b[4:4+n]), emit)
		b = b[4+n:]
		if s.seen++; s.seen >= maxKasaMessages {
			p.Done()
			return
		}
	}
	if len(b) > maxKasaMessage+4 {
		p.Flow.Note("kasa: message too long")
		p.Done()
		return
	}
	s.buf[p.Dir] = append([]byte(nil), b...)
}

// KasaDecrypt undoes the Kasa autokey XOR.
func KasaDecrypt(b []byte) []byte {
	out := make([]byte, len(b))
	key := byte(171)
	for i, c := range b {
		out[i] = c ^ key
		key = c
	}
	return out
}

// KasaEncrypt applies the Kasa autokey XOR (for tests and generated
// captures).
func KasaEncrypt(b []byte) []byte {
	out := make([]byte, len(b))
	key := byte(171)
	for i, c := range b {
		key ^= c
		out[i] = key
	}
	return out
}

type kasaSysinfo struct {
	Model     string   `json:"model"`
	Type      string   `json:"type"`
	MicType   string   `json:"mic_type"`
	DeviceID  string   `json:"deviceId"`
	MAC       string   `json:"mac"`
	MicMAC    string   `json:"mic_mac"`
	Alias     string   `json:"alias"`
	Lat       *float64 `json:"latitude"`
	Lon       *float64 `json:"longitude"`
	LatI      *float64 `json:"latitude_i"`
	LonI      *float64 `json:"longitude_i"`
	ErrorCode int      `json:"err_code"`
}

// message reads one deobfuscated message, or takes what it gave when it
// was seen before: devices are asked for their sysinfo, and answer,
// again and again in the same words.
func (x *Kasa) message(p *capture.Packet, b []byte, emit func(capture.Event)) {
	if len(b) < 2 || b[0] != '{' || b[1] != '"' {
		p.Flow.Note("kasa: not a Kasa message")
		p.Done()
		return
	}
	p.Flow.App = capture.AppKasa
	r, ok := x.seen.get(b)
	if !ok {
		if r, ok = kasaMessage(p, b); !ok {
			return // noted: not kept
		}
		x.seen.add(b, r, len(r.e.Model)+len(r.e.Type)+len(r.e.DeviceID)+len(r.e.MAC)+len(r.e.Alias))
	}
	if r.badPlace {
		p.Flow.Note("kasa: coordinates out of range")
	}
	if r.event {
		e := new(capture.DeviceInfoEvent)
		*e = r.e
		e.Meta = p.Meta
		emit(e)
	}
}

// kasaMessage reads a message that starts as JSON does: what it gives,
// and false when it was noted as malformed.
func kasaMessage(p *capture.Packet, b []byte) (kasaRead, bool) {
	var m struct {
		System *struct {
			Sysinfo json.RawMessage `json:"get_sysinfo"`
		} `json:"system"`
	}
	if json.Unmarshal(b, &m) != nil {
		p.Flow.Note("kasa: bad or cut JSON")
		return kasaRead{}, false
	}
	if m.System == nil || len(m.System.Sysinfo) == 0 {
		return kasaRead{}, true // another command: nothing about the device
	}
	var si kasaSysinfo
	if json.Unmarshal(m.System.Sysinfo, &si) != nil {
		p.Flow.Note("kasa: bad get_sysinfo")
		return kasaRead{}, false
	}
	r := kasaRead{event: true, e: capture.DeviceInfoEvent{Protocol: capture.AppKasa, Protection: "XOR autokey obfuscation (key 171), not encryption",
		Model: bounded(si.Model), Type: bounded(si.Type), DeviceID: bounded(si.DeviceID), MAC: bounded(si.MAC), Alias: bounded(si.Alias)}}
	e := &r.e
	if e.Type == "" {
		e.Type = bounded(si.MicType)
	}
	if e.MAC == "" {
		e.MAC = bounded(si.MicMAC)
	}
	switch {
	case si.Lat != nil && si.Lon != nil:
		e.Latitude, e.Longitude, e.HasLocation = *si.Lat, *si.Lon, true
	case si.LatI != nil && si.LonI != nil:
		// Newer firmware sends degrees times 10^4 as integers.
		e.Latitude, e.Longitude, e.HasLocation = *si.LatI/1e4, *si.LonI/1e4, true
	}
	if e.HasLocation && e.Latitude == 0 && e.Longitude == 0 {
		e.HasLocation = false // never set
	}
	if e.HasLocation && (e.Latitude < -90 || e.Latitude > 90 || e.Longitude < -180 || e.Longitude > 180) {
		e.HasLocation = false
		r.badPlace = true // noted by the caller, each time
	}
	e.Request = e.Model == "" && e.Type == "" && e.DeviceID == "" && e.MAC == ""
	return r, true
}

// bounded cuts a string a device sent to a length reports can carry.
func bounded(s string) string {
	if len(s) > 128 {
		s = s[:128]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
