package gen

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// The demo home. Facts about it are listed in SCENARIOS.md, and tests
// assert them.
var (
	Router = Host{MAC: MustMAC("a0:40:a0:11:22:01"), IP: net.IPv4(192, 168, 1, 1).To4(), Name: "router"}
	Echo   = Host{MAC: MustMAC("f0:27:2d:4c:8b:1a"), IP: net.IPv4(192, 168, 1, 21).To4(), Name: "speaker"}
	Camera = Host{MAC: MustMAC("2c:aa:8e:3d:5e:7f"), IP: net.IPv4(192, 168, 1, 22).To4(), Name: "camera"}
	TV     = Host{MAC: MustMAC("8c:79:f5:a1:b2:c3"), IP: net.IPv4(192, 168, 1, 23).To4(), Name: "tv"}
	Plug   = Host{MAC: MustMAC("50:c7:bf:0a:bc:de"), IP: net.IPv4(192, 168, 1, 24).To4(), Name: "plug"}
	Phone  = Host{MAC: MustMAC("da:a1:19:6e:20:44"), IP: net.IPv4(192, 168, 1, 30).To4(), Name: "phone"}
)

// CameraSerial is the serial number the camera sends in cleartext.
const CameraSerial = "WYZC3-2CAA8E-0042"

// HomeCoordinates are where the TV says it is.
const HomeCoordinates = "40.712776,-74.005974"

// tlsTo resolves name and opens a TLS session to it.
func (g *Gen) tlsTo(dev Host, name string, spec HelloSpec, app int) {
	ip := g.Resolve(dev, Router, name, "")
	g.TLS(dev, Host{IP: ip, Name: name}, name, spec, app)
	g.Tick(2 * time.Second)
}

func macNoSep(m net.HardwareAddr, upper bool) string {
	s := strings.ReplaceAll(m.String(), ":", "")
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

// Home writes the demo capture: a router, an Amazon Echo-like speaker,
// a Wyze-like camera, a Samsung-like TV, a TP-Link Kasa HS110 plug and an
// Android phone with a randomised MAC.
func Home(w io.Writer) error {
	g, err := New(w, 20260115, Router)
	if err != nil {
		return err
	}
	return home(g)
}

// HeadersOnly writes the demo home as a capture with a 96-byte snaplen
// keeps it: headers and little payload, as many lab captures are.
func HeadersOnly(w io.Writer) error {
	g, err := New(w, 20260115, Router)
	if err != nil {
		return err
	}
	g.SetSnaplen(96)
	return home(g)
}

func home(g *Gen) error {
	// Everyone joins the network.
	g.DHCP(Echo, Router, DHCPClient{Hostname: "amazon-4c8b1a2f", VendorClass: "udhcp 1.29.3", Params: []byte{1, 3, 6, 12, 15, 28, 42}})
	g.DHCP(Camera, Router, DHCPClient{Hostname: "WYZECP1_JEF", VendorClass: "udhcp 1.24.1", Params: []byte{1, 3, 6, 12, 15, 28, 42}})
	g.DHCP(TV, Router, DHCPClient{Hostname: "Samsung-TV-QN65", VendorClass: "SAMSUNG-TV", Params: []byte{1, 3, 6, 12, 15, 28, 33, 40, 41, 42, 119, 121}, ClientID: true})
	g.DHCP(Plug, Router, DHCPClient{Hostname: "HS110", VendorClass: "", Params: []byte{1, 3, 6, 12, 15, 28, 42}})
	g.DHCP(Phone, Router, DHCPClient{Hostname: "Pixel-7", VendorClass: "android-dhcp-13", Params: []byte{1, 3, 6, 15, 26, 28, 51, 58, 59, 43, 114, 108}, ClientID: true})
	g.Tick(3 * time.Second)

	// Local discovery.
	g.MDNSAnnounce(TV, "Samsung-QN65", []Service{
		{Instance: "Living Room TV", Type: "_airplay._tcp", Port: 7000, TXT: []string{"manufacturer=Samsung", "model=QN65Q80CAFXZA", "deviceid=8C:79:F5:A1:B2:C3", "srcvers=377.40.00"}},
		{Instance: "Samsung QN65", Type: "_googlecast._tcp", Port: 8009, TXT: []string{"md=Samsung TV", "fn=Living Room TV", "ve=05"}},
	})
	g.MDNSAnnounce(Echo, "amazon-4c8b1a2f", []Service{
		{Instance: "amazon-4c8b1a2f", Type: "_amzn-wplay._tcp", Port: 55443, TXT: []string{"n=Kitchen Echo", "s=0", "at=ADzWn1bQ1CuJ", "c=A3S5BH2HU6VAYF"}},
	})
	g.MDNSAnnounce(Plug, "HS110", []Service{
		{Instance: "Kasa Smart Plug", Type: "_hap._tcp", Port: 80, TXT: []string{"md=HS110", "ci=7", "c#=3", "s#=1", "ff=0", "sf=0", "id=5A:11:22:33:44:55"}},
	})
	g.MDNSQuery(Phone, "_googlecast._tcp")
	g.SSDPNotify(TV, "SHP, UPnP/1.0, Samsung UPnP SDK/1.0", "http://192.168.1.23:9197/dmr", "urn:schemas-upnp-org:device:MediaRenderer:1",
		"uuid:1b6d4d3a-0b2f-4b8e-9d6c-8c79f5a1b2c3::urn:schemas-upnp-org:device:MediaRenderer:1")
	g.SSDPSearch(Phone, "urn:dial-multiscreen-org:service:dial:1", "Android/13 UPnP/1.0 Chrome/120")
	g.UDP(Plug, Host{IP: net.IPv4bcast}, 9999, 9999, []byte{0xd0, 0xf2, 0x81, 0xf8, 0x8b, 0xff, 0x9a, 0xf7, 0xd5, 0xef, 0x94, 0xb6, 0xd1, 0xb4})
	g.Tick(5 * time.Second)

	// Time.
	for _, d := range []Host{Echo, Camera, Plug, TV} {
		ip := g.Resolve(d, Router, "pool.ntp.org", "")
		g.NTP(d, Host{IP: ip})
	}
	g.Tick(5 * time.Second)

	// The speaker: Amazon's own cloud only.
	g.tlsTo(Echo, "avs-alexa-4-na.amazon.com", OpenSSLHello, 3000)
	g.tlsTo(Echo, "device-metrics-us.amazon.com", OpenSSLHello, 1500)
	g.tlsTo(Echo, "api.amazonalexa.com", OpenSSLHello, 800)

	// The plug: TP-Link's cloud, with an embedded TLS 1.2 stack.
	ip := g.Resolve(Plug, Router, "devs.tplinkcloud.com", "n-devs-prod-123.us-east-1.elb.amazonaws.com")
	g.TLS(Plug, Host{IP: ip}, "devs.tplinkcloud.com", EmbeddedHello, 600)
	g.Tick(2 * time.Second)

	// The camera: its cloud, a P2P relay, and a cleartext check-in that
	// carries its MAC and serial number.
	g.tlsTo(Camera, "api.wyzecam.com", EmbeddedHello, 2000)
	g.tlsTo(Camera, "wyze-device-alarm-file.s3.us-west-2.amazonaws.com", EmbeddedHello, 20000)
	ip = g.Resolve(Camera, Router, "log.wyzecam.com", "")
	checkin := fmt.Sprintf(`{"mac":"%s","sn":"%s","fw":"4.36.11.5859","ssid":"Smith Family WiFi"}`, macNoSep(Camera.MAC, true), CameraSerial)
	g.HTTP(Camera, Host{IP: ip}, "POST", "log.wyzecam.com", "/app/v2/device/checkin", "WyzeCam/4.36 (Linux; Ingenic T31)", []byte(checkin), 64)
	g.tlsTo(Camera, "sdk.iad-01.braze.com", EmbeddedHello, 900)
	g.Tick(3 * time.Second)

	// The TV: Samsung's cloud, its ad and ACR networks, and others'.
	g.tlsTo(TV, "osb.samsungqbe.com", ChromeHello, 1200)
	g.tlsTo(TV, "log-config.samsungacr.com", ChromeHello, 2500)
	g.tlsTo(TV, "samsungads.com", ChromeHello, 1800)
	g.tlsTo(TV, "ad.doubleclick.net", ChromeHello, 1400)
	g.tlsTo(TV, "app-measurement.com", ChromeHello, 700)
	g.tlsTo(TV, "sb.scorecardresearch.com", ChromeHello, 500)
	g.tlsTo(TV, "pixel.tapad.com", ChromeHello, 400)
	hashed := sha1.Sum([]byte(macNoSep(TV.MAC, true)))
	ip = g.Resolve(TV, Router, "acr-us.samsungcloudsolution.com", "")
	q := url.Values{"duid": {hex.EncodeToString(hashed[:])}, "loc": {HomeCoordinates}, "ch": {"WNBC"}}
	g.HTTP(TV, Host{IP: ip}, "GET", "acr-us.samsungcloudsolution.com", "/acr/v1/match?"+q.Encode(), "SmartTV/Tizen 7.0 (Samsung QN65Q80C)", nil, 0)
	g.Tick(3 * time.Second)

	// The phone: a browser and its apps.
	g.tlsTo(Phone, "www.google.com", ChromeHello, 5000)
	g.tlsTo(Phone, "graph.facebook.com", ChromeHello, 1200)
	g.tlsTo(Phone, "app-measurement.com", ChromeHello, 600)
	g.tlsTo(Phone, "en.wikipedia.org", ChromeHello, 8000)
	return g.Close()
}

// Injection writes a capture whose every capture-borne string is hostile:
// markup, Markdown, table breakers, terminal escapes and paths.
func Injection(w io.Writer) error {
	g, err := New(w, 7, Router)
	if err != nil {
		return err
	}
	evil := Host{MAC: MustMAC("02:00:de:ad:be:ef"), IP: net.IPv4(192, 168, 1, 66).To4()}
	const script = "<script>alert(1)</script>"
	const img = `"><img src=x onerror=alert(1)>`
	const esc = "\x1b[31mRED\x1b]0;pwned\x07\x1b[2J"
	const md = "[click](javascript:alert(1)) ![x](http://evil.example/x.png) | col | `code` *bold*"
	g.DHCP(evil, Router, DHCPClient{Hostname: script + esc, VendorClass: img + "|" + md, Params: []byte{1, 3, 6}})
	g.MDNSAnnounce(evil, "evil", []Service{{Instance: img + esc, Type: "_http._tcp", Port: 80, TXT: []string{"md=" + script, "path=../../etc/passwd"}}})
	g.SSDPNotify(evil, script+" "+esc, "http://192.168.1.66/"+img, "upnp:rootdevice", "uuid:"+md)
	ip := g.Resolve(evil, Router, "evil.example", "")
	g.TLS(evil, Host{IP: ip}, "x.evil.example"+script+esc, OpenSSLHello, 100)
	g.HTTP(evil, Host{IP: ip}, "GET", "evil.example"+img, "/../../etc/passwd?q="+url.QueryEscape(script), "Mozilla/5.0 "+script+esc+md, nil, 0)
	return g.Close()
}

// PersonalData writes a capture full of personal data in the clear, in
// the encodings devices use, for the payload-inspection tests.
func PersonalData(w io.Writer) error {
	g, err := New(w, 99, Router)
	if err != nil {
		return err
	}
	dev := Camera
	g.DHCP(dev, Router, DHCPClient{Hostname: "WYZECP1_JEF", Params: []byte{1, 3, 6}})
	ip := g.Resolve(dev, Router, "collector.example-analytics.com", "")
	srv := Host{IP: ip}
	mac := dev.MAC.String()
	forms := map[string]string{
		"colons-lower": mac,
		"colons-upper": strings.ToUpper(mac),
		"nosep-upper":  macNoSep(dev.MAC, true),
		"base64":       base64.StdEncoding.EncodeToString([]byte(mac)),
		"urlenc":       url.QueryEscape(strings.ToUpper(mac)),
	}
	for _, k := range []string{"base64", "colons-lower", "colons-upper", "nosep-upper", "urlenc"} {
		g.HTTP(dev, srv, "GET", "collector.example-analytics.com", "/c?"+k+"="+forms[k], "cam/1.0", nil, 0)
	}
	sha := sha1.Sum([]byte(macNoSep(dev.MAC, true)))
	body := fmt.Sprintf(`{"uid":"%s","email":"jane.smith@example.com","lat":40.712776,"lon":-74.005974,"imei":"490154203237518","advertising_id":"38400000-8cf0-11bd-b23e-10b96e40000d","ssid":"Smith Family WiFi","serial":"%s","neighbours":["a4:77:33:01:02:03"]}`,
		hex.EncodeToString(sha[:]), CameraSerial)
	// Split across small segments, one pair out of order.
	c := g.Dial(dev, srv, 80)
	req := []byte(fmt.Sprintf("POST /v1/events HTTP/1.1\r\nHost: collector.example-analytics.com\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	c.SendOutOfOrder(req[:len(req)/2], len(req)/4)
	c.Send(req[len(req)/2:], 40)
	c.Close()
	// MQTT PUBLISH with a JSON body.
	mq := g.Dial(dev, Host{IP: g.Resolve(dev, Router, "mqtt.example-iot.com", "")}, 1883)
	topic := "devices/" + macNoSep(dev.MAC, false) + "/state"
	payload := `{"owner":"jane.smith@example.com","battery":88}`
	pub := append([]byte{0x30, byte(2 + len(topic) + len(payload)), 0, byte(len(topic))}, topic...)
	mq.Send(append(pub, payload...), 0)
	mq.Close()
	// Credentials in the clear.
	ftp := g.Dial(dev, Host{IP: g.Resolve(dev, Router, "ftp.example-backup.com", "")}, 21)
	ftp.Reply([]byte("220 FTP ready\r\n"))
	ftp.Send([]byte("USER camera\r\n"), 0)
	ftp.Reply([]byte("331 Password required\r\n"))
	ftp.Send([]byte("PASS s3cr3t-cam\r\n"), 0)
	ftp.Close()
	// A TLS 1.0 hello with weak suites.
	tip := g.Resolve(dev, Router, "legacy.example-iot.com", "")
	g.TLS(dev, Host{IP: tip}, "legacy.example-iot.com", LegacyHello, 200)
	return g.Close()
}

// Truncate returns the first part of a capture, cut in the middle of a
// record.
func Truncate(full []byte) []byte {
	return full[:len(full)*2/3+7]
}

// Generate runs a scenario into a byte slice.
func Generate(f func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	err := f(&buf)
	return buf.Bytes(), err
}
