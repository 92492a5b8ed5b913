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
	numLimits
)

// maxDevices bounds the devices one scan tracks. A home or office
// network has tens to a few thousand; past the bound (a flood of forged
// MAC addresses) the flows and events of every new device are folded
// into one device, "overflow", so memory stays bounded and nothing is
// lost from the totals.
const maxDevices = 1 << 14

// overflowID is the ID of the device that collects what came from
// devices past maxDevices.
const overflowID = "overflow"

var limitInfo = [numLimits]struct {
	name   string
	bound  int
	what   string
	effect string
}{
	limDevices:               {"devices", maxDevices, "flows and events of further devices", "folded into device " + overflowID},
	limDeviceIPs:             {"device_ips", maxDistinct, "addresses of one device", "dropped"},
	limDeviceDests:           {"device_destinations", maxDests, "flows to further destinations of one device", "folded into one \"(other addresses)\" destination per port"},
	limDeviceDHCP:            {"device_dhcp", maxDistinct, "distinct DHCP fingerprints of one device", "dropped"},
	limDeviceMDNS:            {"device_mdns", maxDistinct, "mDNS services of one device", "dropped"},
	limDeviceSSDP:            {"device_ssdp", maxDistinct, "distinct SSDP messages of one device", "dropped"},
	limDeviceUAs:             {"device_user_agents", maxDistinct, "User-Agents of one device", "dropped"},
	limDeviceTLS:             {"device_tls_clients", maxDistinct, "TLS client fingerprints of one device", "dropped"},
	limDeviceHosts:           {"device_hostnames", maxDistinct, "host names of one device", "dropped"},
	limDeviceQueries:         {"device_dns_queries", maxDistinct, "DNS query names of one device", "dropped"},
	limDevicePersonal:        {"device_personal_data", maxDistinct, "distinct personal-data findings of one device", "dropped"},
	limDeviceUPnP:            {"device_upnp", maxUPnP, "UPnP descriptions of one device", "dropped"},
	limDeviceListen:          {"device_listening_ports", maxListen, "listening ports of one device", "dropped"},
	limDNSNamesPerAddr:       {"dns_names_per_address", maxNamesPerAddr, "DNS names for one address", "dropped"},
	limDNSTable:              {"dns_name_table", 2 * maxTableAddrs, "addresses whose DNS names one device was given were forgotten", "dropped (their later flows are named by address)"},
	limDNSGlobalNamesPerAddr: {"dns_global_names_per_address", maxNamesPerAddr, "DNS names for one address (any client)", "dropped"},
	limDNSGlobalTable:        {"dns_global_name_table", 2 * maxTableAddrs, "addresses whose DNS names (any client) were forgotten", "dropped"},
	limLearnedNames:          {"learned_device_names", maxLearnedNames, "DHCP host names of devices", "not looked for in payloads"},
	limKnownForms:            {"inspect_known_forms", inspect.MaxKnownForms, "encoded forms of known values", "not looked for in payloads"},
	limLearnedMACs:           {"inspect_learned_macs", inspect.MaxLearnedMACs, "device MAC addresses", "not looked for in payloads"},
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
			Effect: "ended early (each is reported; one that went on is counted again)"})
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
	return result.Warning{Message: fmt.Sprintf("limit %s (%d) reached: %d %s past it were %s; the result is incomplete there",
		l.Name, l.Bound, l.Over, l.What, l.Effect)}
}
