package capture

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tattle-audit/tattle/fingerprints"
)

// MAC is a 48-bit hardware address, usable as a map key.
type MAC [6]byte

func (m MAC) String() string {
	const hexd = "0123456789abcdef"
	var b [17]byte
	for i, c := range m {
		if i > 0 {
			b[3*i-1] = ':'
		}
		b[3*i], b[3*i+1] = hexd[c>>4], hexd[c&15]
	}
	return string(b[:])
}

// IsZero reports whether m is all zeros (no link-layer address known).
func (m MAC) IsZero() bool { return m == MAC{} }

// Transport is the IP protocol number of a flow (6 TCP, 17 UDP, ...).
type Transport uint8

const (
	TCP    Transport = 6
	UDP    Transport = 17
	ICMP   Transport = 1
	ICMPv6 Transport = 58
)

func (t Transport) String() string {
	switch t {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case ICMP:
		return "icmp"
	case ICMPv6:
		return "icmpv6"
	}
	return fmt.Sprintf("ip-%d", uint8(t))
}

// Meta says where an event was seen. Every event carries one, so every
// claim the tool makes can cite a file and packet number.
type Meta struct {
	File      string
	Packet    uint64 // 1-based packet number within File
	Time      time.Time
	SrcMAC    MAC // zero when the link layer has no MAC (raw IP, loopback)
	DstMAC    MAC
	Src, Dst  netip.AddrPort
	Transport Transport
}

// Event is an observation a dissector makes. Concrete types are pointers to
// the structs below; switch on them.
type Event interface {
	EventMeta() *Meta
}

func (m *Meta) EventMeta() *Meta { return m }

// DNSQuestion is one question of a DNS message.
type DNSQuestion struct {
	Name string // lower case, no trailing dot
	Type string // "A", "AAAA", "PTR", ...
}

// DNSRecord is one resource record of a DNS message.
type DNSRecord struct {
	Name string // lower case, no trailing dot
	Type string
	TTL  uint32
	Data string     // presentation form of the data (target name, text, address)
	Addr netip.Addr // for A/AAAA
}

// DNSEvent is a DNS, mDNS or LLMNR message.
type DNSEvent struct {
	Meta
	Proto     string // AppDNS, AppMDNS or AppLLMNR
	Response  bool
	ID        uint16
	RCode     string
	Questions []DNSQuestion
	Answers   []DNSRecord // answer, authority and additional sections
}

// ServiceInstance is one DNS-SD service instance seen in mDNS.
type ServiceInstance struct {
	Instance string   // "Living Room._googlecast._tcp.local"
	Service  string   // "_googlecast._tcp"
	Host     string   // target host of the SRV record
	Port     uint16   // port of the SRV record
	TXT      []string // "key=value" strings, as sent
}

// MDNSEvent is the DNS-SD interpretation of an mDNS response: who announces
// which services and host names.
type MDNSEvent struct {
	Meta
	Hostnames []string // *.local names announced with A/AAAA records
	Services  []ServiceInstance
	Queries   []string // service types asked for (what the sender looks for)
}

// TLSEvent is a TLS ClientHello, over TCP or inside a QUIC Initial packet.
type TLSEvent struct {
	Meta
	QUIC   bool
	Hello  fingerprints.ClientHello
	JA3    string // MD5 hex
	JA3Raw string
	JA4    string
	JA4R   string // JA4_r: the raw form, cipher suites and extensions sorted as hashed
}

// HTTPEvent is an HTTP/1.x request.
type HTTPEvent struct {
	Meta
	Method    string
	Host      string
	Path      string
	Version   string
	UserAgent string
}

// DHCPEvent is a DHCPv4 or DHCPv6 message.
type DHCPEvent struct {
	Meta
	V6          bool
	MsgType     string  // "DISCOVER", "REQUEST", "SOLICIT", ...
	ClientMAC   MAC     // chaddr (v4) or from the DUID when it holds a MAC (v6)
	Hostname    string  // option 12 (v4) or FQDN option 39 (v6) / 81 (v4)
	FQDN        string  // the client FQDN option alone: 81 (v4) or 39 (v6)
	VendorClass string  // option 60 (v4) or 16 (v6)
	ClientID    []byte  // option 61 (v4) or DUID (v6)
	ParamList   []uint8 // option 55 (v4); for v6 the ORO list as uint16 in ParamList6
	ParamList6  []uint16
	MUDURL      string     // option 161 (v4) or 112 (v6), RFC 8520
	RequestedIP netip.Addr // option 50
	YourIP      netip.Addr // yiaddr in OFFER/ACK
}

// SSDPEvent is an SSDP (UPnP discovery) message.
type SSDPEvent struct {
	Meta
	StartLine string // "M-SEARCH * HTTP/1.1", "NOTIFY * HTTP/1.1", "HTTP/1.1 200 OK"
	Server    string
	UserAgent string
	Location  string
	NT        string
	ST        string
	USN       string
}

// NTPEvent is an NTP packet.
type NTPEvent struct {
	Meta
	Version int
	Mode    int // 3 client, 4 server, ...
	Stratum int
}

// Sink receives what the scanner (or capture/zeek's feed) observes. Its
// methods are called from one goroutine at a time, in the order things
// were observed; they need not be safe for concurrent use.
//
// Ownership passes with the call: the caller never reads or writes an
// Event or a Flow after handing it over, so the sink may keep either
// beyond the call or hand it to another goroutine without a copy (audit's
// asyncSink queues both for the Builder's goroutine). That is why an
// event must not point into the read buffer: a dissector copies every
// byte slice it puts in one.
type Sink interface {
	Event(e Event)
	// Flow is called once per flow, when it expires, is evicted or the
	// scan ends; the Scanner calls it after the events of the flow's
	// packets (the inspector's included), with the Flow already out of
	// its table. capture/zeek calls it after all the logs' events.
	Flow(f *Flow)
}

// TLSServerEvent is what the server side of a TLS handshake showed: the
// negotiated version and cipher and, up to TLS 1.2 where it travels in
// the clear, the server's certificate.
type TLSServerEvent struct {
	Meta
	Version    uint16
	Cipher     uint16
	HasCert    bool
	Subject    string // leaf certificate subject common name
	SANs       []string
	Issuer     string
	NotBefore  time.Time
	NotAfter   time.Time
	SelfSigned bool
}

// ServerNameEvent is a server name a client sent in a protocol other than
// TLS or HTTP (Google QUIC's CHLO, say), with the client's User-Agent when
// the protocol carries one.
type ServerNameEvent struct {
	Meta
	Protocol  string
	Name      string
	UserAgent string
}

// UPnPDescriptionEvent is a UPnP device description (the XML an SSDP
// LOCATION points to), as the device served it over HTTP.
type UPnPDescriptionEvent struct {
	Meta         // Src is the device that described itself
	URL          string
	DeviceType   string
	FriendlyName string
	Manufacturer string
	ModelName    string
	ModelNumber  string
	SerialNumber string
}

// DeviceInfoEvent is what a device said about itself in a vendor's local
// control protocol: a TP-Link Kasa get_sysinfo reply, a Tuya LAN
// discovery broadcast. The sender is the device.
type DeviceInfoEvent struct {
	Meta
	Protocol string // "kasa", "tuya"
	// Model and Type as the device states them ("HS110(US)",
	// "IOT.SMARTPLUGSWITCH"); ProductKey and Version are Tuya's.
	Model, Type, ProductKey, Version string
	DeviceID                         string // the vendor's device identifier (Kasa deviceId, Tuya gwId)
	MAC                              string // the MAC address the message states
	Alias                            string // the name the owner gave the device
	Latitude, Longitude              float64
	HasLocation                      bool
	// Protection is how the message was protected on the wire: "XOR
	// autokey obfuscation (key 171)", "AES-128-ECB with Tuya's published
	// key", "none". Encrypted is set when tattle could not read it.
	Protection string
	Encrypted  bool
	Request    bool // a query (get_sysinfo asked), not a device's answer
}

// RouterEvent is an IPv6 router advertisement (RFC 4861 §4.2) that
// passed RFC 4861's on-link test (hop limit 255, a link-local source).
type RouterEvent struct {
	Meta
	// Lifetime is the router lifetime in seconds: how long hosts may use
	// the sender as a default router; 0 says it is not a default router.
	Lifetime uint16
	// Managed and OtherConfig are the M and O flags: addresses, or other
	// configuration only, from DHCPv6.
	Managed, OtherConfig bool
	// LinkAddr is the source link-layer address option; zero when absent.
	LinkAddr MAC
	// Prefixes are the prefix information options (at most
	// MaxRouterPrefixes), MTU the MTU option (0: absent), DNS the
	// recursive DNS servers of RFC 8106 (at most MaxRouterDNS).
	Prefixes []netip.Prefix
	MTU      uint32
	DNS      []netip.Addr
}

// Bounds of a RouterEvent's lists.
const (
	MaxRouterPrefixes = 8
	MaxRouterDNS      = 4
)
