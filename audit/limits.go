package audit

import (
	"fmt"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/result"
)

// limitID names one of the builder's memory bounds. Every time one is
// reached the item that did not fit is counted, and Scan reports each
// bound reached in stats.limits and a warning: nothing is bounded
// silently.
type limitID int

const (
	limDevices limitID = iota
	limDeviceIPs
	limDeviceDests
	limDeviceDHCP
	limDeviceMDNS
	limDeviceSSDP
	limDeviceUAs
	limDeviceTLS
	limDeviceHosts
	limDeviceQueries
	limDevicePersonal
	limDeviceUPnP
	limDeviceListen
	limDNSNamesPerAddr
	limDNSTable
	limDNSGlobalNamesPerAddr
	limDNSGlobalTable
	limLearnedNames
	limKnownForms
	limLearnedMACs
	limDeviceLocal
	limGatewayMACs
	numLimits
)

// maxDevices bounds the devices one scan tracks. A home or office
// network has tens to a few thousand; past the bound (a flood of forged
// MAC addresses) the flows and events of every new device are folded
// into one device, "overflow", so memory stays bounded and nothing is
// lost from the totals.
const maxDevices = 1 << 14

// maxGatewayMACs bounds the MACs counted as candidates for the gateway
// (the MAC most internet addresses sit behind).
const maxGatewayMACs = 4096

// overflowID is the ID of the device that collects what came from
// devices past maxDevices.
const overflowID = "overflow"

var limitInfo = [numLimits]struct {
	name   string
	bound  int
	what   string
	effect string
}{
	limDevices:               {"devices", maxDevices, "flows and events of devices past the bound", "folded into device " + overflowID},
	limDeviceIPs:             {"device_ips", maxDistinct, "addresses of a device past its bound", "dropped"},
	limDeviceDests:           {"device_destinations", maxDests, "flows to destinations of a device past its bound", "folded into one \"(other addresses)\" destination per port"},
	limDeviceDHCP:            {"device_dhcp", maxDistinct, "DHCP fingerprints of a device past its bound", "dropped"},
	limDeviceMDNS:            {"device_mdns", maxDistinct, "mDNS services of a device past its bound", "dropped"},
	limDeviceSSDP:            {"device_ssdp", maxDistinct, "SSDP messages of a device past its bound", "dropped"},
	limDeviceUAs:             {"device_user_agents", maxDistinct, "User-Agents of a device past its bound", "dropped"},
	limDeviceTLS:             {"device_tls_clients", maxDistinct, "TLS client fingerprints of a device past its bound", "dropped"},
	limDeviceHosts:           {"device_hostnames", maxDistinct, "host names of a device past its bound", "dropped"},
	limDeviceQueries:         {"device_dns_queries", maxDistinct, "DNS query names of a device past its bound", "dropped"},
	limDevicePersonal:        {"device_personal_data", maxDistinct, "personal-data findings of a device past its bound", "dropped"},
	limDeviceUPnP:            {"device_upnp", maxUPnP, "UPnP descriptions of a device past its bound", "dropped"},
	limDeviceListen:          {"device_listening_ports", maxListen, "listening ports of a device past its bound", "dropped"},
	limDNSNamesPerAddr:       {"dns_names_per_address", maxNamesPerAddr, "DNS names of an address past its bound", "dropped"},
	limDNSTable:              {"dns_name_table", 2 * maxTableAddrs, "addresses (with the DNS names a device was given for them)", "forgotten with the oldest generation of the table (later flows to them are named by address)"},
	limDNSGlobalNamesPerAddr: {"dns_global_names_per_address", maxNamesPerAddr, "DNS names (given to any client) of an address past its bound", "dropped"},
	limDNSGlobalTable:        {"dns_global_name_table", 2 * maxTableAddrs, "addresses (with the DNS names any client was given for them)", "forgotten with the oldest generation of the table"},
	limLearnedNames:          {"learned_device_names", maxLearnedNames, "DHCP host names past the bound", "not looked for in payloads"},
	limKnownForms:            {"inspect_known_forms", inspect.MaxKnownForms, "encoded forms of known values past the bound", "not looked for in payloads"},
	limDeviceLocal:           {"device_local_protocols", maxLocal, "vendor local-protocol statements (Kasa, Tuya) of a device past its bound", "dropped"},
	limGatewayMACs:           {"gateway_candidate_macs", maxGatewayMACs, "MACs internet addresses sit behind, past the bound", "not considered for the gateway"},
	limLearnedMACs:           {"inspect_learned_macs", inspect.MaxLearnedMACs, "packets from devices whose MAC address was past the bound", "not searched for that MAC address (the MAC-address pattern still applies)"},
}

// limitCounts counts, per bound, the items that came past it.
type limitCounts [numLimits]uint64

func (c *limitCounts) add(id limitID) {
	if c != nil {
		c[id]++
	}
}

// Limits lists the bounds the scan reached: the builder's, the flow
// table's (from the scanner's stats), in a fixed order.
func (b *Builder) Limits(st capture.Stats, maxFlows int) []result.Limit {
	var out []result.Limit
	if st.Evicted > 0 {
		out = append(out, result.Limit{Name: "flow_table", Bound: maxFlows, Over: st.Evicted, What: "flows",
			Effect: "ended early to make room (each is reported; one that went on is counted again as a new flow)"})
	}
	for id := limitID(0); id < numLimits; id++ {
		if n := b.over[id]; n > 0 {
			li := limitInfo[id]
			out = append(out, result.Limit{Name: li.name, Bound: li.bound, Over: n, What: li.what, Effect: li.effect})
		}
	}
	return out
}

// LimitWarning words a bound reached as a warning.
func LimitWarning(l result.Limit) result.Warning {
	return result.Warning{Message: fmt.Sprintf("limit %s (%d) reached: %d %s were %s", l.Name, l.Bound, l.Over, l.What, l.Effect)}
}

// boundNotes are the flow notes (stats.malformed, counted per flow) that
// mean a reassembly bound was reached; Scan lists each in stats.limits
// and warns about it as about the builder's bounds.
var boundNotes = []struct {
	note, name string
	bound      int
	what       string
	effect     string
}{
	// capture/tlsx maxHandshake, maxPending
	{"tls: handshake too long or too scattered", "tls_handshake", 64 << 10, "flows whose TLS handshake went past the bound (bytes, or 16 fragments)", "not fingerprinted"},
	// capture/dissect maxHeaderBytes
	{"http: header block too long", "http_header_block", 16 << 10, "flows whose HTTP header block went past the bound (bytes)", "not read past it"},
	// capture/dissect maxDNSTCP
	{"dns: tcp message too long", "dns_tcp_message", 64 << 10, "flows with a DNS message over TCP past the bound (bytes)", "not parsed"},
	// capture/dissect maxDescription
	{"upnp: description too long", "upnp_description", 64 << 10, "flows with a UPnP description past the bound (bytes)", "not parsed"},
	{"inspect: gap skipped", "inspect_reorder_buffer", inspect.MaxOOOBytes, "flows whose out-of-order segments went past the bound (bytes per direction, 16 segments, 64 MiB in all)", "inspected from after the gap"},
}

// noteLimits lists the reassembly bounds the scan's flow notes say were
// reached, in boundNotes' order.
func noteLimits(malformed map[string]uint64) []result.Limit {
	var out []result.Limit
	for _, b := range boundNotes {
		if n := malformed[b.note]; n > 0 {
			out = append(out, result.Limit{Name: b.name, Bound: b.bound, Over: n, What: b.what, Effect: b.effect})
		}
	}
	return out
}
