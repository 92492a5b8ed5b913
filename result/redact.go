package result

import (
	"net"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Redact returns a deep copy of r with personal data replaced, for
// reports that will be shared: the device half of MAC addresses (the
// vendor half stays: it identifies the product, not the household), local
// IP addresses, the names devices call themselves (DHCP and mDNS host
// names are often the owner's name), DHCP client ids, DNS-SD instance
// names, URL query values, and the excerpts of findings that hold
// personal data. Public destination names and addresses stay: they are
// the point of the report.
func Redact(r *Result) *Result {
	c := deepCopy(r)
	RedactInPlace(c)
	return c
}

// RedactInPlace redacts r itself, for callers that will not use the
// unredacted result again (it saves a copy of a large result).
func RedactInPlace(c *Result) {
	c.Redacted = true
	// Devices are redacted on all cores, each on its own.
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), 8, len(c.Devices)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(c.Devices); i = int(next.Add(1) - 1) {
				redactDevice(&c.Devices[i])
			}
		}()
	}
	wg.Wait()
}

func redactDevice(d *Device) {
	d.ID = RedactMAC(d.ID)
	d.MAC = RedactMAC(d.MAC)
	for j := range d.IPs {
		d.IPs[j].IP = redactIP(d.IPs[j].IP)
	}
	o := &d.Observations
	for j := range o.DHCP {
		if o.DHCP[j].Hostname != "" {
			o.DHCP[j].Hostname = "[redacted]"
		}
		if o.DHCP[j].ClientID != "" {
			o.DHCP[j].ClientID = "[redacted]"
		}
	}
	for j := range o.Hostnames {
		o.Hostnames[j].Value = "[redacted]"
	}
	for j := range o.MDNS {
		o.MDNS[j].Instance = "[redacted]." + o.MDNS[j].Service
		if o.MDNS[j].Host != "" {
			o.MDNS[j].Host = "[redacted].local"
		}
		for k, t := range o.MDNS[j].TXT {
			if key, _, ok := strings.Cut(t, "="); ok {
				o.MDNS[j].TXT[k] = key + "=[redacted]"
			}
		}
	}
	for j := range o.SSDP {
		o.SSDP[j].Location = redactURL(o.SSDP[j].Location)
		if o.SSDP[j].USN != "" {
			o.SSDP[j].USN = "[redacted]"
		}
	}
	for j := range d.Destinations {
		dst := &d.Destinations[j]
		if dst.Local {
			dst.IP = redactIP(dst.IP)
			if isLocalName(dst.Name) {
				dst.Name = "[redacted]"
			}
		}
	}
	for j := range d.Findings {
		f := &d.Findings[j]
		if f.Personal || f.Excerpt != "" {
			f.Excerpt = "[redacted]"
		}
		f.Message = redactMACsIn(f.Message)
	}
	for k := range d.Identity.Conflicts {
		for e := range d.Identity.Conflicts[k].Evidence {
			d.Identity.Conflicts[k].Evidence[e].Detail = redactDetail(d.Identity.Conflicts[k].Evidence[e].Detail)
		}
	}
	for _, fld := range []*Field{&d.Identity.Vendor, &d.Identity.Model, &d.Identity.Type} {
		for e := range fld.Evidence {
			fld.Evidence[e].Detail = redactDetail(fld.Evidence[e].Detail)
		}
	}
}

func isLocalName(n string) bool {
	return strings.HasSuffix(n, ".local") || strings.HasSuffix(n, ".lan")
}

// redactDetail hides host names quoted in identification evidence.
func redactDetail(s string) string {
	if strings.HasPrefix(s, "dhcp hostname ") || strings.HasPrefix(s, "mdns instance ") {
		return strings.SplitN(s, " \"", 2)[0] + " [redacted]"
	}
	return redactMACsIn(s)
}

// RedactMAC keeps the vendor half of a MAC address.
func RedactMAC(s string) string {
	if strings.HasPrefix(s, "ip:") {
		return "ip:" + redactIP(s[3:])
	}
	if hw, err := net.ParseMAC(s); err == nil && len(hw) == 6 && len(s) == 17 {
		return s[:8] + ":xx:xx:xx"
	}
	return s
}

func redactMACsIn(s string) string {
	// Replace anything shaped like aa:bb:cc:dd:ee:ff after its vendor half.
	var b []byte // a copy, made at the first match
	for i := 0; i+17 <= len(s); i++ {
		if s[i+2] != ':' || !macAt(s, i) {
			continue
		}
		if b == nil {
			b = []byte(s)
		}
		copy(b[i+9:], "xx:xx:xx")
		i += 16
	}
	if b == nil {
		return s
	}
	return string(b)
}

// macAt reports whether s[i:i+17] is shaped like aa:bb:cc:dd:ee:ff.
func macAt(s string, i int) bool {
	for j := 0; j < 17; j++ {
		c := s[i+j]
		if j%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !(('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')) {
			return false
		}
	}
	return true
}

func redactIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || !(a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLoopback()) {
		return s
	}
	if a.Is4() {
		b := a.As4()
		return netip.AddrFrom4([4]byte{b[0], b[1], 0, 0}).String() + "/16"
	}
	return "[redacted-ipv6]"
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return s
	}
	if h := u.Hostname(); h != "" {
		if a, err := netip.ParseAddr(h); err == nil && (a.IsPrivate() || a.IsLinkLocalUnicast()) {
			u.Host = "[redacted]"
			if p := u.Port(); p != "" {
				u.Host += ":" + p
			}
		}
	}
	q := u.Query()
	for k := range q {
		q.Set(k, "redacted")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// deepCopy copies r through its JSON-shaped fields.
func deepCopy(r *Result) *Result {
	c := *r
	c.Inputs = append([]Input(nil), r.Inputs...)
	c.Warnings = append([]Warning(nil), r.Warnings...)
	c.Devices = make([]Device, len(r.Devices))
	for i, d := range r.Devices {
		nd := d
		nd.IPs = append([]AddrSeen(nil), d.IPs...)
		nd.Observations.DHCP = append([]DHCPObs(nil), d.Observations.DHCP...)
		nd.Observations.Hostnames = append([]Seen(nil), d.Observations.Hostnames...)
		nd.Observations.MDNS = make([]MDNSObs, len(d.Observations.MDNS))
		for j, m := range d.Observations.MDNS {
			m.TXT = append([]string(nil), m.TXT...)
			nd.Observations.MDNS[j] = m
		}
		nd.Observations.SSDP = append([]SSDPObs(nil), d.Observations.SSDP...)
		nd.Destinations = append([]Destination(nil), d.Destinations...)
		nd.Findings = make([]Finding, len(d.Findings))
		copy(nd.Findings, d.Findings)
		nd.Identity.Conflicts = make([]Conflict, len(d.Identity.Conflicts))
		for k, cf := range d.Identity.Conflicts {
			cf.Evidence = append([]Evidence(nil), cf.Evidence...)
			nd.Identity.Conflicts[k] = cf
		}
		nd.Identity.Vendor.Evidence = append([]Evidence(nil), d.Identity.Vendor.Evidence...)
		nd.Identity.Model.Evidence = append([]Evidence(nil), d.Identity.Model.Evidence...)
		nd.Identity.Type.Evidence = append([]Evidence(nil), d.Identity.Type.Evidence...)
		c.Devices[i] = nd
	}
	return &c
}
