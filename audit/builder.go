package audit

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

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

// destAgg is a destination as the Builder gathers it: its traffic facts
// in the form the result gives them (rd: names, flows, packets, bytes,
// first and last seen with the first evidence, cleartext bytes, entropy
// class, inbound), summed as Merge sums results' (addTraffic), and what
// the Builder keeps in forms of its own until the result is made.
type destAgg struct {
	key       destKey
	rd        result.Destination
	ip        netip.Addr   // first address seen
	otherIPs  []netip.Addr // more addresses of a named destination (bounded)
	protocols []string     // sorted, each once: a destination sees few
	tls       *result.TLSInfo
	cert      *capture.TLSServerEvent // the server certificate seen (TLS 1.2 and below)
}

type seenAgg struct {
	v     result.Seen
	index int
}

// maxDests bounds the destinations kept per device.
const maxDests = 4096

// Builder is a capture.Sink that assembles devices.
type Builder struct {
	devices   map[devKey]*device
	global    *nameTable // DNS answers to any client: fallback names
	flowNames map[capture.FlowKey]*flowName
	freeNames []*flowName // entries of flowNames whose flow ended, cleared, to use again
	doneNames *doneTable  // names of flows already ended, for their copies
	copied    flowName    // the name takeFlowName found in doneNames
	// flowEntropy holds the inspector's entropy class of a flow
	// (inspect.EntropyEvent, sent just before the flow) until the flow
	// arrives.
	flowEntropy map[capture.FlowKey]string
	hooks       []Hook
	key         []byte     // scratch for the keys of a device's collections (joinKey)
	recent      [2]*device // the devices dev returned last, the last first
	over        limitCounts
	gw          gateways
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
	b.global, b.flowNames = newNameTable(&b.over, true), make(map[capture.FlowKey]*flowName)
	b.gwFiles = b.gatewaySignals()
	b.gw = gateways{}
	for k, d := range b.devices {
		if !d.active {
			// The file's own result leaves out a device that did
			// nothing in it (see Devices), and so its listening ports.
			for _, p := range d.newListen {
				delete(d.listen.m, p)
			}
		}
		if d.empty() {
			delete(b.devices, k)
			b.recent = [2]*device{}
			continue
		}
		d.names = newNameTable(&b.over, false)
		d.active, d.newListen = false, nil
	}
}

// Hook lets later stages (the progress line, the live table) see every
// event and flow as the Builder takes it in, with the device it was
// attributed to (Builder.Event and Builder.Flow call the hooks last).
//
// The hooks of one scan are called from one goroutine at a time, the
// Builder's, in the order the Builder applies things: in a file scan with
// Config.Workers above 1 that is the pipeline's builder goroutine (not the
// caller's: the scanner and the reader run meanwhile, so a hook may read
// only what those publish for other goroutines, such as
// FileSource.Progress); with Workers 1, in a live scan (Config.Live) and in
// ScanZeek it is the goroutine that called Scan or ScanZeek. ScanEach
// drops the hooks when it runs more than one job. A hook must not block
// (the scan waits for it), and must not change the event or flow; it may
// keep them, as nothing changes them after the hooks have run.
type Hook interface {
	Event(dev string, e capture.Event)
	Flow(dev string, f *capture.Flow)
}

// NewBuilder returns an empty Builder.
func NewBuilder(hooks ...Hook) *Builder {
	b := &Builder{
		devices:   make(map[devKey]*device),
		flowNames: make(map[capture.FlowKey]*flowName),
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
	// The two devices looked up last answer most look-ups (a flow's
	// device, then the next event's sender: on round.pcap 92%).
	if d := b.recent[0]; d != nil && d.key == k {
		return d
	}
	if d := b.recent[1]; d != nil && d.key == k {
		b.recent[0], b.recent[1] = d, b.recent[0]
		return d
	}
	d := b.devices[k]
	if d == nil && len(b.devices) >= maxDevices && !k.overflow {
		// (Not kept in recent: every look-up of a device past the
		// bound is counted.)
		b.over.add(limDevices)
		return b.dev(devKey{overflow: true})
	}
	if d == nil {
		d = newDevice(k, &b.over)
		b.devices[k] = d
	}
	b.recent[0], b.recent[1] = d, b.recent[0]
	return d
}

// Flow implements capture.Sink.
func (b *Builder) Flow(f *capture.Flow) {
	if b.SeparateFiles {
		b.newFile(f.File)
	}
	fn, named := b.takeFlowName(f.Key)
	s := sidesOf(f)
	if !s.inbound {
		b.listening(f)
	}
	b.gw.internet(s.peerMAC, s.peer.Addr(), f.File, f.FirstPkt, &b.over)
	d := b.dev(keyFor(s.devMAC, s.dev.Addr()))
	d.active = true
	d.seenIP(s.dev.Addr(), f.First)
	d.touch(f.First)
	d.touch(f.Last)
	d.packets += f.Packets[0] + f.Packets[1]
	d.out += f.Bytes[s.out]
	d.in += f.Bytes[s.in]

	peerIP := s.peer.Addr().Unmap()
	own := fn
	if !named || s.inbound {
		// An inbound flow's names are the device's own, not its peer's.
		own = nil
	}
	var buf [4]result.NameSeen // what a flow's peer is mostly named by, without allocating
	name, names := b.destName(d, own, peerIP, f.First, buf[:0])
	a := d.dest(destKey{name: name, ip: peerIP, port: s.peer.Port(), transport: f.Key.Transport}, f, s.inbound)
	for _, n := range names {
		a.rd.Names = appendName(a.rd.Names, n)
	}
	a.otherIPs = addOtherIPs(a.otherIPs, a.ip, peerIP)
	a.addFlow(f, s.out, s.in, peerIP, b.takeEntropy(f.Key))
	a.addTLS(fn)
	b.doneWith(fn)
	for _, h := range b.hooks {
		h.Flow(d.key.String(), f)
	}
}

// sides says which end of a flow is the device and which its peer, and
// which of the flow's directions is the device's out and in.
type sides struct {
	devMAC, peerMAC capture.MAC
	dev, peer       netip.AddrPort
	out, in         int  // capture.ToServer or capture.ToClient
	inbound         bool // a peer on the internet opened it
}

func sidesOf(f *capture.Flow) sides {
	client, server := f.Key.Client, f.Key.Server
	s := sides{devMAC: f.ClientMAC, dev: client, peer: server, out: capture.ToServer, in: capture.ToClient}
	if !isLocal(client.Addr()) && isLocal(server.Addr()) && !receiveOnly(f.ServerMAC, server.Addr()) {
		s.devMAC, s.dev, s.peer = f.ServerMAC, server, client
		s.out, s.in = s.in, s.out
		s.inbound = true
	} else if receiveOnly(f.ClientMAC, client.Addr()) && !receiveOnly(f.ServerMAC, server.Addr()) {
		// The flow table took a broadcast or multicast address for the
		// client (a DHCP server's broadcast offer from port 67): the
		// device is the side that sent, the group address its peer.
		s.devMAC, s.dev, s.peer = f.ServerMAC, server, client
		s.out, s.in = s.in, s.out
	}
	s.peerMAC = f.ServerMAC
	if s.devMAC == f.ServerMAC {
		s.peerMAC = f.ClientMAC
	}
	return s
}

// listening notes the port a neighbour opened a conversation on with a
// device on the LAN: it says what service that device offers.
func (b *Builder) listening(f *capture.Flow) {
	server := f.Key.Server
	if !isLocal(server.Addr()) || !unicastMAC(f.ServerMAC) || server.Addr().IsMulticast() || len(b.devices) >= 1<<16 {
		return
	}
	sd := b.dev(keyFor(f.ServerMAC, server.Addr()))
	b.key = strconv.AppendUint(append(append(b.key[:0], f.Key.Transport.String()...), '/'), uint64(server.Port()), 10)
	if _, ok := getKey(&sd.listen, b.key); ok {
		return
	}
	port := string(b.key)
	if sd.listen.add(port, result.Seen{Value: port, Count: 1, File: f.File, Packet: f.FirstPkt}) && b.SeparateFiles {
		sd.newListen = append(sd.newListen, port)
	}
}

// maxOtherIPs bounds the other addresses kept of a named destination.
const maxOtherIPs = 16

// dest returns the destination dk of the device, made for flow f if new.
// A named destination is one endpoint whatever address served it (CDNs
// rotate addresses); an unnamed one is its address.
func (d *device) dest(dk destKey, f *capture.Flow, inbound bool) *destAgg {
	peerIP := dk.ip
	if dk.name != "" {
		dk.ip = netip.Addr{}
	}
	a := d.dests[dk]
	if a != nil {
		return a
	}
	if len(d.dests) >= limitInfo[limDeviceDests].bound {
		// Past the bound nothing is dropped: the flow is counted in
		// one "other addresses" entry per port.
		dk = destKey{port: dk.port, transport: dk.transport}
		d.over.add(limDeviceDests)
		a = d.dests[dk]
	}
	if a == nil {
		a = &destAgg{key: dk, ip: peerIP,
			rd: result.Destination{First: f.First, Last: f.Last, File: f.File, Packet: f.FirstPkt, UID: f.UID, Inbound: inbound}}
		d.dests[dk] = a
	}
	return a
}

// takeEntropy returns the entropy class the inspector gave flow k's
// payload, if any, and forgets it.
func (b *Builder) takeEntropy(k capture.FlowKey) string {
	c, ok := b.flowEntropy[k]
	if ok {
		delete(b.flowEntropy, k)
	}
	return c
}

// addFlow counts flow f to the destination, out and in being the device's
// directions.
func (a *destAgg) addFlow(f *capture.Flow, out, in int, peerIP netip.Addr, entropy string) {
	rd := &a.rd
	rd.Flows++
	rd.PacketsOut += f.Packets[out]
	rd.PacketsIn += f.Packets[in]
	rd.BytesOut += f.Bytes[out]
	rd.BytesIn += f.Bytes[in]
	if f.First.Before(rd.First) {
		rd.First, rd.File, rd.Packet, rd.UID = f.First, f.File, f.FirstPkt, f.UID
	}
	if f.Last.After(rd.Last) {
		rd.Last = f.Last
	}
	if f.App != "" {
		a.addProtocol(f.App)
		if cleartextApp(f.App, peerIP) {
			rd.CleartextBytes += f.Payload[0] + f.Payload[1]
		}
	}
	if entropy != "" && rd.Entropy == "" {
		rd.Entropy = entropy
	}
}

// addProtocol adds p to the destination's protocols, if new.
func (a *destAgg) addProtocol(p string) {
	if i, found := slices.BinarySearch(a.protocols, p); !found {
		a.protocols = slices.Insert(a.protocols, i, p)
	}
}

// addTLS keeps the first TLS client and server facts the destination's
// flows were seen with.
func (a *destAgg) addTLS(fn *flowName) {
	if e := fn.hello; e != nil && a.tls == nil {
		a.tls = &result.TLSInfo{SNI: e.Hello.SNI, ALPN: append([]string(nil), e.Hello.ALPN...), JA3: e.JA3, JA4: e.JA4,
			Versions: tlsVersions(&e.Hello), WeakCiphers: weakCipherClasses(e.Hello.CipherSuites)}
	}
	if fn.server == nil {
		return
	}
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

// cleartextApp reports protocols whose payload anyone on the path reads.
func cleartextApp(app string, peer netip.Addr) bool {
	switch app {
	case capture.AppHTTP, capture.AppMQTT, capture.AppTelnet, capture.AppFTP, capture.AppCoAP,
		capture.AppPOP3, capture.AppIMAP, capture.AppSMTP:
		return true
	case capture.AppDNS:
		return !isLocal(peer)
	}
	return false
}

// addOtherIPs adds ips to others, the addresses a destination was
// reached at besides its own: each once, at most maxOtherIPs.
func addOtherIPs[T comparable](others []T, own T, ips ...T) []T {
	for _, ip := range ips {
		if ip != own && len(others) < maxOtherIPs && !slices.Contains(others, ip) {
			others = append(others, ip)
		}
	}
	return others
}

// addTraffic adds what destination o saw to a, the same endpoint: names,
// flows, packets, bytes and cleartext bytes, the first and last seen (the
// first evidence going with the first), and o's entropy class when a has
// none. The Builder calls it when a destination reached by address turns
// out to be a named one (nameLate), Merge when a destination is in
// several results; addresses, protocols and TLS, which the two keep in
// different forms, each merges itself.
func addTraffic(a, o *result.Destination) {
	for _, n := range o.Names {
		a.Names = appendName(a.Names, n)
	}
	a.Flows += o.Flows
	a.PacketsOut += o.PacketsOut
	a.PacketsIn += o.PacketsIn
	a.BytesOut += o.BytesOut
	a.BytesIn += o.BytesIn
	a.CleartextBytes += o.CleartextBytes
	if o.First.Before(a.First) {
		a.First, a.File, a.Packet, a.UID = o.First, o.File, o.Packet, o.UID
	}
	if o.Last.After(a.Last) {
		a.Last = o.Last
	}
	if a.Entropy == "" {
		a.Entropy = o.Entropy
	}
}

// appendName appends n to list unless list has its name from its source
// or has 16 names.
func appendName(list []result.NameSeen, n result.NameSeen) []result.NameSeen {
	if !canAppendName(list, n.Name, n.Source) {
		return list
	}
	return append(list, n)
}

// canAppendName reports whether appendName would append a name from
// source to list.
func canAppendName(list []result.NameSeen, name, source string) bool {
	for _, x := range list {
		if x.Name == name && x.Source == source {
			return false
		}
	}
	return len(list) < 16
}

func hostOnly(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if strings.IndexByte(h, ':') >= 0 { // (an address and port have one; a failed parse allocates its error)
		if ap, err := netip.ParseAddrPort(h); err == nil {
			return ap.Addr().String()
		}
	}
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[:i], ":") {
		if _, err := strconv.Atoi(h[i+1:]); err == nil {
			h = h[:i]
		}
	}
	return strings.TrimSuffix(strings.Trim(h, "[]"), ".")
}

// appendInts appends the numbers of v4, then v6, to buf in decimal,
// separated by commas (a DHCP parameter request list).
func appendInts(buf []byte, v4 []uint8, v6 []uint16) []byte {
	for i, p := range v4 {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendUint(buf, uint64(p), 10)
	}
	for i, p := range v6 {
		if i > 0 || len(v4) > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendUint(buf, uint64(p), 10)
	}
	return buf
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
// valuesSorted is the values m points to, in the order of their keys.
func valuesSorted[T any](m map[string]*T) []T {
	var out []T
	for _, k := range sortedKeys(m) {
		out = append(out, *m[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
