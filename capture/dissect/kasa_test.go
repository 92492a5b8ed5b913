package dissect

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
)

const (
	kasaQuery = `{"system":{"get_sysinfo":{}}}`
	kasaReply = `{"system":{"get_sysinfo":{"sw_ver":"1.2.5 Build 171213 Rel.101523","hw_ver":"1.0","type":"IOT.SMARTPLUGSWITCH",` +
		`"model":"HS110(US)","mac":"50:C7:BF:00:C7:03","deviceId":"8006ABCDEF0123456789","alias":"Bedroom lamp",` +
		`"latitude":37.3861,"longitude":-122.0839,"err_code":0}}}`
	kasaBulb = `{"system":{"get_sysinfo":{"mic_type":"IOT.SMARTBULB","model":"KL130(EU)","mic_mac":"1C3BF3000001",` +
		`"latitude_i":523700,"longitude_i":48900,"err_code":0}}}`
	kasaNoLocation = `{"system":{"get_sysinfo":{"type":"IOT.SMARTPLUGSWITCH","model":"HS100(UK)","latitude":0,"longitude":0}}}`
	kasaOther      = `{"system":{"set_relay_state":{"state":1}}}`
)

func kasaTCP(msg string) []byte {
	b := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(b, uint32(len(msg)))
	return append(b, KasaEncrypt([]byte(msg))...)
}

func TestKasaCipherRoundTrip(t *testing.T) {
	for _, s := range []string{"", "{", kasaQuery, kasaReply} {
		if got := string(KasaDecrypt(KasaEncrypt([]byte(s)))); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
	// The first byte of the published example: '{' (0x7b) ^ 171 = 0xd0.
	if c := KasaEncrypt([]byte("{")); c[0] != 0xd0 {
		t.Errorf("'{' encrypts to %#x, want 0xd0", c[0])
	}
}

func TestKasa(t *testing.T) {
	tests := []struct {
		name     string
		tr       capture.Transport
		payload  []byte
		want     *capture.DeviceInfoEvent // nil: no event
		wantNote bool
	}{
		{"UDP sysinfo reply", capture.UDP, KasaEncrypt([]byte(kasaReply)), &capture.DeviceInfoEvent{Protocol: "kasa", Model: "HS110(US)",
			Type: "IOT.SMARTPLUGSWITCH", MAC: "50:C7:BF:00:C7:03", DeviceID: "8006ABCDEF0123456789", Alias: "Bedroom lamp",
			Latitude: 37.3861, Longitude: -122.0839, HasLocation: true}, false},
		{"TCP sysinfo reply with length prefix", capture.TCP, kasaTCP(kasaReply), &capture.DeviceInfoEvent{Protocol: "kasa", Model: "HS110(US)",
			Type: "IOT.SMARTPLUGSWITCH", MAC: "50:C7:BF:00:C7:03", DeviceID: "8006ABCDEF0123456789", Alias: "Bedroom lamp",
			Latitude: 37.3861, Longitude: -122.0839, HasLocation: true}, false},
		{"bulb: mic_type, integer coordinates", capture.UDP, KasaEncrypt([]byte(kasaBulb)), &capture.DeviceInfoEvent{Protocol: "kasa",
			Model: "KL130(EU)", Type: "IOT.SMARTBULB", MAC: "1C3BF3000001", Latitude: 52.37, Longitude: 4.89, HasLocation: true}, false},
		{"coordinates never set", capture.UDP, KasaEncrypt([]byte(kasaNoLocation)), &capture.DeviceInfoEvent{Protocol: "kasa",
			Model: "HS100(UK)", Type: "IOT.SMARTPLUGSWITCH"}, false},
		{"the app's query", capture.UDP, KasaEncrypt([]byte(kasaQuery)), &capture.DeviceInfoEvent{Protocol: "kasa", Request: true}, false},
		{"another command", capture.UDP, KasaEncrypt([]byte(kasaOther)), nil, false},
		{"not Kasa on 9999", capture.UDP, []byte("hello"), nil, true},
		{"TCP absurd length", capture.TCP, []byte{0xff, 0xff, 0xff, 0xff, 1, 2}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(tc.tr, "192.168.1.20:9999", "192.168.1.30:50000", tc.payload)
			ev := run(NewKasa(), p)
			if tc.want == nil {
				if len(ev) != 0 {
					t.Fatalf("events %+v, want none", ev)
				}
			} else {
				if len(ev) != 1 {
					t.Fatalf("%d events, want 1", len(ev))
				}
				got := ev[0].(*capture.DeviceInfoEvent)
				tc.want.Meta = p.Meta
				tc.want.Protection = got.Protection
				if *got != *tc.want {
					t.Errorf("got  %+v\nwant %+v", got, tc.want)
				}
				if got.Protection == "" {
					t.Error("no protection stated")
				}
			}
			if notes := len(p.Flow.Notes) > 0; notes != tc.wantNote {
				t.Errorf("notes %v, want a note: %v", p.Flow.Notes, tc.wantNote)
			}
		})
	}
}

// TestKasaTCPSplit: a reply cut over segments is read once whole.
func TestKasaTCPSplit(t *testing.T) {
	stream := string(kasaTCP(kasaQuery)) + string(kasaTCP(kasaReply))
	for _, cuts := range [][]int{{2}, {4, 40}, {len(kasaQuery) + 4, len(kasaQuery) + 10}} {
		ev, _ := feed(NewKasa(), "192.168.1.30:50000", "192.168.1.20:9999", inOrder(capture.ToServer, stream, cuts...))
		if len(ev) != 2 || ev[1].(*capture.DeviceInfoEvent).Model != "HS110(US)" {
			t.Errorf("cuts %v: events %+v", cuts, ev)
		}
	}
}

func FuzzKasa(f *testing.F) {
	fuzzDissector(f, NewKasa, capture.UDP, "192.168.1.20:9999", "192.168.1.30:50000",
		KasaEncrypt([]byte(kasaReply)), KasaEncrypt([]byte(kasaBulb)), KasaEncrypt([]byte(kasaQuery)))
}

func FuzzKasaTCP(f *testing.F) {
	fuzzDissector(f, NewKasa, capture.TCP, "192.168.1.30:50000", "192.168.1.20:9999",
		kasaTCP(kasaReply), kasaTCP(kasaQuery), append(kasaTCP(kasaQuery), kasaTCP(kasaBulb)...))
}

// Messages seen before give what they gave then, notes included, with
// their own packets' metadata: played twice through one dissector, each
// gives what it gives to a dissector of its own with the cache off.
func TestKasaRepeats(t *testing.T) {
	defer func(off bool) { repeat.Off = off }(repeat.Off)
	far := `{"system":{"get_sysinfo":{"model":"HS105","latitude":123.5,"longitude":2}}}`
	msgs := []string{kasaReply, kasaBulb, kasaNoLocation, kasaQuery, kasaOther, far, `{"system":{"get_sysinfo":[1]}}`, `{"cut`}
	type outcome struct {
		Events []capture.Event
		Notes  map[string]int
	}
	play := func(d capture.Dissector, i int, msg string) outcome {
		p := packet(capture.UDP, "192.168.1.20:9999", fmt.Sprintf("192.168.1.30:%d", 50000+i), KasaEncrypt([]byte(msg)))
		p.Packet = uint64(i + 1)
		return outcome{run(d, p), p.Flow.Notes}
	}
	shared := NewKasa()
	for i := range 2 * len(msgs) {
		msg := msgs[i%len(msgs)]
		repeat.Off = false
		got := play(shared, i, msg)
		repeat.Off = true
		want := play(NewKasa(), i, msg)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Fatalf("message %d:\n got  %s\n want %s", i+1, gj, wj)
		}
	}
	if n := len(shared.(*Kasa).seen.m); n != 6 {
		t.Errorf("%d messages kept, want 6 (the malformed ones are not)", n)
	}
}
