package dissect

import (
	"bytes"
	"crypto/aes"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"

	"github.com/tattle-audit/tattle/capture"
)

// Tuya dissects the LAN discovery broadcasts of devices on Tuya's
// platform (UDP 6666, 6667): a 0x000055AA frame (sequence number,
// command, length, payload, CRC, 0x0000AA55 trailer) whose payload is
// JSON naming the device's gwId, productKey and protocol version. On
// 6666 (protocol 3.1) the JSON is plain; on 6667 (3.3) it is AES-128-ECB
// encrypted with one key every device shares, the MD5 of
// "yGAdlopoPVldABfn", which the tinytuya and tuyapi projects publish. A
// key known to all is no protection: tattle decrypts it. Frames it cannot
// read (the 0x00006699 frames of protocol 3.5 on UDP 7000) are reported
// as encrypted.
type Tuya struct{}

// NewTuya returns the Tuya dissector.
func NewTuya() capture.Dissector { return Tuya{} }

func (Tuya) Name() string { return "tuya" }

var (
	tuyaPrefix    = []byte{0, 0, 0x55, 0xaa}
	tuyaSuffix    = []byte{0, 0, 0xaa, 0x55}
	tuyaPrefix35  = []byte{0, 0, 0x66, 0x99}
	tuyaUDPKey    = md5.Sum([]byte("yGAdlopoPVldABfn"))
	maxTuyaLength = 4096
)

func (Tuya) Dissect(p *capture.Packet, emit func(capture.Event)) {
	port := p.Dst.Port()
	if p.Transport != capture.UDP || (port != 6666 && port != 6667 && port != 7000) {
		p.Done()
		return
	}
	b := p.Payload
	if bytes.HasPrefix(b, tuyaPrefix35) {
		p.Flow.App = capture.AppTuya
		emit(&capture.DeviceInfoEvent{Meta: p.Meta, Protocol: capture.AppTuya, Encrypted: true, Version: "3.5",
			Protection: "AES-GCM with a per-device key"})
		return
	}
	if len(b) < 28 || !bytes.HasPrefix(b, tuyaPrefix) {
		p.Flow.Note("tuya: not a Tuya frame")
		p.Done()
		return
	}
	n := int(binary.BigEndian.Uint32(b[12:16]))
	if n < 8 || n > maxTuyaLength || 16+n > len(b) || !bytes.Equal(b[16+n-4:16+n], tuyaSuffix) {
		p.Flow.Note("tuya: bad frame length")
		return
	}
	p.Flow.App = capture.AppTuya
	payload := b[16 : 16+n-8] // without CRC and trailer
	if len(payload) >= 4 && payload[0] == 0 && payload[1] == 0 {
		payload = payload[4:] // the return code
	}
	e := &capture.DeviceInfoEvent{Meta: p.Meta, Protocol: capture.AppTuya, Protection: "none"}
	if len(payload) == 0 || payload[0] != '{' {
		plain, ok := tuyaDecrypt(payload)
		if !ok {
			e.Encrypted, e.Protection = true, "encrypted with a key tattle does not hold"
			emit(e)
			return
		}
		payload, e.Protection = plain, "AES-128-ECB with the key Tuya gives every device (published), not protection"
	}
	var m struct {
		GwID       string `json:"gwId"`
		ProductKey string `json:"productKey"`
		Version    string `json:"version"`
	}
	if json.Unmarshal(payload, &m) != nil {
		p.Flow.Note("tuya: bad discovery JSON")
		return
	}
	e.DeviceID, e.ProductKey, e.Version = bounded(m.GwID), bounded(m.ProductKey), bounded(m.Version)
	emit(e)
}

// tuyaDecrypt decrypts AES-128-ECB with Tuya's shared UDP key and checks
// the PKCS#7 padding and that JSON came out.
func tuyaDecrypt(c []byte) ([]byte, bool) {
	if len(c) == 0 || len(c)%aes.BlockSize != 0 {
		return nil, false
	}
	blk, _ := aes.NewCipher(tuyaUDPKey[:])
	out := make([]byte, len(c))
	for i := 0; i < len(c); i += aes.BlockSize {
		blk.Decrypt(out[i:], c[i:i+aes.BlockSize])
	}
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(out) {
		return nil, false
	}
	for _, x := range out[len(out)-pad:] {
		if int(x) != pad {
			return nil, false
		}
	}
	out = out[:len(out)-pad]
	if len(out) == 0 || out[0] != '{' {
		return nil, false
	}
	return out, true
}

// TuyaEncrypt encrypts a discovery message with Tuya's shared UDP key
// (for tests and generated captures).
func TuyaEncrypt(plain []byte) []byte {
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	in := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	blk, _ := aes.NewCipher(tuyaUDPKey[:])
	out := make([]byte, len(in))
	for i := 0; i < len(in); i += aes.BlockSize {
		blk.Encrypt(out[i:], in[i:i+aes.BlockSize])
	}
	return out
}
