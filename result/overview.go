package result

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Overview is the one-table summary of a result that every report shows
// first: one row per device, IoT devices first and the most severe first,
// then the unidentified devices (class unknown), then infrastructure,
// computers and phones, each group of its own. It is
// derived from the devices (BuildOverview), never stored apart from them.
type Overview struct {
	// Summary is one paragraph saying what was found.
	Summary string `json:"summary"`
	// Findings counts all findings by severity.
	Findings SeverityCounts `json:"findings"`
	Devices  []OverviewRow  `json:"devices"`
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// Add counts one finding of severity sev.
func (c *SeverityCounts) Add(sev string) {
	switch sev {
	case SeverityCritical:
		c.Critical++
	case SeverityHigh:
		c.High++
	case SeverityMedium:
		c.Medium++
	case SeverityLow:
		c.Low++
	default:
		c.Info++
	}
}

// Total is the number of findings counted.
func (c SeverityCounts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Info }

// Worst is the highest severity counted, or "" when none.
func (c SeverityCounts) Worst() string {
	switch {
	case c.Critical > 0:
		return SeverityCritical
	case c.High > 0:
		return SeverityHigh
	case c.Medium > 0:
		return SeverityMedium
	case c.Low > 0:
		return SeverityLow
	case c.Info > 0:
		return SeverityInfo
	}
	return ""
}

// Device groups of the overview.
const (
	GroupIoT     = "iot"
	GroupUnknown = "unknown" // unidentified: class unknown, not presumed IoT
	GroupOther   = "other"   // infrastructure, computers, phones
)

// Groups lists the overview's groups in the order reports show them.
var Groups = []string{GroupIoT, GroupUnknown, GroupOther}

// Device classes (Identity.Class).
const (
	ClassIoT            = "iot"
	ClassGeneralPurpose = "general-purpose"
	ClassInfrastructure = "infrastructure"
	ClassUnknown        = "unknown"
)

// DeviceClass is the identity's class; a result written before classes
// existed has none and is read by its is_iot and is_infrastructure flags.
func (id *Identity) DeviceClass() string {
	switch {
	case id.Class != "":
		return id.Class
	case id.IsIoT:
		return ClassIoT
	case id.Infrastructure:
		return ClassInfrastructure
	}
	return ClassGeneralPurpose
}

// GroupOf is the overview group of a device class.
func GroupOf(class string) string {
	switch class {
	case ClassIoT:
		return GroupIoT
	case ClassUnknown:
		return GroupUnknown
	}
	return GroupOther
}

func groupRank(g string) int {
	for i, x := range Groups {
		if x == g {
			return i
		}
	}
	return len(Groups)
}

// OverviewRow is one device in the overview.
type OverviewRow struct {
	Device string `json:"device"` // Device.ID
	Name   string `json:"name"`
	Group  string `json:"group"`
	Vendor Claim  `json:"vendor,omitzero"`
	Type   Claim  `json:"type,omitzero"`
	Model  Claim  `json:"model,omitzero"`
	Grade  string `json:"grade,omitempty"`
	Score  *int   `json:"score,omitempty"`
	// Partial: the score rests on partial evidence (Score.Partial).
	Partial bool `json:"partial_evidence,omitempty"`
	// ThirdParties are the third-party organisations the device reached.
	ThirdParties []string `json:"third_parties,omitempty"`
	// Undisclosed are the recipients whose flows the declaration omits or
	// contradicts (empty when no declaration applied).
	Undisclosed []string `json:"undisclosed,omitempty"`
	// PersonalData are the data types found in cleartext.
	PersonalData []string       `json:"personal_data,omitempty"`
	Findings     SeverityCounts `json:"findings"`
	Policy       string         `json:"policy,omitempty"` // the declaration checked against
}

// Claim is an identity value with its confidence, for the overview.
type Claim struct {
	Value      string  `json:"value,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
}

// BuildOverview derives the overview of r.
func BuildOverview(r *Result) *Overview {
	o := &Overview{Devices: make([]OverviewRow, 0, len(r.Devices))}
	for i := range r.Devices {
		d := &r.Devices[i]
		row := OverviewRow{Device: d.ID, Name: DeviceLabel(d), Group: GroupOf(d.Identity.DeviceClass()),
			Vendor: claim(d.Identity.Vendor), Type: claim(d.Identity.Type), Model: claim(d.Identity.Model)}
		if d.Score != nil {
			v := d.Score.Value
			row.Score, row.Grade, row.Partial = &v, d.Score.Grade, d.Score.Partial
		}
		if d.Policy != nil {
			row.Policy = d.Policy.File
		}
		third, undisclosed, personal := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for j := range d.Destinations {
			dst := &d.Destinations[j]
			if dst.Party == PartyThird && dst.Organization != "" {
				third[dst.Organization] = true
			}
		}
		for _, f := range d.Findings {
			row.Findings.Add(f.Severity)
			o.Findings.Add(f.Severity)
			if Kinds[f.Kind].Undisclosed && f.Severity != SeverityInfo {
				who := f.Organization
				if who == "" {
					who = f.Destination
				}
				if who != "" {
					undisclosed[who] = true
				}
			}
			if (f.Kind == KindCleartextPersonal || f.Kind == KindCredentials) && f.Severity != SeverityInfo && f.DataType != "" {
				personal[f.DataType] = true
			}
		}
		row.ThirdParties, row.Undisclosed, row.PersonalData = sortedKeys(third), sortedKeys(undisclosed), sortedKeys(personal)
		o.Devices = append(o.Devices, row)
	}
	sort.SliceStable(o.Devices, func(i, j int) bool {
		a, b := &o.Devices[i], &o.Devices[j]
		if a.Group != b.Group {
			return groupRank(a.Group) < groupRank(b.Group)
		}
		if x, y := severityRank(a.Findings.Worst()), severityRank(b.Findings.Worst()); x != y {
			return x > y
		}
		if sa, sb := scoreOf(a), scoreOf(b); sa != sb {
			return sa < sb
		}
		return a.Device < b.Device
	})
	o.Summary = summary(r, o)
	return o
}

func claim(f Field) Claim { return Claim{Value: f.Value, Confidence: f.Confidence} }

func scoreOf(r *OverviewRow) int {
	if r.Score == nil {
		return 101
	}
	return *r.Score
}

func severityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 5
	case SeverityHigh:
		return 4
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// summary writes the paragraph on top of a report: how many devices, how
// many talk to third parties and to whom, undisclosed recipients,
// personal data in cleartext, and the worst grade.
func summary(r *Result, o *Overview) string {
	iot, unknown, other := 0, 0, 0
	var withThird, withUndisclosed, withPersonal []string
	thirdOrgs, undisclosedOrgs, personalTypes := map[string]bool{}, map[string]bool{}, map[string]bool{}
	worst := ""
	worstScore := 101
	for i := range o.Devices {
		row := &o.Devices[i]
		switch row.Group {
		case GroupIoT:
			iot++
		case GroupUnknown:
			unknown++
		default:
			other++
		}
		if len(row.ThirdParties) > 0 {
			withThird = append(withThird, row.Name)
			for _, t := range row.ThirdParties {
				thirdOrgs[t] = true
			}
		}
		if len(row.Undisclosed) > 0 {
			withUndisclosed = append(withUndisclosed, row.Name)
			for _, t := range row.Undisclosed {
				undisclosedOrgs[t] = true
			}
		}
		if len(row.PersonalData) > 0 {
			withPersonal = append(withPersonal, row.Name)
			for _, t := range row.PersonalData {
				personalTypes[t] = true
			}
		}
		if row.Score != nil && *row.Score < worstScore {
			worstScore, worst = *row.Score, row.Name
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s seen (%d IoT, ", plural(len(o.Devices), "device"), iot)
	if unknown > 0 {
		fmt.Fprintf(&b, "%d unidentified, ", unknown)
	}
	fmt.Fprintf(&b, "%d infrastructure, computers and phones)", other)
	read := 0 // inputs that were captures or logs, not files skipped beside them
	for _, in := range r.Inputs {
		if in.Format != "" || in.Packets > 0 {
			read++
		}
	}
	if read > 0 {
		fmt.Fprintf(&b, " in %s of %d packets", plural(read, "capture"), r.Stats.Packets)
	}
	b.WriteString(". ")
	if len(withThird) == 0 {
		b.WriteString("No device was seen talking to a third party. ")
	} else {
		fmt.Fprintf(&b, "%s talked to %s (%s). ", plural(len(withThird), "device"), plural(len(thirdOrgs), "third party"), listSome(sortedKeys(thirdOrgs), 5))
	}
	if len(withUndisclosed) > 0 {
		fmt.Fprintf(&b, "%s sent data to recipients that the declarations do not disclose or rule out (%s). ", plural(len(withUndisclosed), "device"), listSome(sortedKeys(undisclosedOrgs), 5))
	}
	if len(withPersonal) > 0 {
		fmt.Fprintf(&b, "%s sent personal data in cleartext (%s). ", plural(len(withPersonal), "device"), listSome(sortedKeys(personalTypes), 5))
	}
	c := o.Findings
	fmt.Fprintf(&b, "%s: %d critical, %d high, %d medium, %d low, %d info.", plural(c.Total(), "finding"), c.Critical, c.High, c.Medium, c.Low, c.Info)
	if worst != "" {
		fmt.Fprintf(&b, " Lowest score: %s, %d/100.", worst, worstScore)
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "party"):
		word = strings.TrimSuffix(word, "y") + "ies"
	default:
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}

func listSome(l []string, n int) string {
	if len(l) <= n {
		return strings.Join(l, ", ")
	}
	return strings.Join(l[:n], ", ") + fmt.Sprintf(" and %d more", len(l)-n)
}

// DeviceLabel is the name reports give a device: its identity's name, or
// what little is known.
func DeviceLabel(d *Device) string {
	if d.Identity.Name != "" {
		return d.Identity.Name
	}
	if d.OUIVendor != "" {
		return "unknown device (" + d.OUIVendor + ")"
	}
	if d.LocallyAdministered {
		return "unknown device (randomised MAC)"
	}
	return "unknown device"
}

// NameEvidence is the packet a reader should open to see that the device
// reached this destination under its name: the TLS ClientHello (SNI), QUIC
// Initial or HTTP request that named it on its own flow, else the DNS
// answer that named its address, else the first packet of its first flow.
func (d *Destination) NameEvidence() Evidence {
	if d.Name != "" {
		var dns *NameSeen
		for i := range d.Names {
			n := &d.Names[i]
			if n.Name != d.Name || n.Packet == 0 {
				continue
			}
			switch n.Source {
			case "sni":
				return Evidence{Source: "tls", File: n.File, Packet: n.Packet, Time: d.First, Detail: d.detail("TLS ClientHello with SNI ", d.Name, " to ")}
			case "quic":
				return Evidence{Source: "quic", File: n.File, Packet: n.Packet, Time: d.First, Detail: d.detail("QUIC Initial with SNI ", d.Name, " to ")}
			case "http":
				return Evidence{Source: "http", File: n.File, Packet: n.Packet, Time: d.First, Detail: d.detail("HTTP request with Host ", d.Name, " to ")}
			case "dns", "dns-cname":
				if dns == nil {
					dns = n
				}
			}
		}
		if dns != nil {
			return Evidence{Source: "dns", File: dns.File, Packet: dns.Packet, Time: d.First, Detail: d.detail("DNS answer naming ", d.IP, " ", d.Name, "; traffic to ")}
		}
	}
	return Evidence{Source: "flow", File: d.File, Packet: d.Packet, UID: d.UID, Time: d.First, Detail: d.detail("first packet to ")}
}

// detail is parts, then the destination's address, port and transport
// ("192.0.2.1:443/tcp"), in one string made at once (a result has an
// evidence of a destination for most of its findings).
func (d *Destination) detail(parts ...string) string {
	var buf [256]byte
	b := buf[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	b = append(append(b, d.IP...), ':')
	b = strconv.AppendUint(b, uint64(d.Port), 10)
	return string(append(append(b, '/'), d.Transport...))
}
