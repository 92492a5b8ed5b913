package audit

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// Knowledge is what the audit classifies with.
type Knowledge struct {
	Devices *fingerprints.DB
	KB      *fingerprints.KB
	// ASN, when set, names the network owner of destinations no name
	// classifies.
	ASN *fingerprints.ASNDB
	// Labels are the users' own statements of what devices are, by MAC
	// (--label, --labels); they win over every signal.
	Labels map[[6]byte]fingerprints.Label
}

// signals gathers a device's identity signals for the fingerprinting
// rules.
func signals(rd *result.Device, d *device) *fingerprints.Signals {
	s := &fingerprints.Signals{}
	if !d.key.mac.IsZero() {
		s.MAC, s.HasMAC = d.key.mac, true
	}
	ref := func(file string, pkt uint64) fingerprints.Ref { return fingerprints.Ref{File: file, Packet: pkt} }
	o := &rd.Observations
	for _, x := range o.DHCP {
		r := ref(x.File, x.Packet)
		s.Add("dhcp_hostname", x.Hostname, r)
		s.Add("dhcp_vendor_class", x.VendorClass, r)
		s.Add("dhcp_params", x.ParamList, r)
	}
	for _, x := range o.MDNS {
		r := ref(x.File, x.Packet)
		s.Add("mdns_service", x.Service, r)
		s.Add("mdns_instance", x.Instance, r)
		for _, t := range x.TXT {
			s.Add("mdns_txt", t, r)
		}
	}
	for _, x := range o.SSDP {
		r := ref(x.File, x.Packet)
		s.Add("ssdp_server", x.Server, r)
		s.Add("user_agent", x.UserAgent, r)
		s.Add("ssdp_type", x.NT, r)
		s.Add("ssdp_type", x.ST, r)
		// What the device announces of itself: a NOTIFY's NT, a search
		// response's ST (a response carries USN and LOCATION, an M-SEARCH
		// neither: UPnP Device Architecture 1.1, 1.3.2-1.3.3), never what
		// it searched for.
		s.Add("ssdp_announce", x.NT, r)
		if x.USN != "" || x.Location != "" {
			s.Add("ssdp_announce", x.ST, r)
		}
	}
	for _, x := range o.UPnP {
		r := ref(x.File, x.Packet)
		s.Add("upnp_manufacturer", x.Manufacturer, r)
		model := strings.TrimSpace(x.ModelName + " " + x.ModelNumber)
		if x.ModelNumber != "" && strings.Contains(x.ModelName, x.ModelNumber) {
			model = x.ModelName
		}
		s.Add("upnp_model", model, r)
		s.Add("ssdp_type", x.DeviceType, r)
		s.Add("ssdp_announce", x.DeviceType, r)
	}
	for _, x := range o.Local {
		r := ref(x.File, x.Packet)
		switch {
		case x.Query:
			s.Add("local_app", x.Protocol, r)
		case x.Protocol == "kasa":
			s.Add("kasa_model", x.Model, r)
			s.Add("kasa_type", x.Type, r)
		case x.Protocol == "tuya":
			p := x.ProductKey
			if p == "" {
				p = "(encrypted)"
			}
			s.Add("tuya_product", p, r)
		}
	}
	for _, x := range o.UserAgents {
		s.Add("user_agent", x.Value, ref(x.File, x.Packet))
	}
	for _, x := range o.JA4 {
		s.Add("ja4", x.JA4, ref(x.File, x.Packet))
	}
	for _, x := range o.Listening {
		s.Add("listen_port", x.Value, ref(x.File, x.Packet))
	}
	seen := map[string]bool{}
	addDomain := func(n string, r fingerprints.Ref) {
		if n != "" && !seen[n] && len(s.Domains) < 500 {
			seen[n] = true
			s.Domains = append(s.Domains, fingerprints.Signal{Value: n, Ref: r})
		}
	}
	for _, q := range o.DNSQueries {
		addDomain(q.Value, ref(q.File, q.Packet))
	}
	for _, dst := range rd.Destinations {
		for _, n := range dst.Names {
			if n.Source == "sni" || n.Source == "http" {
				addDomain(n.Name, ref(n.File, n.Packet))
			}
		}
	}
	// (the values are distinct: any sort gives this order)
	slices.SortFunc(s.Domains, func(a, b fingerprints.Signal) int { return strings.Compare(a.Value, b.Value) })
	return s
}

func claimField(c fingerprints.Claim) result.Field {
	f := result.Field{Value: c.Value, Confidence: c.Confidence}
	for _, e := range c.Evidence {
		f.Evidence = append(f.Evidence, result.Evidence{Source: e.Source, Detail: e.Detail, Rule: e.Rule, File: e.Ref.File, Packet: e.Ref.Packet})
	}
	return f
}

// identify fills the device's identity, classifies its destinations and
// adds the findings that follow from who they are.
// lk, if not nil, remembers the knowledge base's answers for the
// destinations' names across the devices of one worker.
func (k *Knowledge) identify(lk *lookups, rd *result.Device, d *device, gateway []fingerprints.Signal) {
	if rd.MAC != "" {
		if org, ok := fingerprints.LookupOUI(d.key.mac); ok {
			rd.OUIVendor = org
		}
	}
	s := signals(rd, d)
	s.Gateway = gateway
	if l, ok := k.Labels[d.key.mac]; ok && !d.key.mac.IsZero() {
		s.Label = &l
	}
	id := k.Devices.Identify(s)
	rd.Identity = result.Identity{
		Vendor: claimField(id.Vendor), Model: claimField(id.Model), Type: claimField(id.Type), Module: claimField(id.Module),
		Name: id.Name, Class: id.Class, IsIoT: id.IsIoT, Infrastructure: id.Infrastructure,
	}
	for _, e := range id.ClassEvidence {
		rd.Identity.ClassEvidence = append(rd.Identity.ClassEvidence, result.Evidence{Source: e.Source, Detail: e.Detail, Rule: e.Rule, File: e.Ref.File, Packet: e.Ref.Packet})
	}
	for _, a := range id.Apps {
		rd.Identity.Apps = append(rd.Identity.Apps, claimField(a))
	}
	for _, c := range id.Conflicts {
		rc := result.Conflict{Field: c.Field}
		for _, cl := range c.Claims {
			rc.Values = append(rc.Values, fmt.Sprintf("%s (%.2f)", cl.Value, cl.Confidence))
			for _, e := range cl.Evidence {
				rc.Evidence = append(rc.Evidence, result.Evidence{Source: e.Source, Detail: e.Detail, Rule: e.Rule, File: e.Ref.File, Packet: e.Ref.Packet})
			}
		}
		rd.Identity.Conflicts = append(rd.Identity.Conflicts, rc)
	}
	vendorOrg := ""
	if id.Vendor.Value != "" {
		if o, ok := k.KB.OrgByName(id.Vendor.Value); ok {
			vendorOrg = o.ID
		}
	}
	for i := range rd.Destinations {
		k.classify(lk, vendorOrg, &rd.Destinations[i])
	}
	rd.Findings = appendPartyFindings(rd.Findings, rd)
	rd.Findings = result.MergeFindings(rd.Findings, maxEvidence)
}

// appendPartyFindings appends to out the findings of contacts with
// trackers and third parties, one per organisation, after those of the
// destinations tattle could not classify.
func appendPartyFindings(out []result.Finding, rd *result.Device) []result.Finding {
	type agg struct {
		org      string
		names    []string
		ev       []result.Evidence
		category string
		cats     []string
		out      uint64
	}
	third := map[string]*agg{}
	unclassified := 0
	for i := range rd.Destinations {
		dst := &rd.Destinations[i]
		label := dst.Name
		if label == "" {
			label = dst.IP
		}
		switch dst.Party {
		case fingerprints.PartyThird, fingerprints.PartyFirst:
			if dst.Party == fingerprints.PartyFirst && !fingerprints.IsTracker(dst.Category) {
				continue
			}
			// A category is a service's, not its owner's: an
			// organisation's tracking hosts make one finding, its
			// other hosts another.
			key := dst.Organization
			if fingerprints.IsTracker(dst.Category) {
				key += "\x00tracker"
			}
			a := third[key]
			if a == nil {
				a = &agg{category: dst.Category, org: dst.Organization}
				third[key] = a
			}
			if fingerprints.IsTracker(dst.Category) {
				a.category = dst.Category
				if !slices.Contains(a.cats, dst.Category) {
					a.cats = append(a.cats, dst.Category)
				}
			}
			if !slices.Contains(a.names, label) {
				a.names = append(a.names, label)
			}
			if len(a.ev) < maxEvidence {
				a.ev = append(a.ev, dst.NameEvidence())
			}
			a.out += dst.BytesOut
		case fingerprints.PartyUnclassified:
			unclassified++
		}
	}
	out = slices.Grow(out, unclassified+len(third))
	for i := range rd.Destinations {
		dst := &rd.Destinations[i]
		if dst.Party != fingerprints.PartyUnclassified {
			continue
		}
		label := dst.Name
		if label == "" {
			label = dst.IP
		}
		out = append(out, result.Finding{
			ID: FindingID(KindUnclassified, rd.ID, label+"|"+dst.IP), Kind: KindUnclassified, Severity: result.SeverityInfo,
			Title: "Destination not classified",
			// (concatenated, not Sprintf'd: one finding per unnamed
			// destination, tens of thousands on a large capture)
			Message: "tattle has no knowledge of " + label + " (" + dst.IP + ":" + strconv.Itoa(int(dst.Port)) + ")" +
				hostedOn(dst.Hosting) + "; who receives this traffic is unknown.",
			Destination: label, Evidence: []result.Evidence{dst.NameEvidence()},
		})
	}
	orgs := make([]string, 0, len(third))
	for o := range third {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	for _, key := range orgs {
		a := third[key]
		o := a.org
		sort.Strings(a.names)
		if fingerprints.IsTracker(a.category) {
			sort.Strings(a.cats)
			cats := strings.Join(a.cats, ", ")
			out = append(out, result.Finding{
				ID: FindingID(KindTrackerContact, rd.ID, o), Kind: KindTrackerContact, Severity: result.SeverityMedium,
				// (concatenated, not Sprintf'd, as above: one finding
				// per device and organisation)
				Title:        "Contacts " + o + " (" + cats + ")",
				Message:      "The device sent " + strconv.FormatUint(a.out, 10) + " bytes to " + strings.Join(a.names, ", ") + ", run by " + o + ", whose business there is " + cats + ".",
				Destination:  strings.Join(a.names, ", "),
				Organization: o, Evidence: a.ev,
			})
			continue
		}
		out = append(out, result.Finding{
			ID: FindingID(KindThirdParty, rd.ID, o), Kind: KindThirdParty, Severity: result.SeverityLow,
			Title:        "Contacts third party " + o,
			Message:      "The device talks to " + strings.Join(a.names, ", ") + ", run by " + o + " (" + a.category + "), a company other than its vendor.",
			Destination:  strings.Join(a.names, ", "),
			Organization: o, Evidence: a.ev,
		})
	}
	return out
}
