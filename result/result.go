// Package result is tattle's result model: what a scan found, as reports
// render it and as `tattle scan --format json` writes it. It imports nothing
// of tattle's so that reports depend on this model alone.
//
// The JSON form is versioned by SchemaVersion; docs/schema/result.schema.json
// documents it. Additive changes keep the major version; renames or removals
// bump it.
package result

import "time"

// SchemaVersion identifies the JSON layout of Result.
const SchemaVersion = "tattle.result/v1"

// Result is the outcome of one scan.
type Result struct {
	Schema string  `json:"schema"`
	Tool   Tool    `json:"tool"`
	Inputs []Input `json:"inputs"`
	Stats  Stats   `json:"stats"`
	// Overview summarises the devices, as every report shows it first.
	// It is derived (BuildOverview): the JSON report writes it fresh, and
	// a result read back recomputes it.
	Overview *Overview `json:"overview,omitempty"`
	Devices  []Device  `json:"devices"`
	Warnings []Warning `json:"warnings,omitempty"`
	// Baseline is set when the result shows only what is new against an
	// earlier one (--baseline, tattle diff).
	Baseline *BaselineSummary `json:"baseline,omitempty"`
	// NotChecked names the checks the inputs carried no facts for (a
	// scan of Zeek logs has no payloads to inspect, say).
	NotChecked []string `json:"not_checked,omitempty"`
	// Redacted is true when personal data was replaced by placeholders.
	Redacted bool `json:"redacted"`
	// RedactionKey names the key that made the redacted result's
	// pseudonyms (result.KeyID; not the key itself): results redacted with
	// one key compare device by device.
	RedactionKey string `json:"redaction_key,omitempty"`
}

// BaselineSummary says which earlier result this one was compared with and
// how much is new; the devices then hold only what is new.
type BaselineSummary struct {
	File            string `json:"file"`
	NewDevices      int    `json:"new_devices"`
	NewDestinations int    `json:"new_destinations"`
	NewThirdParties int    `json:"new_third_parties"`
	NewFindings     int    `json:"new_findings"`
	ScoreDrops      int    `json:"score_drops"`
	Resolved        int    `json:"resolved_findings"`
}

// Tool names the program that made the result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Input is one capture file (or stream) that was read.
type Input struct {
	Name      string    `json:"name"`
	Format    string    `json:"format"`                // "pcap", "pcapng", "zeek-tsv", "zeek-json"
	Compress  string    `json:"compression,omitempty"` // "gzip", "zstd"
	LinkTypes []string  `json:"link_types,omitempty"`
	Packets   uint64    `json:"packets"`
	Bytes     uint64    `json:"bytes"`
	First     time.Time `json:"first,omitzero"`
	Last      time.Time `json:"last,omitzero"`
	Truncated bool      `json:"truncated,omitempty"`
	Error     string    `json:"error,omitempty"`
	// Log and Records describe a Zeek log: its kind ("conn", "dns"...)
	// and the records read ("zeek-tsv" and "zeek-json" formats).
	Log     string `json:"log,omitempty"`
	Records uint64 `json:"records,omitempty"`
}

// Stats counts what the pipeline did.
type Stats struct {
	Packets     uint64            `json:"packets"`
	Bytes       uint64            `json:"bytes"`
	Flows       uint64            `json:"flows"`
	Fragments   uint64            `json:"ip_fragments"`
	Undecoded   uint64            `json:"undecoded"` // packets with no IP layer tattle reads
	Truncated   uint64            `json:"truncated_packets"`
	Malformed   map[string]uint64 `json:"malformed,omitempty"` // by note, e.g. "dns: bad message"
	KernelDrops uint64            `json:"kernel_drops,omitempty"`
	// ClockSteps counts times the capture clock went back by more than
	// the flow idle timeout (a file from an earlier date, a clock jump):
	// the flows of the later time base were ended there.
	ClockSteps uint64 `json:"clock_steps,omitempty"`
	// Limits lists the memory bounds the input reached, each with how
	// many items came past it; every one also has a warning. Empty when
	// nothing was bounded.
	Limits []Limit `json:"limits,omitempty"`
}

// Limit is a bound on what a scan holds in memory (the flow table, the
// devices, a device's lists) that the input reached.
type Limit struct {
	Name   string `json:"name"`   // "flow_table", "devices", "device_ips", ...
	Bound  int    `json:"bound"`  // the most items held at once
	Over   uint64 `json:"over"`   // items that came past the bound
	Effect string `json:"effect"` // what became of them: "ended early", "folded into device overflow", "dropped"
	What   string `json:"what"`   // what the items are: "flows", "flows and events", "addresses", ...
}

// PayloadStripped reports whether so many packets were cut short (a
// small snaplen, payload-stripped captures) that payload checks saw
// little: a tenth or more of the packets.
func (s Stats) PayloadStripped() bool {
	return s.Packets > 0 && s.Truncated*10 >= s.Packets
}

// Warning is a problem that did not stop the scan.
type Warning struct {
	File    string `json:"file,omitempty"`
	Offset  int64  `json:"offset,omitempty"`
	Message string `json:"message"`
}

// Evidence points at the packets that support a claim.
type Evidence struct {
	Source string    `json:"source"`           // "dhcp", "mdns", "ssdp", "http", "tls", "dns", "oui", "cloud", ...
	Detail string    `json:"detail,omitempty"` // human-readable: `DHCP vendor class "MSFT 5.0"`
	File   string    `json:"file,omitempty"`
	Packet uint64    `json:"packet,omitempty"`
	Time   time.Time `json:"time,omitzero"`
	Rule   string    `json:"rule,omitempty"` // id of the rule that matched
	UID    string    `json:"uid,omitempty"`  // Zeek's uid of the connection, for evidence from Zeek logs
}

// Device is one device on the network, keyed by MAC (or by IP when the
// link layer has none).
type Device struct {
	ID                  string         `json:"id"` // MAC, or "ip:<addr>"
	MAC                 string         `json:"mac,omitempty"`
	OUIVendor           string         `json:"oui_vendor,omitempty"`
	LocallyAdministered bool           `json:"locally_administered,omitempty"`
	IPs                 []AddrSeen     `json:"ips"`
	Identity            Identity       `json:"identity"`
	Observations        Observations   `json:"observations"`
	Destinations        []Destination  `json:"destinations"`
	Findings            []Finding      `json:"findings,omitempty"`
	Score               *Score         `json:"score,omitempty"`
	Policy              *PolicySummary `json:"policy,omitempty"`
	Packets             uint64         `json:"packets"`
	BytesOut            uint64         `json:"bytes_out"`
	BytesIn             uint64         `json:"bytes_in"`
	First               time.Time      `json:"first"`
	Last                time.Time      `json:"last"`
}

// AddrSeen is an IP address a device used, with when.
type AddrSeen struct {
	IP    string    `json:"ip"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// Identity is what tattle concluded about a device.
type Identity struct {
	Vendor Field `json:"vendor"`
	Model  Field `json:"model"`
	Type   Field `json:"type"` // speaker, camera, tv, plug, hub, sensor, phone, computer, ...
	// Module is the maker of the device's Wi-Fi module or chipset
	// (Espressif, Hi-Flying, Texas Instruments...) when that is what its
	// MAC address names: evidence of the chip, not of the brand.
	Module    Field      `json:"module,omitzero"`
	Name      string     `json:"name,omitempty"` // human label, e.g. "TP-Link Kasa smart plug HS110"
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// Class is what kind of device it is: "iot", "general-purpose"
	// (phones, tablets, computers, virtual machines), "infrastructure"
	// (routers, gateways) or "unknown" (no type and no evidence either
	// way: not presumed IoT). ClassEvidence says why.
	Class         string     `json:"class,omitempty"`
	ClassEvidence []Evidence `json:"class_evidence,omitempty"`
	IsIoT         bool       `json:"is_iot"` // Class is "iot"
	// Infrastructure marks the network's own equipment: the gateway the
	// audit found (DHCP server, the MAC internet addresses sit behind) or
	// a router by its signals.
	Infrastructure bool `json:"is_infrastructure,omitempty"` // Class is "infrastructure"
	// Apps are the vendors whose IoT clouds a phone, tablet or computer
	// contacts: the apps it runs, not its maker.
	Apps []Field `json:"apps,omitempty"`
}

// Field is one identity claim with its confidence (0..1) and evidence.
// An empty Value means unknown.
type Field struct {
	Value      string     `json:"value,omitempty"`
	Confidence float64    `json:"confidence"`
	Evidence   []Evidence `json:"evidence,omitempty"`
}

// Conflict records signals that disagree about a field.
type Conflict struct {
	Field    string     `json:"field"`
	Values   []string   `json:"values"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Observations are the raw identity signals a device sent, deduplicated.
type Observations struct {
	DHCP       []DHCPObs `json:"dhcp,omitempty"`
	MDNS       []MDNSObs `json:"mdns,omitempty"`
	SSDP       []SSDPObs `json:"ssdp,omitempty"`
	UserAgents []Seen    `json:"user_agents,omitempty"`
	JA4        []TLSObs  `json:"tls_clients,omitempty"`
	Hostnames  []Seen    `json:"hostnames,omitempty"` // names the device calls itself (DHCP, mDNS)
	DNSQueries []Seen    `json:"dns_queries,omitempty"`
	UPnP       []UPnPObs `json:"upnp,omitempty"` // device descriptions the device served
	// Local are what the device said about itself in a vendor's local
	// control protocol (TP-Link Kasa get_sysinfo, Tuya LAN discovery).
	Local []LocalObs `json:"local_protocols,omitempty"`
	// Listening are the ports neighbours opened conversations to on the
	// device ("tcp/9999"), with the first flow that showed each.
	Listening []Seen `json:"listening,omitempty"`
}

// LocalObs is one statement of a device in a vendor's local protocol.
// Identifiers and names it carried are findings, not kept here.
type LocalObs struct {
	Protocol   string `json:"protocol"` // "kasa", "tuya"
	Model      string `json:"model,omitempty"`
	Type       string `json:"type,omitempty"`
	ProductKey string `json:"product_key,omitempty"` // Tuya's product identifier
	Version    string `json:"version,omitempty"`
	Protection string `json:"protection,omitempty"` // "XOR autokey obfuscation (key 171), not encryption"
	Encrypted  bool   `json:"encrypted,omitempty"`  // tattle could not read it
	Query      bool   `json:"query,omitempty"`      // the device asked (an app's get_sysinfo), it did not answer
	Count      int    `json:"count"`
	File       string `json:"file,omitempty"`
	Packet     uint64 `json:"packet,omitempty"`
}

// UPnPObs is a UPnP device description a device served.
type UPnPObs struct {
	URL          string `json:"url"`
	DeviceType   string `json:"device_type,omitempty"`
	FriendlyName string `json:"friendly_name,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	ModelName    string `json:"model_name,omitempty"`
	ModelNumber  string `json:"model_number,omitempty"`
	SerialNumber string `json:"serial_number,omitempty"`
	File         string `json:"file,omitempty"`
	Packet       uint64 `json:"packet,omitempty"`
}

// Seen is a value with the first packet it was seen in and a count.
type Seen struct {
	Value  string `json:"value"`
	Count  int    `json:"count"`
	File   string `json:"file,omitempty"`
	Packet uint64 `json:"packet,omitempty"`
}

// DHCPObs is one distinct DHCP fingerprint a device sent.
type DHCPObs struct {
	V6          bool   `json:"v6,omitempty"`
	Hostname    string `json:"hostname,omitempty"`
	VendorClass string `json:"vendor_class,omitempty"`
	ParamList   string `json:"param_list,omitempty"` // "1,3,6,15" (option 55 / ORO)
	ClientID    string `json:"client_id,omitempty"`  // hex
	MUDURL      string `json:"mud_url,omitempty"`
	Count       int    `json:"count"`
	File        string `json:"file,omitempty"`
	Packet      uint64 `json:"packet,omitempty"`
}

// MDNSObs is one service instance a device announced.
type MDNSObs struct {
	Instance string   `json:"instance"`
	Service  string   `json:"service"`
	Host     string   `json:"host,omitempty"`
	Port     uint16   `json:"port,omitempty"`
	TXT      []string `json:"txt,omitempty"`
	File     string   `json:"file,omitempty"`
	Packet   uint64   `json:"packet,omitempty"`
}

// SSDPObs is one distinct SSDP announcement or search a device sent.
type SSDPObs struct {
	Server    string `json:"server,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Location  string `json:"location,omitempty"`
	NT        string `json:"nt,omitempty"`
	ST        string `json:"st,omitempty"`
	USN       string `json:"usn,omitempty"`
	Count     int    `json:"count"`
	File      string `json:"file,omitempty"`
	Packet    uint64 `json:"packet,omitempty"`
}

// TLSObs is one distinct TLS client fingerprint a device used.
type TLSObs struct {
	JA4    string   `json:"ja4"`
	JA4R   string   `json:"ja4_r,omitempty"`
	JA3    string   `json:"ja3,omitempty"`
	JA3Raw string   `json:"ja3_raw,omitempty"`
	SNIs   []string `json:"snis,omitempty"`
	Count  int      `json:"count"`
	File   string   `json:"file,omitempty"`
	Packet uint64   `json:"packet,omitempty"`
}

// Destination is one endpoint a device talked to: (remote IP, port,
// transport), with the names that identify it.
type Destination struct {
	Name       string     `json:"name,omitempty"` // best name (SNI > HTTP Host > DNS); empty when reached by IP only
	Names      []NameSeen `json:"names,omitempty"`
	IP         string     `json:"ip"`
	OtherIPs   []string   `json:"other_ips,omitempty"` // more addresses that served a named destination
	Port       uint16     `json:"port"`
	Transport  string     `json:"transport"`           // "tcp", "udp"
	Protocols  []string   `json:"protocols,omitempty"` // "tls", "http", "dns", "quic", "ntp", ...
	Local      bool       `json:"local,omitempty"`     // private/link-local/multicast address
	Inbound    bool       `json:"inbound,omitempty"`   // the remote side opened the conversation
	Flows      int        `json:"flows"`
	PacketsOut uint64     `json:"packets_out"`
	PacketsIn  uint64     `json:"packets_in"`
	BytesOut   uint64     `json:"bytes_out"`
	BytesIn    uint64     `json:"bytes_in"`
	First      time.Time  `json:"first"`
	Last       time.Time  `json:"last"`
	File       string     `json:"file,omitempty"`   // first packet's file
	Packet     uint64     `json:"packet,omitempty"` // first packet's number (a Zeek log's line)
	UID        string     `json:"uid,omitempty"`    // Zeek's uid of the first flow, when read from Zeek logs
	TLS        *TLSInfo   `json:"tls,omitempty"`

	// Classification (destination knowledge). Organization is the owner:
	// whoever holds the registrable domain of the name the device used
	// (or, for an address no name covers, whoever hosts it); the party
	// follows the owner. Hosting is where the destination is served
	// from, when that is known and differs from the owner: a CNAME
	// target's organisation, a cloud's published address ranges or the
	// --asn-db network.
	Domain       string `json:"domain,omitempty"` // registrable domain (eTLD+1)
	Organization string `json:"organization,omitempty"`
	Parent       string `json:"parent,omitempty"` // ultimate owner
	Category     string `json:"category,omitempty"`
	Party        string `json:"party"` // "first", "support", "third", "local", "unclassified"
	ClassifiedBy string `json:"classified_by,omitempty"`
	// Confidence of the owner: 0.9 from a name in the knowledge base, 0.7
	// from what a name says it is (a time server), 0.6 from the address
	// alone (a published cloud range: "hosted on"), 0.5 from --asn-db.
	Confidence float64 `json:"confidence,omitempty"`
	Hosting    string  `json:"hosting,omitempty"`    // organisation that hosts it
	HostingBy  string  `json:"hosting_by,omitempty"` // "dns-cname:NAME", "cert:NAME", "ip-range:PREFIX", "asn:ASN"
	// Cleartext bytes in protocols without encryption.
	CleartextBytes uint64 `json:"cleartext_bytes,omitempty"`
	Entropy        string `json:"entropy,omitempty"` // payloads no dissector named: "encrypted" (or compressed), "text", "binary", or "unknown" (under 64 bytes sampled)
}

// NameSeen is one name for a destination and the evidence that named it.
type NameSeen struct {
	Name   string `json:"name"`
	Source string `json:"source"` // "dns", "sni", "http", "cert", "mdns"
	File   string `json:"file,omitempty"`
	Packet uint64 `json:"packet,omitempty"`
}

// TLSInfo summarises the TLS a device used toward a destination.
type TLSInfo struct {
	SNI      string   `json:"sni,omitempty"`
	ALPN     []string `json:"alpn,omitempty"`
	Versions []string `json:"versions_offered,omitempty"`
	JA3      string   `json:"ja3,omitempty"`
	JA4      string   `json:"ja4,omitempty"`
	Version  string   `json:"version_used,omitempty"` // from ServerHello when seen
	Cipher   string   `json:"cipher_used,omitempty"`
	// Certificate of the server, when TLS 1.2 or below showed it.
	CertSubject    string    `json:"cert_subject,omitempty"`
	CertIssuer     string    `json:"cert_issuer,omitempty"`
	CertNotAfter   time.Time `json:"cert_not_after,omitzero"`
	CertSelfSigned bool      `json:"cert_self_signed,omitempty"`
	// WeakCiphers names the classes of weak suites offered (NULL, EXPORT,
	// RC4, DES, 3DES, anonymous).
	WeakCiphers []string `json:"weak_ciphers_offered,omitempty"`
}

// Severity of a finding.
const (
	SeverityInfo     = "info"
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Finding is one thing a reader should know: a third party contacted, data
// sent in the clear, a disclosure omitted.
type Finding struct {
	ID           string     `json:"id"`   // stable hash of kind+device+subject, for baselines
	Kind         string     `json:"kind"` // rule id, one of kinds.go's Kind constants, e.g. "third-party-contact", "cleartext-personal-data"
	Severity     string     `json:"severity"`
	Title        string     `json:"title"`
	Message      string     `json:"message"`
	Destination  string     `json:"destination,omitempty"` // name or IP
	Organization string     `json:"organization,omitempty"`
	DataType     string     `json:"data_type,omitempty"`    // PoliCheck-style data type
	Disclosure   string     `json:"disclosure,omitempty"`   // clear, vague, omitted, incorrect, ambiguous
	PolicyRef    string     `json:"policy_ref,omitempty"`   // declaration file:line, or the statement's place in the policy text
	PolicyQuote  string     `json:"policy_quote,omitempty"` // the policy's sentence that decided it
	Evidence     []Evidence `json:"evidence,omitempty"`
	Excerpt      string     `json:"excerpt,omitempty"`  // redacted unless asked
	Personal     bool       `json:"personal,omitempty"` // the excerpt holds personal data
}

// Score is a device's privacy score with the deductions that make it up.
type Score struct {
	Value      int         `json:"value"` // 0..100
	Grade      string      `json:"grade"` // A..F
	Deductions []Deduction `json:"deductions"`
	// Partial is set when the capture held too little payload for the
	// payload checks (Stats.PayloadStripped): the score may miss findings.
	Partial bool `json:"partial_evidence,omitempty"`
}

// Deduction explains points taken off a score.
type Deduction struct {
	Points  int      `json:"points"`
	Reason  string   `json:"reason"`
	Finding []string `json:"findings,omitempty"` // finding IDs
}

// PolicySummary names the declaration a device was checked against.
type PolicySummary struct {
	File    string `json:"file"`
	Vendor  string `json:"vendor,omitempty"`
	URL     string `json:"url,omitempty"`
	Date    string `json:"date,omitempty"`
	Matched string `json:"matched_by,omitempty"`
}
