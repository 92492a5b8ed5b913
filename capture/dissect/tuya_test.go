package dissect

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

const tuyaJSON = `{"ip":"192.168.1.40","gwId":"bf0123456789abcdef","active":2,"ability":0,"mode":0,"encrypt":true,"productKey":"keyabc123xyz","version":"3.3"}`

// tuyaFrame builds a 0x000055AA frame: sequence number, command, length,
// return code, payload, CRC32, trailer.
func tuyaFrame(cmd uint32, payload []byte) []byte {
	b := make([]byte, 16, 16+4+len(payload)+8)
	copy(b, tuyaPrefix)
	binary.BigEndian.PutUint32(b[8:], cmd)
	binary.BigEndian.PutUint32(b[12:], uint32(4+len(payload)+8))
	b = append(b, 0, 0, 0, 0)
	b = append(b, payload...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return append(b, tuyaSuffix...)
}

func TestTuya(t *testing.T) {
	want := &capture.DeviceInfoEvent{Protocol: "tuya", DeviceID: "bf0123456789abcdef", ProductKey: "keyabc123xyz", Version: "3.3"}
	tests := []struct {
		name     string
		port     string
		payload  []byte
		want     *capture.DeviceInfoEvent
		wantNote bool
	}{
		{"6666 plaintext", "6666", tuyaFrame(0x12, []byte(tuyaJSON)), want, false},
		{"6667 with Tuya's published key", "6667", tuyaFrame(0x13, TuyaEncrypt([]byte(tuyaJSON))), want, false},
		{"6667 with another key", "6667", tuyaFrame(0x13, make([]byte, 32)), &capture.DeviceInfoEvent{Protocol: "tuya", Encrypted: true}, false},
		{"3.5 frame", "7000", append([]byte{0, 0, 0x66, 0x99}, make([]byte, 40)...), &capture.DeviceInfoEvent{Protocol: "tuya", Encrypted: true, Version: "3.5"}, false},
		{"not Tuya", "6666", []byte("a broadcast of something else entirely"), nil, true},
		{"length past the packet", "6666", tuyaFrame(0x12, []byte(tuyaJSON))[:60], nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.UDP, "192.168.1.40:49154", "255.255.255.255:"+tc.port, tc.payload)
			ev := run(NewTuya(), p)
			if tc.want == nil {
				if len(ev) != 0 {
					t.Fatalf("events %+v, want none", ev)
				}
			} else {
				if len(ev) != 1 {
					t.Fatalf("%d events, want 1 (notes %v)", len(ev), p.Flow.Notes)
				}
				got := *ev[0].(*capture.DeviceInfoEvent)
				w := *tc.want
				w.Meta, w.Protection = p.Meta, got.Protection
				if got != w {
					t.Errorf("got  %+v\nwant %+v", got, w)
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

func TestTuyaKeyIsTheDocumentedOne(t *testing.T) {
	// md5("yGAdlopoPVldABfn"), as tinytuya's udpkey.
	const want = "6c1ec8e2bb9bb59ab50b0daf649b410a"
	got := ""
	for _, b := range tuyaUDPKey {
		got += string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15])
	}
	if got != want {
		t.Errorf("key %s, want %s", got, want)
	}
}

func FuzzTuya(f *testing.F) {
	fuzzDissector(f, NewTuya, capture.UDP, "192.168.1.40:49154", "255.255.255.255:6667",
		tuyaFrame(0x13, TuyaEncrypt([]byte(tuyaJSON))), tuyaFrame(0x12, []byte(tuyaJSON)))
}
