package dissect

import (
	"net/netip"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// mqttConnect is an MQTT 3.1.1 CONNECT with client id "plug-1",
// user name "u" and password "p" (MQTT 3.1.1 §3.1).
var mqttConnect = []byte("\x10\x1d\x00\x04MQTT\x04\xc2\x00\x3c\x00\x06plug-1\x00\x01u\x00\x01p")

func TestCleartext(t *testing.T) {
	tests := []struct {
		name     string
		tr       capture.Transport
		src, dst string
		payload  []byte
		want     string
	}{
		{"MQTT 3.1.1 CONNECT on 1883", capture.TCP, "192.168.1.5:40000", "52.1.2.3:1883", mqttConnect, "mqtt"},
		{"MQTT CONNECT on another port", capture.TCP, "192.168.1.5:40000", "52.1.2.3:8080", mqttConnect, "mqtt"},
		{"MQTT 3.1 (MQIsdp)", capture.TCP, "192.168.1.5:40000", "52.1.2.3:1883", []byte("\x10\x12\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x02id"), "mqtt"},
		{"MQTT CONNACK from 1883", capture.TCP, "52.1.2.3:1883", "192.168.1.5:40000", []byte{0x20, 0x02, 0x00, 0x00}, "mqtt"},
		{"a CONNACK-like packet elsewhere is not MQTT", capture.TCP, "52.1.2.3:9000", "192.168.1.5:40000", []byte{0x20, 0x02, 0x00, 0x00}, ""},
		{"0x10 without a protocol name", capture.TCP, "192.168.1.5:40000", "52.1.2.3:1883", []byte("\x10\x05abcde"), ""},
		{"Telnet negotiation", capture.TCP, "52.1.2.3:23", "192.168.1.5:40000", []byte{0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20}, "telnet"},
		{"Telnet login prompt", capture.TCP, "52.1.2.3:23", "192.168.1.5:40000", []byte("BusyBox v1.24 login: "), "telnet"},
		{"binary on port 23", capture.TCP, "52.1.2.3:23", "192.168.1.5:40000", []byte{0x16, 0x03, 0x01, 0x00}, ""},
		{"FTP banner", capture.TCP, "52.1.2.3:21", "192.168.1.5:40000", []byte("220 ProFTPD Server ready.\r\n"), "ftp"},
		{"FTP USER", capture.TCP, "192.168.1.5:40000", "52.1.2.3:21", []byte("USER camera\r\n"), "ftp"},
		{"CoAP GET", capture.UDP, "192.168.1.5:40000", "52.1.2.3:5683", []byte{0x44, 0x01, 0x12, 0x34, 0xaa, 0xbb, 0xcc, 0xdd, 0xb4, 't', 'e', 'm', 'p'}, "coap"},
		{"CoAP 2.05 Content", capture.UDP, "52.1.2.3:5683", "192.168.1.5:40000", []byte{0x64, 0x45, 0x12, 0x34}, "coap"},
		{"version 2 on 5683 is not CoAP", capture.UDP, "192.168.1.5:40000", "52.1.2.3:5683", []byte{0x84, 0x01, 0x12, 0x34}, ""},
		{"POP3 greeting", capture.TCP, "52.1.2.3:110", "192.168.1.5:40000", []byte("+OK POP3 ready\r\n"), "pop3"},
		{"IMAP greeting", capture.TCP, "52.1.2.3:143", "192.168.1.5:40000", []byte("* OK IMAP4rev1 ready\r\n"), "imap"},
		{"IMAP LOGIN", capture.TCP, "192.168.1.5:40000", "52.1.2.3:143", []byte("a1 LOGIN user pass\r\n"), "imap"},
		{"SMTP banner on 587", capture.TCP, "52.1.2.3:587", "192.168.1.5:40000", []byte("220 mail.example.com ESMTP\r\n"), "smtp"},
		{"SMTP EHLO on 25", capture.TCP, "192.168.1.5:40000", "52.1.2.3:25", []byte("EHLO camera\r\n"), "smtp"},
		{"text on another port", capture.TCP, "192.168.1.5:40000", "52.1.2.3:9000", []byte("USER camera\r\n"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(tc.tr, tc.src, tc.dst, tc.payload)
			if ev := run(NewCleartext(), p); len(ev) != 0 {
				t.Errorf("%d events, want none", len(ev))
			}
			if p.Flow.App != tc.want {
				t.Errorf("flow app = %q, want %q", p.Flow.App, tc.want)
			}
		})
	}
}

// TestCleartextLeavesNamedFlows: a flow another dissector named (TLS on
// MQTT's TLS port, say) keeps its name.
func TestCleartextLeavesNamedFlows(t *testing.T) {
	p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:1883", mqttConnect)
	p.Flow.App = "tls"
	run(NewCleartext(), p)
	if p.Flow.App != "tls" {
		t.Errorf("flow app = %q, want tls", p.Flow.App)
	}
}

func FuzzCleartext(f *testing.F) {
	f.Add(uint16(1883), false, mqttConnect)
	f.Add(uint16(23), false, []byte{0xff, 0xfd, 0x18})
	f.Add(uint16(5683), true, []byte{0x44, 0x01, 0x12, 0x34})
	f.Add(uint16(143), false, []byte("a1 LOGIN user pass\r\n"))
	f.Fuzz(func(t *testing.T, port uint16, udp bool, payload []byte) {
		tr := capture.TCP
		if udp {
			tr = capture.UDP
		}
		p := packet(tr, "192.168.1.5:40000", "52.1.2.3:1883", payload)
		p.Meta.Dst = netip.AddrPortFrom(p.Meta.Dst.Addr(), port) // hasPort reads the packet's ports
		run(NewCleartext(), p)
		switch p.Flow.App {
		case "", "mqtt", "telnet", "ftp", "coap", "pop3", "imap", "smtp":
		default:
			t.Fatalf("app %q", p.Flow.App)
		}
	})
}
