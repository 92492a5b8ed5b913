package gen

import (
	"fmt"
	"io"
	"net"
	"time"
)

// Two more multi-device homes, for the reports' golden files and the
// overview: traffic spread over time (so timelines have a shape), devices
// of every group (IoT, phone, computer), and both named and bare-IP
// destinations. Vendors' MAC prefixes are their IEEE registrations.
var (
	StudioRouter = Host{MAC: MustMAC("a0:40:a0:33:44:01"), IP: net.IPv4(10, 0, 0, 1).To4(), Name: "router"}
	Roku         = Host{MAC: MustMAC("b0:a7:37:5e:10:20"), IP: net.IPv4(10, 0, 0, 31).To4(), Name: "roku"}
	HueBridge    = Host{MAC: MustMAC("00:17:88:6a:7b:8c"), IP: net.IPv4(10, 0, 0, 32).To4(), Name: "hue"}
	Laptop       = Host{MAC: MustMAC("00:06:5b:90:a1:b2"), IP: net.IPv4(10, 0, 0, 40).To4(), Name: "laptop"}
	IPhone       = Host{MAC: MustMAC("a4:83:e7:12:34:56"), IP: net.IPv4(10, 0, 0, 41).To4(), Name: "iphone"}

	FlatRouter = Host{MAC: MustMAC("a0:40:a0:55:66:01"), IP: net.IPv4(192, 168, 50, 1).To4(), Name: "router"}
	NestMini   = Host{MAC: MustMAC("00:f6:20:aa:bb:01"), IP: net.IPv4(192, 168, 50, 11).To4(), Name: "nest"}
	MiCamera   = Host{MAC: MustMAC("24:cf:24:cc:dd:02"), IP: net.IPv4(192, 168, 50, 12).To4(), Name: "micam"}
	EspPlug    = Host{MAC: MustMAC("08:3a:8d:ee:ff:03"), IP: net.IPv4(192, 168, 50, 13).To4(), Name: "espplug"}
)

// Studio writes a studio flat: a Roku streaming stick that reports to its
// analytics and to ad networks over ten minutes, a Philips Hue bridge,
// a Windows laptop and an iPhone.
func Studio(w io.Writer) error {
	g, err := New(w, 20260301, StudioRouter)
	if err != nil {
		return err
	}
	g.DHCP(Roku, StudioRouter, DHCPClient{Hostname: "Roku-Express", VendorClass: "udhcp 1.31.1", Params: []byte{1, 3, 6, 12, 15, 28, 42}})
	g.DHCP(HueBridge, StudioRouter, DHCPClient{Hostname: "Philips-hue", VendorClass: "", Params: []byte{1, 3, 6, 15, 28, 42}})
	g.DHCP(Laptop, StudioRouter, DHCPClient{Hostname: "DESKTOP-4F2K9QZ", VendorClass: "MSFT 5.0", Params: []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}, ClientID: true})
	g.DHCP(IPhone, StudioRouter, DHCPClient{Hostname: "iPhone", VendorClass: "", Params: []byte{1, 121, 3, 6, 15, 108, 114, 119, 252}, ClientID: true})
	g.Tick(2 * time.Second)
	g.MDNSAnnounce(HueBridge, "Philips-hue", []Service{
		{Instance: "Philips Hue - 6A7B8C", Type: "_hue._tcp", Port: 443, TXT: []string{"bridgeid=001788fffe6a7b8c", "modelid=BSB002"}},
	})
	g.SSDPNotify(Roku, "Roku/9.4.0 UPnP/1.0 Roku/9.4.0", "http://10.0.0.31:8060/", "roku:ecp", "uuid:roku:ecp:YN00AB123456")
	g.Tick(3 * time.Second)
	for _, d := range []Host{Roku, HueBridge} {
		ip := g.Resolve(d, StudioRouter, "time.cloudflare.com", "")
		g.NTP(d, Host{IP: ip})
	}
	g.tlsTo(HueBridge, "ws.meethue.com", EmbeddedHello, 900)
	g.tlsTo(HueBridge, "diag.meethue.com", EmbeddedHello, 400)
	// The Roku checks in every two minutes for ten minutes; each round it
	// talks to its own cloud, its log service and the ad networks.
	for round := 0; round < 5; round++ {
		g.tlsTo(Roku, "api.roku.com", ChromeHello, 1500+100*round)
		g.tlsTo(Roku, "logs.roku.com", ChromeHello, 2200)
		if round%2 == 0 {
			g.tlsTo(Roku, "ads.roku.com", ChromeHello, 800)
			g.tlsTo(Roku, "securepubads.g.doubleclick.net", ChromeHello, 1100)
		}
		ip := g.Resolve(Roku, StudioRouter, "scribe.logs.roku.com", "")
		body := fmt.Sprintf(`{"event":"channel-launch","round":%d,"serial":"YN00AB123456"}`, round)
		g.HTTP(Roku, Host{IP: ip}, "POST", "scribe.logs.roku.com", "/v1/events", "Roku/DVP-9.40 (519.40E04111A)", []byte(body), 0)
		g.Tick(2 * time.Minute)
	}
	// The laptop and the phone browse.
	g.tlsTo(Laptop, "www.bing.com", ChromeHello, 6000)
	g.tlsTo(Laptop, "login.microsoftonline.com", ChromeHello, 3000)
	g.tlsTo(IPhone, "www.apple.com", ChromeHello, 4000)
	g.tlsTo(IPhone, "graph.facebook.com", ChromeHello, 900)
	return g.Close()
}

// Flat writes a flat with a Google smart speaker, a Xiaomi camera that
// uploads to its cloud and sends a cleartext report, and a smart plug
// built on an Espressif module that reaches an address no name explains.
func Flat(w io.Writer) error {
	g, err := New(w, 20260302, FlatRouter)
	if err != nil {
		return err
	}
	g.DHCP(NestMini, FlatRouter, DHCPClient{Hostname: "Google-Nest-Mini", VendorClass: "dhcpcd-6.8.2:Linux-4.9:armv7l:Google", Params: []byte{1, 3, 6, 12, 15, 26, 28, 42, 121}})
	g.DHCP(MiCamera, FlatRouter, DHCPClient{Hostname: "chuangmi_camera_ipc019", VendorClass: "udhcp 1.24.2", Params: []byte{1, 3, 6, 12, 15, 28, 42}})
	g.DHCP(EspPlug, FlatRouter, DHCPClient{Hostname: "ESP_EEFF03", VendorClass: "", Params: []byte{1, 3, 28, 6, 15, 44, 46, 47, 31, 33, 121, 43}})
	g.Tick(2 * time.Second)
	g.MDNSAnnounce(NestMini, "Google-Nest-Mini", []Service{
		{Instance: "Google-Nest-Mini-aabb01", Type: "_googlecast._tcp", Port: 8009, TXT: []string{"md=Google Nest Mini", "fn=Kitchen speaker", "ve=05"}},
	})
	g.Tick(2 * time.Second)
	for _, d := range []Host{NestMini, MiCamera} {
		ip := g.Resolve(d, FlatRouter, "time.google.com", "")
		g.NTP(d, Host{IP: ip})
	}
	for round := 0; round < 3; round++ {
		g.tlsTo(NestMini, "clients3.google.com", ChromeHello, 700)
		g.tlsTo(NestMini, "www.googleapis.com", ChromeHello, 2400)
		g.tlsTo(MiCamera, "de.api.io.mi.com", EmbeddedHello, 1800)
		g.tlsTo(MiCamera, "business.smartcamera.api.io.mi.com", EmbeddedHello, 12000)
		g.Tick(90 * time.Second)
	}
	g.tlsTo(MiCamera, "data.mistat.xiaomi.com", EmbeddedHello, 1300)
	ip := g.Resolve(MiCamera, FlatRouter, "log.io.mi.com", "")
	report := fmt.Sprintf(`{"did":"chuangmi.camera.ipc019","mac":"%s","lat":"52.520008","lon":"13.404954"}`, MiCamera.MAC.String())
	g.HTTP(MiCamera, Host{IP: ip}, "POST", "log.io.mi.com", "/report", "MIoT/2.0", []byte(report), 0)
	// The plug talks to a bare address: no DNS, no SNI.
	c := g.Dial(EspPlug, Host{IP: net.IPv4(47, 88, 1, 20).To4()}, 8883)
	c.Send([]byte{0x10, 0x1c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc2, 0x00, 0x3c}, 0)
	c.Reply([]byte{0x20, 0x02, 0x00, 0x00})
	c.Close()
	return g.Close()
}
