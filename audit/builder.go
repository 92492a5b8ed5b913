package audit

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// devKey identifies a device: its MAC, or its IP where the link layer has
// none.
type devKey struct {
	mac      capture.MAC
	ip       netip.Addr // set only when mac is zero
	overflow bool       // the device past maxDevices (see limits.go)
}

func (k devKey) String() string {
	if k.overflow {
		return overflowID
	}
	if k.mac.IsZero() {
		return "ip:" + k.ip.String()
	}
	return k.mac.String()
}

// destKey is one endpoint a device talks to. The name is part of the key:
// one CDN address serves many names, and "who" matters more than "where".
type destKey struct {
	name      string
	ip        netip.Addr
	port      uint16
	transport capture.Transport
}

type destAgg struct {
	key       destKey
	ip        netip.Addr   // first address seen
	otherIPs  []netip.Addr // more addresses of a named destination (bounded)
	names     []result.NameSeen
	protocols map[string]bool
	flows     int
	pktOut    uint64
	pktIn     uint64
	bytesOut  uint64
	bytesIn   uint64
	first     time.Time
	last      time.Time
	file      string
	packet    uint64
	uid       string // Zeek's uid of the first flow (scans of Zeek logs)
	tls       *result.TLSInfo
	cleartext uint64
	inbound   bool
	entropy   string
	cert      *capture.TLSServerEvent // the server certificate seen (TLS 1.2 and below)
}

type seenAgg struct {
	v     result.Seen
	index int
}

// maxDests bounds the destinations kept per device.
const maxDests = 4096

func containsAddr(l []netip.Addr, a netip.Addr) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}

// maxDistinct bounds each per-device list of distinct observations; what
// goes past it is counted and reported (see limits.go).
const maxDistinct = 2000

// maxUPnP and maxListen bound a device's UPnP descriptions and listening
// ports.
const (
	maxUPnP   = 64
	maxListen = 256
)

type device struct {
	key     devKey
	ips     map[netip.Addr]*result.AddrSeen
	names   *nameTable // DNS answers this device received
	dests   map[destKey]*destAgg
	dhcp    map[string]*result.DHCPObs
	mdns    map[string]*result.MDNSObs
	ssdp    map[string]*result.SSDPObs
	uas     map[string]*result.Seen
	tls     map[string]*result.TLSObs
	hosts   map[string]*result.Seen
	queries map[string]*result.Seen
	over    *limitCounts // the builder's: what went past a bound
	packets uint64
	out, in uint64
	first   time.Time
	last    time.Time
	pdata   map[string]*pdAgg      // personal data found, by destination+type+form
	listen  map[string]result.Seen // "tcp/2081": ports peers opened on this device
	upnp    map[string]*result.UPnPObs
	local   map[string]*result.LocalObs
	// With SeparateFiles: whether the device did something a result
	// shows in the current file, and the listening ports the file added.
	active    bool
	newListen []string
}

// flowName is the name a client gave a server in a flow (SNI, Host) or
// the server's certificate gave itself: the best one, and the others as
// aliases. An IP literal in a Host header or a certificate name that is
// no host name ("st_srv_2015") is only ever an alias.
type flowName struct {
	name, source string
	file         string
	packet       uint64
	alts         []result.NameSeen
	tls          *result.TLSInfo
	ciphers      []uint16
	server       *capture.TLSServerEvent
}

// namePriority ranks the sources of a flow's own name.
func namePriority(source string) int {
	switch source {
	case "sni":
		return 3
	case "http":
		return 2
	case "cert":
		return 1
	}
	return 0
}

// offer considers one more name for the flow.
func (fn *flowName) offer(name, source, file string, packet uint64) {
	if name == "" {
		return
	}
	if !isHostName(name) || (fn.name != "" && namePriority(source) <= namePriority(fn.source)) {
		if name != fn.name {
			fn.alts = appendName(fn.alts, result.NameSeen{Name: name, Source: source, File: file, Packet: packet})
		}
		return
	}
	if fn.name != "" && fn.name != name {
		fn.alts = appendName(fn.alts, result.NameSeen{Name: fn.name, Source: fn.source, File: fn.file, Packet: fn.packet})
	}
	fn.name, fn.source, fn.file, fn.packet = name, source, file, packet
}

// isHostName reports whether s can be a DNS host name with a registrable
// part: at least two labels of letters, digits, '-' or '_', and not an
// address.
func isHostName(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return false
		}
	}
	return true
}

// Builder is a capture.Sink that assembles devices.
type Builder struct {
	devices   map[devKey]*device
	global    *nameTable // DNS answers to any client: fallback names
	flowNames map[capture.FlowKey]flowName
	doneNames *doneTable // names of flows already ended, for their copies
	hooks     []Hook
	over      limitCounts
	gw        gateways
	// Know, when set, identifies devices and classifies destinations.
	Know *Knowledge
	// SeparateFiles makes each input file its own capture: DNS answers
	// and the names flows were given in one file name nothing in the
	// next (the scanner ends each file's flows at its end).
	SeparateFiles bool
	file          string
	gwFiles       map[capture.MAC][]fingerprints.Signal // gateway signals of the files before this one
}

// gatewaySignals are the gateway signals of the file being read, after
// those of the files before it (with SeparateFiles, one of each kind per
// MAC, as Merge keeps them).
func (b *Builder) gatewaySignals() map[capture.MAC][]fingerprints.Signal {
	out := map[capture.MAC][]fingerprints.Signal{}
	for mac, sigs := range b.gwFiles {
		out[mac] = sigs
	}
	for mac, sigs := range b.gw.signals() {
		if d := b.devices[devKey{mac: mac}]; d == nil || !d.active {
			continue // not in this file's own result: its signals neither
		}
		out[mac] = addGatewaySignals(out[mac], sigs...)
	}
	return out
}

// newFile forgets what named flows when the input file changes.
func (b *Builder) newFile(file string) {
	if file == b.file {
		return
	}
	b.file = file
	b.global, b.flowNames = newNameTable(&b.over, true), make(map[capture.FlowKey]flowName)
	b.gwFiles = b.gatewaySignals()
	b.gw = gateways{}
	for k, d := range b.devices {
		if !d.active {
			// The file's own result leaves out a device that did
			// nothing in it (see Devices), and so its listening ports.
			for _, p := range d.newListen {
				delete(d.listen, p)
			}
		}
		if d.empty() {
			delete(b.devices, k)
			continue
		}
		d.names = newNameTable(&b.over, false)
		d.active, d.newListen = false, nil
	}
}

// Hook lets later stages (payload inspection, say) see every event and flow
// as it passes, with the device it was attributed to.
type Hook interface {
	Event(dev string, e capture.Event)
	Flow(dev string, f *capture.Flow)
}

// NewBuilder returns an empty Builder.
func NewBuilder(hooks ...Hook) *Builder {
	b := &Builder{
		devices:   make(map[devKey]*device),
		flowNames: make(map[capture.FlowKey]flowName),
		doneNames: newDoneTable(),
		hooks:     hooks,
	}
	b.global = newNameTable(&b.over, true)
	return b
}

func isLocal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) ||
		// 100.64.0.0/10 carrier-grade NAT
		(a.Is4() && a.As4()[0] == 100 && a.As4()[1]&0xc0 == 64)
}

func unicastMAC(m capture.MAC) bool { return !m.IsZero() && m[0]&1 == 0 }

// receiveOnly reports whether an address only ever receives: a multicast
// or broadcast MAC, a multicast address, the limited broadcast, or, where
// the link layer gives no MAC to tell by, an IPv4 address ending in .255
// (the subnet broadcast of the /24 and wider networks homes use). Such an
// address is a destination, never a device.
func receiveOnly(mac capture.MAC, a netip.Addr) bool {
	a = a.Unmap()
	if !mac.IsZero() && mac[0]&1 != 0 {
		return true
	}
	if a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	return mac.IsZero() && a.Is4() && a.As4()[3] == 255
}

func keyFor(mac capture.MAC, ip netip.Addr) devKey {
	if unicastMAC(mac) {
		return devKey{mac: mac}
	}
	return devKey{ip: ip.Unmap()}
}

func (b *Builder) dev(k devKey) *device {
	d := b.devices[k]
	if d == nil && len(b.devices) >= maxDevices && !k.overflow {
		b.over.add(limDevices)
		return b.dev(devKey{overflow: true})
	}
	if d == nil {
		d = &device{
			key:     k,
			over:    &b.over,
			ips:     map[netip.Addr]*result.AddrSeen{},
			names:   newNameTable(&b.over, false),
			dests:   map[destKey]*destAgg{},
			dhcp:    map[string]*result.DHCPObs{},
			mdns:    map[string]*result.MDNSObs{},
			ssdp:    map[string]*result.SSDPObs{},
			uas:     map[string]*result.Seen{},
			tls:     map[string]*result.TLSObs{},
			hosts:   map[string]*result.Seen{},
			queries: map[string]*result.Seen{},
			pdata:   map[string]*pdAgg{},
			listen:  map[string]result.Seen{},
			upnp:    map[string]*result.UPnPObs{},
			local:   map[string]*result.LocalObs{},
		}
		b.devices[k] = d
	}
	return d
}

func (d *device) seenIP(ip netip.Addr, t time.Time) {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() {
		return
	}
	if s := d.ips[ip]; s != nil {
		if t.Before(s.First) {
			s.First = t
		}
		if t.After(s.Last) {
			s.Last = t
		}
		return
	}
	if len(d.ips) >= maxDistinct {
		d.over.add(limDeviceIPs)
		return
	}
	d.ips[ip] = &result.AddrSeen{IP: ip.String(), First: t, Last: t}
}

func (d *device) touch(t time.Time) {
	if d.first.IsZero() || t.Before(d.first) {
		d.first = t
	}
	if t.After(d.last) {
		d.last = t
	}
}

func countSeen(m map[string]*result.Seen, v string, meta *capture.Meta, d *device, lim limitID) {
	if v == "" {
		return
	}
	if s := m[v]; s != nil {
		s.Count++
		return
	}
	if len(m) >= maxDistinct {
		d.over.add(lim)
		return
	}
	m[v] = &result.Seen{Value: v, Count: 1, File: meta.File, Packet: meta.Packet}
}

// senderDevice is the device that sent an event's packet.
func (b *Builder) senderDevice(m *capture.Meta) *device {
	d := b.dev(keyFor(m.SrcMAC, m.Src.Addr()))
	d.seenIP(m.Src.Addr(), m.Time)
	d.touch(m.Time)
	return d
}

// Event implements capture.Sink.
func (b *Builder) Event(e capture.Event) {
	if b.SeparateFiles {
		b.newFile(e.EventMeta().File)
	}
	var d *device
	switch e := e.(type) {
	case *capture.DNSEvent:
		if e.Response {
			// The answer is for the receiver.
			k := keyFor(e.DstMAC, e.Dst.Addr())
			if e.Proto != "dns" {
				// mDNS/LLMNR responses announce the sender's own names.
				d = b.senderDevice(&e.Meta)
				break
			}
			d = b.dev(k)
			resolveDNS(e, func(a netip.Addr, r nameRec) {
				d.names.add(a, r)
				b.global.add(a, r)
			})
			break
		}
		d = b.senderDevice(&e.Meta)
		if e.Proto == "dns" {
			for _, q := range e.Questions {
				countSeen(d.queries, q.Name, &e.Meta, d, limDeviceQueries)
			}
		}
	case *capture.MDNSEvent:
		d = b.senderDevice(&e.Meta)
		for _, h := range e.Hostnames {
			countSeen(d.hosts, h, &e.Meta, d, limDeviceHosts)
		}
		for _, s := range e.Services {
			key := s.Instance + "\x00" + s.Service
			if _, ok := d.mdns[key]; ok {
				continue
			}
			if len(d.mdns) >= maxDistinct {
				d.over.add(limDeviceMDNS)
				continue
			}
			d.mdns[key] = &result.MDNSObs{Instance: s.Instance, Service: s.Service, Host: s.Host, Port: s.Port,
				TXT: append([]string(nil), s.TXT...), File: e.File, Packet: e.Packet}
		}
	case *capture.DHCPEvent:
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
				dd := b.dev(k)
				dd.seenIP(e.YourIP, e.Time)
			}
			return
		}
		d = b.dev(k)
		d.touch(e.Time)
		if e.Src.Addr().IsValid() && !e.Src.Addr().IsUnspecified() {
			d.seenIP(e.Src.Addr(), e.Time)
		}
		params := joinInts(e.ParamList, e.ParamList6)
		obs := result.DHCPObs{V6: e.V6, Hostname: e.Hostname, VendorClass: e.VendorClass, ParamList: params,
			ClientID: hex.EncodeToString(e.ClientID), MUDURL: e.MUDURL}
		key := fmt.Sprintf("%v|%s|%s|%s|%s|%s", obs.V6, obs.Hostname, obs.VendorClass, obs.ParamList, obs.ClientID, obs.MUDURL)
		if o := d.dhcp[key]; o != nil {
			o.Count++
		} else if len(d.dhcp) < maxDistinct {
			obs.Count, obs.File, obs.Packet = 1, e.File, e.Packet
			d.dhcp[key] = &obs
		} else {
			d.over.add(limDeviceDHCP)
		}
		if e.Hostname != "" {
			countSeen(d.hosts, e.Hostname, &e.Meta, d, limDeviceHosts)
		}
	case *capture.SSDPEvent:
		d = b.senderDevice(&e.Meta)
		obs := result.SSDPObs{Server: e.Server, UserAgent: e.UserAgent, Location: e.Location, NT: e.NT, ST: e.ST, USN: e.USN}
		key := strings.Join([]string{obs.Server, obs.UserAgent, obs.Location, obs.NT, obs.ST, obs.USN}, "\x00")
		if o := d.ssdp[key]; o != nil {
			o.Count++
		} else if len(d.ssdp) < maxDistinct {
			obs.Count, obs.File, obs.Packet = 1, e.File, e.Packet
			d.ssdp[key] = &obs
		} else {
			d.over.add(limDeviceSSDP)
		}
	case *capture.HTTPEvent:
		d = b.senderDevice(&e.Meta)
		countSeen(d.uas, e.UserAgent, &e.Meta, d, limDeviceUAs)
		if e.Host != "" {
			fk := capture.FlowKey{Client: e.Src, Server: e.Dst, Transport: e.Transport}
			fn := b.flowNames[fk]
			fn.offer(hostOnly(e.Host), "http", e.File, e.Packet)
			b.flowNames[fk] = fn
		}
	case *capture.TLSEvent:
		d = b.senderDevice(&e.Meta)
		countSeen(d.uas, e.Hello.UserAgent, &e.Meta, d, limDeviceUAs)
		key := e.JA4
		if key == "" {
			key = e.JA3
		}
		if key == "" {
			// No fingerprint (a TLS client known from a log line only):
			// the SNI still names the flow below.
		} else if o := d.tls[key]; o != nil {
			o.Count++
			if e.Hello.SNI != "" && len(o.SNIs) < 50 && !contains(o.SNIs, e.Hello.SNI) {
				o.SNIs = append(o.SNIs, e.Hello.SNI)
			}
		} else if len(d.tls) < maxDistinct {
			o := &result.TLSObs{JA4: e.JA4, JA4R: e.JA4R, JA3: e.JA3, JA3Raw: e.JA3Raw, Count: 1, File: e.File, Packet: e.Packet}
			if e.Hello.SNI != "" {
				o.SNIs = []string{e.Hello.SNI}
			}
			d.tls[key] = o
		} else {
			d.over.add(limDeviceTLS)
		}
		fk := capture.FlowKey{Client: e.Src, Server: e.Dst, Transport: e.Transport}
		info := &result.TLSInfo{SNI: e.Hello.SNI, ALPN: append([]string(nil), e.Hello.ALPN...), JA3: e.JA3, JA4: e.JA4,
			Versions: tlsVersions(&e.Hello)}
		fn := b.flowNames[fk]
		fn.tls = info
		fn.ciphers = append([]uint16(nil), e.Hello.CipherSuites...)
		fn.offer(strings.ToLower(e.Hello.SNI), "sni", e.File, e.Packet)
		b.flowNames[fk] = fn
	case *capture.NTPEvent:
		// NTP is visible in the destination's protocol list via the flow.
	case *capture.UPnPDescriptionEvent:
		d = b.senderDevice(&e.Meta)
		key := e.Manufacturer + "\x00" + e.ModelName + "\x00" + e.DeviceType
		if _, ok := d.upnp[key]; !ok && len(d.upnp) >= maxUPnP {
			d.over.add(limDeviceUPnP)
		} else if !ok {
			d.upnp[key] = &result.UPnPObs{URL: e.URL, DeviceType: e.DeviceType, FriendlyName: e.FriendlyName, Manufacturer: e.Manufacturer,
				ModelName: e.ModelName, ModelNumber: e.ModelNumber, SerialNumber: e.SerialNumber, File: e.File, Packet: e.Packet}
		}
	case *capture.TLSServerEvent:
		// The server spoke; the client is the device.
		d = b.dev(keyFor(e.DstMAC, e.Dst.Addr()))
		fk := capture.FlowKey{Client: e.Dst, Server: e.Src, Transport: e.Transport}
		fn := b.flowNames[fk]
		cp := *e
		cp.SANs = append([]string(nil), e.SANs...)
		fn.server = &cp
		if e.HasCert && e.Subject != "" && !strings.HasPrefix(e.Subject, "*") {
			fn.offer(strings.ToLower(e.Subject), "cert", e.File, e.Packet)
		}
		b.flowNames[fk] = fn
	case *capture.ServerNameEvent:
		d = b.senderDevice(&e.Meta)
		countSeen(d.uas, e.UserAgent, &e.Meta, d, limDeviceUAs)
		fk := capture.FlowKey{Client: e.Src, Server: e.Dst, Transport: e.Transport}
		if e.Name != "" {
			fn := b.flowNames[fk]
			fn.offer(strings.ToLower(e.Name), "sni", e.File, e.Packet)
			b.flowNames[fk] = fn
		}
	case *capture.PersonalDataEvent:
		d = b.personalData(e)
	case *capture.DeviceInfoEvent:
		d = b.deviceInfo(e)
	}
	if d != nil && b.SeparateFiles && shows(e) {
		d.active = true
	}
	if d != nil {
		for _, h := range b.hooks {
			h.Event(d.key.String(), e)
		}
	}
}

// shows reports whether an event adds to what a device's result shows
// (see device.empty): what a device sent, not only what it received.
func shows(e capture.Event) bool {
	switch e := e.(type) {
	case *capture.DNSEvent:
		return !e.Response && e.Proto == "dns" && len(e.Questions) > 0
	case *capture.MDNSEvent:
		return len(e.Hostnames) > 0 || len(e.Services) > 0
	case *capture.HTTPEvent:
		return e.UserAgent != ""
	case *capture.ServerNameEvent:
		return e.UserAgent != ""
	case *capture.TLSEvent:
		return e.JA4 != "" || e.JA3 != "" || e.Hello.UserAgent != ""
	case *capture.DHCPEvent, *capture.SSDPEvent, *capture.UPnPDescriptionEvent, *capture.PersonalDataEvent, *capture.DeviceInfoEvent:
		return true
	}
	return false
}

func isDHCPServerMessage(e *capture.DHCPEvent) bool {
	switch e.MsgType {
	case "OFFER", "ACK", "NAK", "ADVERTISE", "REPLY", "RECONFIGURE":
		return true
	}
	return false
}

// Flow implements capture.Sink.
func (b *Builder) Flow(f *capture.Flow) {
	if b.SeparateFiles {
		b.newFile(f.File)
	}
	fn, named := b.flowNames[f.Key]
	if named {
		delete(b.flowNames, f.Key)
		b.doneNames.add(f.Key, fn)
	} else {
		// The same flow again (a copy in an overlapping input file,
		// or one the flow table split): it has the name its first part
		// was given.
		fn, named = b.doneNames.get(f.Key)
	}
	client, server := f.Key.Client, f.Key.Server
	devMAC, devSide := f.ClientMAC, client
	peer := server
	out, in := capture.ToServer, capture.ToClient
	inbound := false
	if !isLocal(client.Addr()) && isLocal(server.Addr()) && !receiveOnly(f.ServerMAC, server.Addr()) {
		devMAC, devSide, peer = f.ServerMAC, server, client
		out, in = in, out
		inbound = true
	} else if receiveOnly(f.ClientMAC, client.Addr()) && !receiveOnly(f.ServerMAC, server.Addr()) {
		// The flow table took a broadcast or multicast address for the
		// client (a DHCP server's broadcast offer from port 67): the
		// device is the side that sent, the group address its peer.
		devMAC, devSide, peer = f.ServerMAC, server, client
		out, in = in, out
	}
	if !inbound && isLocal(server.Addr()) && unicastMAC(f.ServerMAC) && !server.Addr().IsMulticast() && len(b.devices) < 1<<16 {
		// A neighbour opened a conversation with a device on the LAN:
		// the port says what service that device offers.
		sd := b.dev(keyFor(f.ServerMAC, server.Addr()))
		port := f.Key.Transport.String() + "/" + strconv.Itoa(int(server.Port()))
		if _, ok := sd.listen[port]; !ok && len(sd.listen) >= maxListen {
			sd.over.add(limDeviceListen)
		} else if !ok {
			sd.listen[port] = result.Seen{Value: port, Count: 1, File: f.File, Packet: f.FirstPkt}
			if b.SeparateFiles {
				sd.newListen = append(sd.newListen, port)
			}
		}
	}
	peerMAC := f.ServerMAC
	if devMAC == f.ServerMAC {
		peerMAC = f.ClientMAC
	}
	b.gw.internet(peerMAC, peer.Addr(), f.File, f.FirstPkt, &b.over)
	d := b.dev(keyFor(devMAC, devSide.Addr()))
	d.active = true
	d.seenIP(devSide.Addr(), f.First)
	d.touch(f.First)
	d.touch(f.Last)
	d.packets += f.Packets[0] + f.Packets[1]
	d.out += f.Bytes[out]
	d.in += f.Bytes[in]

	peerIP := peer.Addr().Unmap()
	name := ""
	var names []result.NameSeen
	if named && fn.name != "" && !inbound && fn.source != "cert" {
		name = fn.name
		names = append(names, result.NameSeen{Name: fn.name, Source: fn.source, File: fn.file, Packet: fn.packet})
	}
	if r, ok := d.names.best(peerIP, f.First); ok {
		if name == "" {
			// the device's own DNS answer beats the server's
			// certificate
			name = r.name
		}
		names = appendName(names, result.NameSeen{Name: r.name, Source: "dns", File: r.file, Packet: r.packet})
		if r.cname != "" {
			names = appendName(names, result.NameSeen{Name: r.cname, Source: "dns-cname", File: r.file, Packet: r.packet})
		}
	} else if r, ok := b.global.best(peerIP, f.First); ok && !isLocal(peerIP) {
		if name == "" {
			name = r.name
		}
		names = appendName(names, result.NameSeen{Name: r.name, Source: "dns-other-client", File: r.file, Packet: r.packet})
	}
	if named && !inbound {
		if fn.source == "cert" {
			if name == "" {
				name = fn.name
			}
			names = appendName(names, result.NameSeen{Name: fn.name, Source: fn.source, File: fn.file, Packet: fn.packet})
		}
		for _, n := range fn.alts {
			names = appendName(names, n)
		}
	}
	// A named destination is one endpoint whatever address served it
	// (CDNs rotate addresses); an unnamed one is its address.
	dk := destKey{name: name, ip: peerIP, port: peer.Port(), transport: f.Key.Transport}
	if name != "" {
		dk.ip = netip.Addr{}
	}
	a := d.dests[dk]
	if a == nil {
		if len(d.dests) >= maxDests {
			// Past the bound nothing is dropped: the flow is counted in
			// one "other addresses" entry per port.
			dk = destKey{port: peer.Port(), transport: f.Key.Transport}
			d.over.add(limDeviceDests)
		}
		a = d.dests[dk]
		if a == nil {
			a = &destAgg{key: dk, ip: peerIP, protocols: map[string]bool{}, first: f.First, last: f.Last, file: f.File, packet: f.FirstPkt, uid: f.UID, inbound: inbound}
			d.dests[dk] = a
		}
	}
	for _, n := range names {
		a.names = appendName(a.names, n)
	}
	if peerIP != a.ip && len(a.otherIPs) < 16 && !containsAddr(a.otherIPs, peerIP) {
		a.otherIPs = append(a.otherIPs, peerIP)
	}
	a.flows++
	a.pktOut += f.Packets[out]
	a.pktIn += f.Packets[in]
	a.bytesOut += f.Bytes[out]
	a.bytesIn += f.Bytes[in]
	if f.First.Before(a.first) {
		a.first, a.file, a.packet, a.uid = f.First, f.File, f.FirstPkt, f.UID
	}
	if f.Last.After(a.last) {
		a.last = f.Last
	}
	if f.App != "" {
		a.protocols[f.App] = true
		if cleartextApp(f.App, peerIP) {
			a.cleartext += f.Payload[0] + f.Payload[1]
		}
	}
	if fn.tls != nil && a.tls == nil {
		a.tls = fn.tls
		a.tls.WeakCiphers = weakCipherClasses(fn.ciphers)
	}
	if fn.server != nil {
		if a.tls == nil {
			a.tls = &result.TLSInfo{}
		}
		if a.tls.Version == "" {
			a.tls.Version = TLSVersionName(fn.server.Version)
			if fn.server.Cipher != 0 { // 0: not known (a log gave a name tattle has no number for)
				a.tls.Cipher = fmt.Sprintf("0x%04x", fn.server.Cipher)
			}
		}
		if fn.server.HasCert && a.cert == nil {
			a.cert = fn.server
		}
	}
	if f.Entropy != "" && a.entropy == "" {
		a.entropy = f.Entropy
	}
	for _, h := range b.hooks {
		h.Flow(d.key.String(), f)
	}
}

// cleartextApp reports protocols whose payload anyone on the path reads.
func cleartextApp(app string, peer netip.Addr) bool {
	switch app {
	case "http", "mqtt", "telnet", "ftp", "coap", "pop3", "imap", "smtp":
		return true
	case "dns":
		return !isLocal(peer)
	}
	return false
}

func appendName(list []result.NameSeen, n result.NameSeen) []result.NameSeen {
	for _, x := range list {
		if x.Name == n.Name && x.Source == n.Source {
			return list
		}
	}
	if len(list) >= 16 {
		return list
	}
	return append(list, n)
}

func hostOnly(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().String()
	}
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[:i], ":") {
		if _, err := strconv.Atoi(h[i+1:]); err == nil {
			h = h[:i]
		}
	}
	return strings.TrimSuffix(strings.Trim(h, "[]"), ".")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinInts(v4 []uint8, v6 []uint16) string {
	var sb strings.Builder
	for i, p := range v4 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(int(p)))
	}
	for i, p := range v6 {
		if i > 0 || len(v4) > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(int(p)))
	}
	return sb.String()
}

// TLSVersionName names a TLS protocol version number.
func TLSVersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	if v&0x0f0f == 0x0a0a {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", v)
}

// tlsVersions lists the versions a ClientHello offers: supported_versions
// when present, else the legacy version field. GREASE values are left out.
func tlsVersions(h *fingerprints.ClientHello) []string {
	var out []string
	if len(h.SupportedVersions) == 0 {
		return []string{TLSVersionName(h.Version)}
	}
	for _, v := range h.SupportedVersions {
		if v&0x0f0f == 0x0a0a {
			continue
		}
		out = append(out, TLSVersionName(v))
	}
	return out
}

// sortedKeys returns the map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
