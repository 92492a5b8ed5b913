package dissect

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/tattle-audit/tattle/capture"
)

// maxDescription bounds the response body kept while a device
// description arrives.
const maxDescription = 64 << 10

// upnpState follows a flow on which a client asked for an XML document:
// the response body may be a UPnP device description.
type upnpState struct {
	track seqTrack // the server's stream
	url   string
	body  []byte
	done  bool
}

// watchDescription is called by the HTTP dissector for each request.
func watchDescription(p *capture.Packet, e *capture.HTTPEvent, st *httpState) {
	path := e.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	// (Not lower-casing a copy: as strings.ToLower, EqualFold maps no
	// letter but X, M and L to x, m and l.)
	if e.Method == "GET" && len(path) >= 4 && strings.EqualFold(path[len(path)-4:], ".xml") {
		st.upnp = &upnpState{url: "http://" + e.Host + e.Path}
	}
}

// responseBody collects the server's response on a watched flow and
// emits the description once the XML is complete.
func responseBody(p *capture.Packet, st *httpState, data []byte, emit func(capture.Event)) {
	u := st.upnp
	if u == nil || u.done {
		return
	}
	if len(u.body)+len(data) > maxDescription {
		u.done = true
		p.Flow.Note("upnp: description too long")
		return
	}
	u.body = append(u.body, data...)
	i := bytes.Index(u.body, []byte("\r\n\r\n"))
	if i < 0 || !bytes.Contains(u.body[i:], []byte("</root>")) {
		return
	}
	u.done = true
	var doc struct {
		Device struct {
			DeviceType   string `xml:"deviceType"`
			FriendlyName string `xml:"friendlyName"`
			Manufacturer string `xml:"manufacturer"`
			ModelName    string `xml:"modelName"`
			ModelNumber  string `xml:"modelNumber"`
			SerialNumber string `xml:"serialNumber"`
		} `xml:"device"`
	}
	body := u.body[i+4:]
	if j := bytes.Index(body, []byte("<?xml")); j > 0 {
		body = body[j:]
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil || doc.Device.Manufacturer+doc.Device.ModelName+doc.Device.DeviceType == "" {
		p.Flow.Note("upnp: not a device description")
		return
	}
	d := doc.Device
	emit(&capture.UPnPDescriptionEvent{Meta: p.Meta, URL: u.url, DeviceType: strings.TrimSpace(d.DeviceType),
		FriendlyName: strings.TrimSpace(d.FriendlyName), Manufacturer: strings.TrimSpace(d.Manufacturer),
		ModelName: strings.TrimSpace(d.ModelName), ModelNumber: strings.TrimSpace(d.ModelNumber), SerialNumber: strings.TrimSpace(d.SerialNumber)})
}
