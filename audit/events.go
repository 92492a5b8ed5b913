package audit

import (
	"encoding/hex"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/result"
)

// Event implements capture.Sink: it hands the event to the handler of its
// type, which returns the device the event was attributed to (nil: none,
// and the hooks do not see it).
func (b *Builder) Event(e capture.Event) {
	if e, ok := e.(*inspect.EntropyEvent); ok {
		// A fact about the flow that follows it, kept for Flow; it
		// attributes nothing to a device on its own.
		if b.flowEntropy == nil {
			b.flowEntropy = make(map[capture.FlowKey]string)
		}
		b.flowEntropy[e.Flow] = e.Class
		return
	}
	if b.SeparateFiles {
		b.newFile(e.EventMeta().File)
	}
	var d *device
	switch e := e.(type) {
	case *capture.DNSEvent:
		d = b.dns(e)
	case *capture.MDNSEvent:
		d = b.mdns(e)
	case *capture.DHCPEvent:
		d = b.dhcp(e)
	case *capture.SSDPEvent:
		d = b.ssdp(e)
	case *capture.HTTPEvent:
		d = b.http(e)
	case *capture.TLSEvent:
		d = b.tlsClient(e)
	case *capture.TLSServerEvent:
		d = b.tlsServer(e)
	case *capture.ServerNameEvent:
		d = b.serverName(e)
	case *capture.UPnPDescriptionEvent:
		d = b.upnp(e)
	case *inspect.PersonalDataEvent:
		d = b.personalData(e)
	case *capture.DeviceInfoEvent:
		d = b.deviceInfo(e)
	case *capture.RouterEvent:
		b.gw.router(e)
		d = b.senderDevice(&e.Meta)
	case *capture.NTPEvent:
		// NTP is visible in the destination's protocol list via the flow.
	}
	if d == nil {
		return
	}
	if b.SeparateFiles && shows(e) {
		d.active = true
	}
	for _, h := range b.hooks {
		h.Event(d.key.String(), e)
	}
}

// senderDevice is the device that sent an event's packet.
func (b *Builder) senderDevice(m *capture.Meta) *device {
	d := b.dev(keyFor(m.SrcMAC, m.Src.Addr()))
	d.seenIP(m.Src.Addr(), m.Time)
	d.touch(m.Time)
	return d
}

// nameFlow offers the flow fk one more name for its server (shared: see
// flowName.offer).
func (b *Builder) nameFlow(fk capture.FlowKey, name, source string, m *capture.Meta, shared bool) {
	b.pendingName(fk).offer(name, source, m.File, m.Packet, shared)
}

// clientFlow is the flow of a packet a client sent.
func clientFlow(m *capture.Meta) capture.FlowKey {
	return capture.FlowKey{Client: m.Src, Server: m.Dst, Transport: m.Transport}
}

func (b *Builder) dns(e *capture.DNSEvent) *device {
	if !e.Response {
		d := b.senderDevice(&e.Meta)
		if e.Proto == capture.AppDNS {
			for _, q := range e.Questions {
				count(&d.queries, q.Name, &e.Meta)
			}
		}
		return d
	}
	if e.Proto != capture.AppDNS {
		// mDNS/LLMNR responses announce the sender's own names.
		return b.senderDevice(&e.Meta)
	}
	// The answer is for the receiver.
	d := b.dev(keyFor(e.DstMAC, e.Dst.Addr()))
	resolveDNS(e, func(a netip.Addr, r nameRec) {
		d.names.add(a, r)
		b.global.add(a, r)
	})
	return d
}

func (b *Builder) mdns(e *capture.MDNSEvent) *device {
	d := b.senderDevice(&e.Meta)
	for _, h := range e.Hostnames {
		count(&d.hosts, h, &e.Meta)
	}
	for _, s := range e.Services {
		b.key = joinKey(b.key[:0], 0, s.Instance, s.Service)
		if _, ok := getKey(&d.mdns, b.key); !ok {
			d.mdns.add(string(b.key), &result.MDNSObs{Instance: s.Instance, Service: s.Service, Host: s.Host, Port: s.Port,
				TXT: append([]string(nil), s.TXT...), File: e.File, Packet: e.Packet})
		}
	}
	return d
}

func (b *Builder) dhcp(e *capture.DHCPEvent) *device {
	k := keyFor(e.ClientMAC, netip.Addr{})
	if !unicastMAC(e.ClientMAC) {
		// No client hardware address (or a multicast one, which
		// names no device): the sender is the device.
		k = keyFor(e.SrcMAC, e.Src.Addr())
	}
	if isDHCPServerMessage(e) {
		b.gw.dhcpServer(e)
		// Offers and acks tell us the client's address, nothing else.
		if unicastMAC(e.ClientMAC) && e.YourIP.IsValid() && !e.YourIP.IsUnspecified() {
			b.dev(k).seenIP(e.YourIP, e.Time)
		}
		return nil
	}
	d := b.dev(k)
	d.touch(e.Time)
	if e.Src.Addr().IsValid() && !e.Src.Addr().IsUnspecified() {
		d.seenIP(e.Src.Addr(), e.Time)
	}
	key := dhcpKey(b.key[:0], e)
	b.key = key
	if o, ok := getKey(&d.dhcp, key); ok {
		o.Count++
	} else {
		d.dhcp.add(string(key), &result.DHCPObs{V6: e.V6, Hostname: e.Hostname, VendorClass: e.VendorClass,
			ParamList: string(appendInts(nil, e.ParamList, e.ParamList6)), ClientID: hex.EncodeToString(e.ClientID), MUDURL: e.MUDURL,
			Count: 1, File: e.File, Packet: e.Packet})
	}
	count(&d.hosts, e.Hostname, &e.Meta)
	return d
}

// dhcpKey appends to buf the key of a DHCP observation: its fields as
// fmt.Sprintf("%v|%s|%s|%s|%s|%s") gives them, in the order of
// result.DHCPObs (V6, Hostname, VendorClass, ParamList, ClientID in hex,
// MUDURL).
func dhcpKey(buf []byte, e *capture.DHCPEvent) []byte {
	buf = strconv.AppendBool(buf, e.V6)
	buf = joinKey(append(buf, '|'), '|', e.Hostname, e.VendorClass)
	buf = appendInts(append(buf, '|'), e.ParamList, e.ParamList6)
	buf = hex.AppendEncode(append(buf, '|'), e.ClientID)
	return append(append(buf, '|'), e.MUDURL...)
}

func isDHCPServerMessage(e *capture.DHCPEvent) bool {
	switch e.MsgType {
	case "OFFER", "ACK", "NAK", "ADVERTISE", "REPLY", "RECONFIGURE":
		return true
	}
	return false
}

func (b *Builder) ssdp(e *capture.SSDPEvent) *device {
	d := b.senderDevice(&e.Meta)
	b.key = joinKey(b.key[:0], 0, e.Server, e.UserAgent, e.Location, e.NT, e.ST, e.USN)
	if o, ok := getKey(&d.ssdp, b.key); ok {
		o.Count++
	} else {
		d.ssdp.add(string(b.key), &result.SSDPObs{Server: e.Server, UserAgent: e.UserAgent, Location: e.Location, NT: e.NT, ST: e.ST, USN: e.USN,
			Count: 1, File: e.File, Packet: e.Packet})
	}
	return d
}

func (b *Builder) http(e *capture.HTTPEvent) *device {
	d := b.senderDevice(&e.Meta)
	count(&d.uas, e.UserAgent, &e.Meta)
	if e.Host != "" {
		// Shared: the Host header is part of the request's header
		// block, which the flow's name would otherwise keep whole.
		b.nameFlow(clientFlow(&e.Meta), hostOnly(e.Host), "http", &e.Meta, true)
	}
	return d
}

// maxSNIs bounds the server names kept with one TLS client fingerprint.
const maxSNIs = 50

func (b *Builder) tlsClient(e *capture.TLSEvent) *device {
	d := b.senderDevice(&e.Meta)
	count(&d.uas, e.Hello.UserAgent, &e.Meta)
	key := e.JA4
	if key == "" {
		key = e.JA3
	}
	if o, ok := d.tls.get(key); ok {
		o.Count++
		if e.Hello.SNI != "" && len(o.SNIs) < maxSNIs && !slices.Contains(o.SNIs, e.Hello.SNI) {
			o.SNIs = append(o.SNIs, e.Hello.SNI)
		}
	} else if key != "" {
		// (No fingerprint, a TLS client known from a log line only: the
		// SNI still names the flow below.)
		o := &result.TLSObs{JA4: e.JA4, JA4R: e.JA4R, JA3: e.JA3, JA3Raw: e.JA3Raw, Count: 1, File: e.File, Packet: e.Packet}
		if e.Hello.SNI != "" {
			o.SNIs = []string{e.Hello.SNI}
		}
		d.tls.add(key, o)
	}
	fn := b.pendingName(clientFlow(&e.Meta))
	fn.hello = e // kept as capture.Sink allows; nothing changes it
	fn.offer(strings.ToLower(e.Hello.SNI), "sni", e.File, e.Packet, false)
	return d
}

func (b *Builder) tlsServer(e *capture.TLSServerEvent) *device {
	// The server spoke; the client is the device.
	d := b.dev(keyFor(e.DstMAC, e.Dst.Addr()))
	fn := b.pendingName(capture.FlowKey{Client: e.Dst, Server: e.Src, Transport: e.Transport})
	fn.server = e // kept as capture.Sink allows; nothing changes it
	if e.HasCert && e.Subject != "" && !strings.HasPrefix(e.Subject, "*") {
		fn.offer(strings.ToLower(e.Subject), "cert", e.File, e.Packet, false)
	}
	return d
}

func (b *Builder) serverName(e *capture.ServerNameEvent) *device {
	d := b.senderDevice(&e.Meta)
	count(&d.uas, e.UserAgent, &e.Meta)
	if e.Name != "" {
		b.nameFlow(clientFlow(&e.Meta), strings.ToLower(e.Name), "sni", &e.Meta, false)
	}
	return d
}

func (b *Builder) upnp(e *capture.UPnPDescriptionEvent) *device {
	d := b.senderDevice(&e.Meta)
	key := e.Manufacturer + "\x00" + e.ModelName + "\x00" + e.DeviceType
	if !d.upnp.has(key) {
		d.upnp.add(key, &result.UPnPObs{URL: e.URL, DeviceType: e.DeviceType, FriendlyName: e.FriendlyName, Manufacturer: e.Manufacturer,
			ModelName: e.ModelName, ModelNumber: e.ModelNumber, SerialNumber: e.SerialNumber, File: e.File, Packet: e.Packet})
	}
	return d
}

// shows reports whether an event adds to what a device's result shows
// (see device.empty): what a device sent, not only what it received.
func shows(e capture.Event) bool {
	switch e := e.(type) {
	case *capture.DNSEvent:
		return !e.Response && e.Proto == capture.AppDNS && len(e.Questions) > 0
	case *capture.MDNSEvent:
		return len(e.Hostnames) > 0 || len(e.Services) > 0
	case *capture.HTTPEvent:
		return e.UserAgent != ""
	case *capture.ServerNameEvent:
		return e.UserAgent != ""
	case *capture.TLSEvent:
		return e.JA4 != "" || e.JA3 != "" || e.Hello.UserAgent != ""
	case *capture.DHCPEvent, *capture.SSDPEvent, *capture.UPnPDescriptionEvent, *inspect.PersonalDataEvent, *capture.DeviceInfoEvent, *capture.RouterEvent:
		return true
	}
	return false
}
