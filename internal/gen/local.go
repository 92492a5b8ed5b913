package gen

import (
	"bytes"
	"crypto/aes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"time"
)

// Hosts of the local-protocols scenario.
var (
	KasaPlug = Host{MAC: MustMAC("50:c7:bf:0a:bc:e0"), IP: net.IPv4(192, 168, 1, 41).To4(), Name: "kasa-plug"}
	TuyaPlug = Host{MAC: MustMAC("5c:cf:7f:10:20:30"), IP: net.IPv4(192, 168, 1, 42).To4(), Name: "tuya-plug"}
	VMGuest  = Host{MAC: MustMAC("00:50:56:aa:bb:cc"), IP: net.IPv4(192, 168, 1, 43).To4(), Name: "vm"}
)

// KasaCoordinates are where the Kasa plug's owner set it.
const KasaCoordinates = "51.5007,-0.1246"

// kasaObfuscate is TP-Link's Kasa "autokey" XOR: the first key byte is
// 171, every later one the previous ciphertext byte. Written here apart
// from the dissector's, so a bug in one is not hidden by the other.
func kasaObfuscate(b []byte) []byte {
	out := make([]byte, len(b))
	k := byte(171)
	for i, c := range b {
		out[i] = c ^ k
		k = out[i]
	}
	return out
}

// tuyaFrame is a Tuya 0x000055AA frame with a zero return code.
func tuyaFrame(cmd uint32, payload []byte) []byte {
	b := []byte{0, 0, 0x55, 0xaa}
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, cmd)
	b = binary.BigEndian.AppendUint32(b, uint32(4+len(payload)+8))
	b = append(b, 0, 0, 0, 0)
	b = append(b, payload...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return append(b, 0, 0, 0xaa, 0x55)
}

// tuyaSeal encrypts with AES-128-ECB under md5("yGAdlopoPVldABfn"), the
// key every Tuya 3.3 device uses for its discovery broadcasts.
func tuyaSeal(plain []byte) []byte {
	key := md5.Sum([]byte("yGAdlopoPVldABfn"))
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	in := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	blk, _ := aes.NewCipher(key[:])
	for i := 0; i < len(in); i += aes.BlockSize {
		blk.Encrypt(in[i:], in[i:i+aes.BlockSize])
	}
	return in
}

// LocalProtocols writes a home where vendors' local protocols speak: the
// Kasa app on the phone asks for get_sysinfo by broadcast and over TCP,
// and a Kasa HS110 plug answers with its model and coordinates; a Tuya
// plug on an Espressif module broadcasts its discovery message in clear
// (6666) and encrypted with the published key (6667); a VMware VM and the
// phone reach the internet through the router, which answers DHCP.
func LocalProtocols(w io.Writer) error {
	g, err := New(w, 7, Router)
	if err != nil {
		return err
	}
	bcast := Host{IP: net.IPv4bcast.To4()}
	g.DHCP(KasaPlug, Router, DHCPClient{Hostname: "HS110", Params: []byte{1, 3, 6, 12, 15, 28, 42}})
	g.DHCP(TuyaPlug, Router, DHCPClient{Hostname: "ESP_102030", Params: []byte{1, 3, 28, 6}})
	g.DHCP(Phone, Router, DHCPClient{Hostname: "android-5f2a", VendorClass: "android-dhcp-14", Params: []byte{1, 3, 6, 15, 26, 28, 51, 58, 59, 43}})
	g.DHCP(VMGuest, Router, DHCPClient{Hostname: "ubuntu-vm", Params: []byte{1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42}})
	query := kasaObfuscate([]byte(`{"system":{"get_sysinfo":{}}}`))
	reply := kasaObfuscate([]byte(fmt.Sprintf(`{"system":{"get_sysinfo":{"sw_ver":"1.5.4 Build 180815 Rel.121440","hw_ver":"2.0",`+
		`"type":"IOT.SMARTPLUGSWITCH","model":"HS110(UK)","mac":"50:C7:BF:0A:BC:E0","deviceId":"800600000000000000000000000000000000000A",`+
		`"alias":"Hall lamp","latitude":%s,"longitude":%s,"err_code":0}}}`, KasaCoordinates[:7], KasaCoordinates[8:])))
	g.UDP(Phone, bcast, 50123, 9999, query)
	g.UDP(KasaPlug, Phone, 9999, 50123, reply)
	g.Tick(time.Second)
	c := g.Dial(Phone, KasaPlug, 9999)
	c.Send(append(binary.BigEndian.AppendUint32(nil, uint32(len(query))), query...), 0)
	// The reply split in two segments, the cut inside the length prefix.
	full := append(binary.BigEndian.AppendUint32(nil, uint32(len(reply))), reply...)
	c.Reply(full[:2])
	c.Reply(full[2:])
	c.Close()
	disc := `{"ip":"192.168.1.42","gwId":"bf00000000000000000a","active":2,"ability":0,"mode":0,"encrypt":true,"productKey":"keyexample0000a","version":"%s"}`
	for i := 0; i < 3; i++ {
		g.UDP(TuyaPlug, bcast, 49154, 6667, tuyaFrame(0x13, tuyaSeal([]byte(fmt.Sprintf(disc, "3.3")))))
		g.UDP(TuyaPlug, bcast, 49155, 6666, tuyaFrame(0x12, []byte(fmt.Sprintf(disc, "3.1"))))
		g.Tick(5 * time.Second)
	}
	g.tlsTo(VMGuest, "archive.ubuntu.com", ChromeHello, 2000)
	g.tlsTo(Phone, "use1-wap.tplinkcloud.com", ChromeHello, 800)
	g.tlsTo(VMGuest, "github.com", ChromeHello, 3000)
	return g.Close()
}
