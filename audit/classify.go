package audit

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/internal/repeat"
	"github.com/tattle-audit/tattle/result"
)

// Confidence of a destination's owner, by what it rests on.
const (
	confName    = 0.9 // a name the knowledge base knows
	confService = 0.7 // a name that says what it is (time1...), owner unknown
	confRange   = 0.6 // the address alone, in a range its host publishes
	confASN     = 0.5 // the address alone, in a network of --asn-db
	// a domain nobody listed whose name starts with the device vendor's
	// (tplinkra.com to a TP-Link plug)
	confVendorName = 0.5
)

// minVendorToken is the shortest vendor name vendorDomain matches: shorter
// ones are words ("ring" starts "ringcentral").
const minVendorToken = 5

// vendorDomain recognises a registrable domain nobody listed as the
// device vendor's own when its first label starts with the vendor's name
// (or its name after "my": myedimax.com), as vendors' domains do.
func (k *Knowledge) vendorDomain(vendorOrg, domain string) (fingerprints.Match, bool) {
	o, ok := k.KB.Org(vendorOrg)
	if !ok || domain == "" {
		return fingerprints.Match{}, false
	}
	label, _, _ := strings.Cut(domain, ".")
	label = strings.ReplaceAll(label, "-", "")
	tokens := []string{strings.ReplaceAll(o.ID, "-", ""), strings.ReplaceAll(fingerprints.NormalizeName(o.Name), " ", "")}
	for _, a := range o.Aliases {
		tokens = append(tokens, strings.ReplaceAll(fingerprints.NormalizeName(a), " ", ""))
	}
	for _, t := range tokens {
		if len(t) < minVendorToken {
			continue
		}
		if strings.HasPrefix(label, t) || strings.HasPrefix(label, "my"+t) {
			m := fingerprints.Match{Org: o.ID, OrgName: o.Name, Parent: k.KB.Ultimate(o.ID), Category: fingerprints.CatIoTCloud,
				Domain: domain, Rule: "vendor name " + t + " in " + domain, Source: "tattle"}
			if p, ok := k.KB.Org(m.Parent); ok {
				m.ParentName = p.Name
			}
			return m, true
		}
	}
	return fingerprints.Match{}, false
}

// classify gives a destination its owner, category, party and host.
//
// The owner is the organisation of the names the device itself used (the
// DNS question, SNI, Host): a name under an organisation's registrable
// domain belongs to it, wherever it is served from. A CNAME target, a
// cloud's published address range or the --asn-db network says where the
// destination is hosted, reported beside the owner, never instead of it:
// api.example-vendor.com on cloudapp.net is the vendor's, hosted on Azure.
// Only a destination reached by address alone, with no name, is given its
// host as owner, at a lower confidence.
func (k *Knowledge) classify(lk *lookups, vendorOrg string, dst *result.Destination) {
	if dst.Local {
		dst.Party = fingerprints.PartyLocal
		return
	}
	var own []string
	var cnames []hostName
	named := false
	for i := -1; i < len(dst.Names); i++ {
		n, src := dst.Name, ""
		if i >= 0 {
			n, src = dst.Names[i].Name, dst.Names[i].Source
		}
		if n == "" {
			continue
		}
		if src == "dns-cname" || src == "cert" {
			// where it is served from: a CNAME target, the name the
			// server's certificate gives itself
			cnames = append(cnames, hostName{n, src})
			continue
		}
		if _, err := netip.ParseAddr(n); err != nil {
			named = true
		}
		own = append(own, n)
	}
	if !named {
		own = append(own, dst.IP) // a resolver or a listed address
	}
	var svc fingerprints.Match
	for _, c := range own {
		m, ok := lk.lookup(k.KB, c)
		if dst.Domain == "" && m.Domain != "" {
			dst.Domain = m.Domain
		}
		if ok {
			k.setOwner(vendorOrg, dst, m, confName)
			k.setHost(lk, dst, cnames, m.Org)
			return
		}
		if svc.Category == "" && m.Category != "" {
			svc = m
		}
	}
	if named && vendorOrg != "" && svc.Category == "" {
		if m, ok := k.vendorDomain(vendorOrg, dst.Domain); ok {
			k.setOwner(vendorOrg, dst, m, confVendorName)
			k.setHost(lk, dst, cnames, m.Org)
			return
		}
	}
	if svc.Category == "" {
		// What the traffic itself is: NTP or DNS to a server nobody
		// named is a public time or name service, support whoever runs it.
		for _, p := range dst.Protocols {
			switch p {
			case capture.AppNTP:
				svc = fingerprints.Match{Category: fingerprints.CatTime, Rule: "ntp", Source: "protocol"}
			case capture.AppDNS:
				svc = fingerprints.Match{Category: fingerprints.CatDNS, Rule: "dns", Source: "protocol"}
			}
		}
	}
	if svc.Category != "" {
		// Nobody we know owns it, but its name or protocol says what it
		// is: a public time, connectivity or name service, support
		// whoever runs it.
		dst.Category, dst.Party, dst.Confidence = svc.Category, k.KB.Party(vendorOrg, svc), confService
		dst.ClassifiedBy = svc.Source + ":" + svc.Rule
		k.setHost(lk, dst, cnames, "")
		return
	}
	host, by, conf, ok := k.host(lk, dst, cnames)
	if !ok {
		dst.Party = fingerprints.PartyUnclassified
		return
	}
	if named {
		// The owner of the name is unknown; where it is hosted is not
		// who it is.
		dst.Hosting, dst.HostingBy = host.OrgName, by
		dst.Party = fingerprints.PartyUnclassified
		return
	}
	k.setOwner(vendorOrg, dst, host, min(conf, confRange))
	dst.ClassifiedBy = by
	dst.Hosting, dst.HostingBy = host.OrgName, by
}

func (k *Knowledge) setOwner(vendorOrg string, dst *result.Destination, m fingerprints.Match, conf float64) {
	dst.Organization, dst.Category, dst.Parent = m.OrgName, m.Category, m.ParentName
	if m.Parent == m.Org {
		dst.Parent = ""
	}
	dst.Party = k.KB.Party(vendorOrg, m)
	dst.ClassifiedBy = m.Source + ":" + m.Rule
	dst.Confidence = conf
}

// setHost records where a destination owned by ownerOrg is hosted, when
// that is someone else.
func (k *Knowledge) setHost(lk *lookups, dst *result.Destination, cnames []hostName, ownerOrg string) {
	h, by, _, ok := k.host(lk, dst, cnames)
	if !ok || (ownerOrg != "" && k.KB.Ultimate(h.Org) == k.KB.Ultimate(ownerOrg)) {
		return
	}
	dst.Hosting, dst.HostingBy = h.OrgName, by
}

// host finds who hosts a destination: the organisation of a CNAME target,
// else the published range or --asn-db network of its address.
func (k *Knowledge) host(lk *lookups, dst *result.Destination, cnames []hostName) (fingerprints.Match, string, float64, bool) {
	for _, c := range cnames {
		if m, ok := lk.lookup(k.KB, c.name); ok {
			return m, c.source + ":" + c.name, confName, true
		}
	}
	ip, err := netip.ParseAddr(dst.IP)
	if err != nil {
		return fingerprints.Match{}, "", 0, false
	}
	if r, ok := fingerprints.DefaultIPRanges().Lookup(ip); ok {
		if o, ok := k.KB.Org(r.Org); ok {
			m := fingerprints.Match{Org: o.ID, OrgName: o.Name, Parent: k.KB.Ultimate(o.ID), Category: r.Category, Rule: r.Prefix.String(), Source: "ip-range"}
			if p, ok := k.KB.Org(m.Parent); ok {
				m.ParentName = p.Name
			}
			return m, "ip-range:" + r.Prefix.String(), confRange, true
		}
	}
	if k.ASN != nil {
		if a, ok := k.ASN.Lookup(ip); ok {
			// The address's network owner: who hosts it, not
			// necessarily who runs the service.
			m := fingerprints.Match{Org: "asn:" + a.Organization, OrgName: a.Organization}
			if o, ok := k.KB.OrgByName(a.Organization); ok {
				m = fingerprints.Match{Org: o.ID, OrgName: o.Name, Parent: k.KB.Ultimate(o.ID), Category: o.Category}
			}
			return m, fmt.Sprintf("asn:AS%d", a.Number), confASN, true
		}
	}
	return fingerprints.Match{}, "", 0, false
}

// hostName is a name that says where a destination is served from.
type hostName struct{ name, source string }

// hostedOn is the clause a message gives a known host.
func hostedOn(host string) string {
	if host == "" {
		return ""
	}
	return ", hosted on " + host
}

// lookups remembers the knowledge base's answers for the names one
// worker classified (KB.Lookup: a public-suffix search, a walk up the
// name's suffixes and its service patterns): the devices of a scan
// contact the same names again and again. The answer depends on the
// name and the knowledge base alone, which does not change while a
// scan's devices are assembled; a lookups serves one knowledge base, one
// goroutine and one assembly. It holds at most maxLookups names and
// starts again when full; nil, or TATTLE_NO_REPEAT_CACHES
// (repeat.Off), looks every name up.
type lookups struct {
	m map[string]lookupAnswer
}

type lookupAnswer struct {
	m  fingerprints.Match
	ok bool
}

const maxLookups = 1 << 14

func (lk *lookups) lookup(kb *fingerprints.KB, name string) (fingerprints.Match, bool) {
	if lk == nil || repeat.Off {
		return kb.Lookup(name)
	}
	if a, ok := lk.m[name]; ok {
		return a.m, a.ok
	}
	m, ok := kb.Lookup(name)
	if lk.m == nil || len(lk.m) >= maxLookups {
		lk.m = make(map[string]lookupAnswer, 256)
	}
	lk.m[name] = lookupAnswer{m, ok}
	return m, ok
}
