package dissect

import (
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// upnpSeeds are device descriptions as devices serve them: a full one, a
// minimal one, one after leading junk, and broken ones.
var upnpSeeds = []string{
	`<?xml version="1.0"?>` + "\n" + `<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>` +
		`<device><deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType><friendlyName>Living &amp; Room</friendlyName>` +
		`<manufacturer>Example Audio</manufacturer><modelName>Speaker One</modelName><modelNumber>S1</modelNumber>` +
		`<serialNumber>SN0001</serialNumber><UDN>uuid:0000</UDN><deviceList><device><deviceType>x</deviceType></device></deviceList></device></root>`,
	`<root><device><manufacturer>M</manufacturer></device></root>`,
	"\r\n\r\ngarbage <?xml version=\"1.0\"?><root><device><modelName> padded </modelName></device></root>",
	`<root><device><manufacturer>unclosed</device></root>`,
	`<root><device><manufacturer>&#xFFFF;&unknown;<![CDATA[x]]></manufacturer></device></root>`,
	`</root>`,
}

// The seeds read as devices mean them (and the fuzz target's harness
// reaches the description reader).
func TestUPnPSeeds(t *testing.T) {
	for i, want := range []*capture.UPnPDescriptionEvent{
		{Manufacturer: "Example Audio", FriendlyName: "Living & Room", ModelName: "Speaker One", ModelNumber: "S1", SerialNumber: "SN0001",
			DeviceType: "urn:schemas-upnp-org:device:MediaRenderer:1"},
		{Manufacturer: "M"},
		{ModelName: "padded"},
	} {
		got := describe(upnpSeeds[i], 40)
		if len(got) != 1 {
			t.Fatalf("seed %d: %d descriptions", i, len(got))
		}
		g := *got[0]
		g.Meta, g.URL = capture.Meta{}, ""
		if g != *want {
			t.Errorf("seed %d: %+v, want %+v", i, g, *want)
		}
	}
	if got := describe(upnpSeeds[5], 40); len(got) != 0 {
		t.Errorf("a lone </root> gave %+v", got[0])
	}
}

// describe serves body as the response to a GET of an XML document, cut
// into two segments at cut.
func describe(body string, cut int) []*capture.UPnPDescriptionEvent {
	get := "GET /description.xml HTTP/1.1\r\nHost: 192.168.1.5:49153\r\n\r\n"
	resp := "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n" + body
	c := min(cut, len(resp))
	segs := append(inOrder(0, get), seg{1, 0, resp[:c]}, seg{1, uint32(c), resp[c:]})
	ev, _ := feed(NewHTTP(), "192.168.1.30:40000", "192.168.1.5:49153", segs)
	return eventsOf[*capture.UPnPDescriptionEvent](ev)
}

// FuzzUPnPDescription feeds a response to a GET of an XML document, cut
// in two segments, through the HTTP dissector's description reader.
// Property: no panic; at most one description, its fields no longer
// than the input can spell (memory bounded by the 64 KiB body limit).
func FuzzUPnPDescription(f *testing.F) {
	for _, s := range upnpSeeds {
		f.Add([]byte(s), uint16(40))
	}
	f.Fuzz(func(t *testing.T, body []byte, cut uint16) {
		got := describe(string(body), int(cut))
		if len(got) > 1 {
			t.Fatalf("%d descriptions from one response", len(got))
		}
		for _, u := range got {
			n := len(u.DeviceType) + len(u.FriendlyName) + len(u.Manufacturer) + len(u.ModelName) + len(u.ModelNumber) + len(u.SerialNumber)
			// Invalid UTF-8 is read as U+FFFD: three bytes for one.
			if n > 3*len(body) {
				t.Fatalf("%d bytes of fields from a %d-byte body", n, len(body))
			}
			if !strings.Contains(string(body), "</root>") {
				t.Fatalf("description before the document's end: %+v", u)
			}
		}
	})
}
