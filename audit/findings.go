package audit

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/result"
)

// Finding kinds produced by the audit stage (the table of every kind, its
// title, severity, score class and SARIF rule, is result.Kinds).
const (
	KindCleartextPersonal = result.KindCleartextPersonal
	KindCleartextProtocol = result.KindCleartextProtocol
	KindWeakTLSVersion    = result.KindWeakTLSVersion
	KindWeakTLSCipher     = result.KindWeakTLSCipher
	KindTrackerContact    = result.KindTrackerContact
	KindThirdParty        = result.KindThirdParty
	KindUnclassified      = result.KindUnclassified
	KindCredentials       = result.KindCredentials
	KindWeakTLSUsed       = result.KindWeakTLSUsed
	KindCertSelfSigned    = result.KindCertSelfSigned
	KindCertExpired       = result.KindCertExpired
)

// maxEvidence bounds the packets cited per finding; Count keeps the total.
const maxEvidence = 10

// pdAgg groups personal data found for one device, destination, data type
// and form.
type pdAgg struct {
	dest     string
	destIP   string
	dataType string
	label    string
	value    string
	owner    string
	protocol string
	excerpt  string
	evidence []result.Evidence
	count    int
	received bool
}

func (b *Builder) personalData(e *inspect.PersonalDataEvent) *device {
	src, dst := e.Src.Addr(), e.Dst.Addr()
	var d *device
	peer := e.Dst
	received := false
	if !isLocal(src) && isLocal(dst) {
		d = b.dev(keyFor(e.DstMAC, dst))
		peer, received = e.Src, true
	} else {
		d = b.senderDevice(&e.Meta)
	}
	name := ""
	client, server := e.Src, e.Dst
	if !e.FromClient {
		client, server = server, client
	}
	if fn := b.flowNames[capture.FlowKey{Client: client, Server: server, Transport: e.Transport}]; fn != nil {
		name = fn.name
	}
	if name == "" {
		if r, ok := d.names.best(peer.Addr().Unmap(), e.Time); ok {
			name = r.name
		}
	}
	// The key: the destination (its name, else its address), data
	// type, label and value, joined with NULs.
	peerIP := peer.Addr().Unmap()
	k := append(b.key[:0], name...)
	if name == "" {
		k = appendAddr(k, peerIP)
	}
	b.key = joinKey(append(k, 0), 0, e.DataType, e.Label, e.Value)
	a, ok := getKey(&d.pdata, b.key)
	if !ok {
		dest := name
		if dest == "" {
			dest = peerIP.String()
		}
		a = &pdAgg{dest: dest, destIP: peerIP.String(), dataType: e.DataType, label: e.Label, value: e.Value,
			owner: e.Owner, protocol: e.Protocol, excerpt: e.Excerpt, received: received}
		if !d.pdata.add(string(b.key), a) {
			return d
		}
	}
	a.count++
	if len(a.evidence) < maxEvidence {
		for _, p := range e.Packets {
			a.evidence = append(a.evidence, result.Evidence{Source: e.Protocol, File: e.File, Packet: p, Time: e.Time,
				Detail: e.DataType + ", " + e.Label})
		}
	}
	return d
}

// FindingID is a stable identifier for a finding: the same kind, device
// and subject give the same ID in every scan, which is what baselines
// compare.
func FindingID(kind, device, subject string) string {
	var buf [256]byte
	h := sha1.Sum(append(append(append(append(append(buf[:0], kind...), 0), device...), 0), subject...))
	var hx [12]byte
	hex.Encode(hx[:], h[:6])
	return kind + ":" + string(hx[:])
}

// weakCiphers names cipher suites that no client should offer: NULL,
// anonymous, export-grade, RC4, DES and 3DES. Values from the IANA TLS
// cipher suite registry.
func weakCipher(c uint16) (string, bool) {
	switch {
	case c == 0x0000:
		return "NULL", true
	case c >= 0x0001 && c <= 0x0002, c == 0x003b: // *_WITH_NULL_*
		return "NULL", true
	case c == 0x0003, c == 0x0006, c == 0x0008, c == 0x000b, c == 0x000e, c == 0x0011, c == 0x0014, c == 0x0017, c == 0x0019,
		c >= 0x0060 && c <= 0x0065:
		return "EXPORT", true
	case c == 0x0004, c == 0x0005, c == 0x0018, c == 0x0020, c == 0x0024, c == 0x0028, c == 0x002b, c == 0x008a, c == 0x008e,
		c == 0x0092, c == 0xc002, c == 0xc007, c == 0xc00c, c == 0xc011, c == 0xc016, c == 0xc033:
		return "RC4", true
	case c == 0x0009, c == 0x000c, c == 0x000f, c == 0x0012, c == 0x0015, c == 0x001a, c == 0x0022, c == 0x0026:
		return "DES", true
	case c == 0x000a, c == 0x000d, c == 0x0010, c == 0x0013, c == 0x0016, c == 0x001b, c == 0x001f, c == 0x0023,
		c == 0x008b, c == 0x008f, c == 0x0093, c == 0xc003, c == 0xc008, c == 0xc00d, c == 0xc012, c == 0xc017, c == 0xc01a,
		c == 0xc01b, c == 0xc01c, c == 0xc034:
		return "3DES", true
	case c >= 0x0018 && c <= 0x001b, c == 0x0034, c == 0x003a, c == 0x0046, c == 0x006c, c == 0x006d, c == 0x0089,
		c == 0x009b, c == 0x00a6, c == 0x00a7, c == 0xc015, c == 0xc016, c == 0xc017, c == 0xc018, c == 0xc019:
		return "anonymous", true
	}
	return "", false
}

// deviceFindings derives the audit-stage findings of one device from its
// destinations and the personal data found in its traffic.
func (d *device) findings(rd *result.Device) []result.Finding {
	var out []result.Finding
	if n := d.pdata.len(); n > 0 {
		out = make([]result.Finding, 0, n)
	}
	id := rd.ID
	for _, a := range d.pdata.m {
		kind, sev := KindCleartextPersonal, result.SeverityHigh
		if a.dataType == "credentials" {
			kind, sev = KindCredentials, result.SeverityCritical
		}
		local := isLocalString(a.destIP)
		if local && kind != KindCredentials {
			// On the local network: announced to neighbours, not sent
			// off-site.
			sev = result.SeverityInfo
			if a.dataType == "device name" {
				continue
			}
			if a.dataType == "geolocation" {
				// The home's coordinates to any host on the network that
				// asks (a guest's phone, any app): more than an announcement.
				sev = result.SeverityMedium
			}
		}
		verb := "sends"
		if a.received {
			verb = "receives"
		}
		msg := fmt.Sprintf("The device %s its %s (%s) to %s over %s without encryption, %d time(s).", verb, a.dataType, a.label, a.dest, a.protocol, a.count)
		title := fmt.Sprintf("%s in cleartext", dataTitle(a.dataType))
		if local && !a.received && (a.protocol == "kasa" || a.protocol == "tuya") {
			msg = fmt.Sprintf("The device sends its %s (%s) to %s, and to any host on the local network that asks, %d time(s).", a.dataType, a.label, a.dest, a.count)
			title = fmt.Sprintf("%s readable by any host on the network", dataTitle(a.dataType))
		}
		f := result.Finding{
			ID:          FindingID(kind, id, a.dest+"|"+a.dataType+"|"+a.label+"|"+a.value),
			Kind:        kind,
			Severity:    sev,
			Title:       title,
			Message:     msg,
			Destination: a.dest,
			DataType:    a.dataType,
			Evidence:    a.evidence,
			Excerpt:     a.excerpt,
			Personal:    true,
		}
		out = append(out, f)
	}
	for i := range rd.Destinations {
		dst := &rd.Destinations[i]
		label := dst.Name
		if label == "" {
			label = dst.IP
		}
		// The destination's evidence, made for its first finding (most
		// destinations have none) and shared by the others.
		var ev []result.Evidence
		evidence := func() []result.Evidence {
			if ev == nil {
				ev = []result.Evidence{dst.NameEvidence()}
			}
			return ev
		}
		if dst.CleartextBytes > 0 && !dst.Local {
			out = append(out, result.Finding{
				ID: FindingID(KindCleartextProtocol, id, label+"|"+strings.Join(dst.Protocols, ",")), Kind: KindCleartextProtocol,
				Severity: result.SeverityMedium, Title: "Unencrypted traffic to the internet",
				// (concatenated, not Sprintf'd: one finding per
				// cleartext destination)
				Message:     strconv.FormatUint(dst.CleartextBytes, 10) + " bytes of " + strings.Join(dst.Protocols, "/") + " to " + label + " (" + dst.IP + ":" + strconv.Itoa(int(dst.Port)) + ") travel without encryption: anyone on the path can read them.",
				Destination: label, Organization: dst.Organization, Evidence: evidence(),
			})
		}
		if dst.TLS != nil {
			var old []string
			for _, v := range dst.TLS.Versions {
				if v == "SSL 3.0" || v == "TLS 1.0" || v == "TLS 1.1" {
					old = append(old, v)
				}
			}
			if len(old) > 0 {
				out = append(out, result.Finding{
					ID: FindingID(KindWeakTLSVersion, id, label), Kind: KindWeakTLSVersion, Severity: result.SeverityMedium,
					Title:       "Outdated TLS version offered",
					Message:     fmt.Sprintf("The device offers %s to %s; TLS below 1.2 is deprecated (RFC 8996).", strings.Join(old, ", "), label),
					Destination: label, Organization: dst.Organization, Evidence: evidence(),
				})
			}
		}
		if t := dst.TLS; t != nil && (t.Version == "SSL 3.0" || t.Version == "TLS 1.0" || t.Version == "TLS 1.1") {
			out = append(out, result.Finding{
				ID: FindingID(KindWeakTLSUsed, id, label), Kind: KindWeakTLSUsed, Severity: result.SeverityHigh,
				Title:       "Outdated TLS version used",
				Message:     fmt.Sprintf("The server %s chose %s for this device's connection; TLS below 1.2 is deprecated (RFC 8996).", label, t.Version),
				Destination: label, Organization: dst.Organization, Evidence: evidence(),
			})
		}
		if t := dst.TLS; t != nil && t.CertSelfSigned && !dst.Local {
			out = append(out, result.Finding{
				ID: FindingID(KindCertSelfSigned, id, label), Kind: KindCertSelfSigned, Severity: result.SeverityMedium,
				Title:       "Self-signed server certificate",
				Message:     fmt.Sprintf("%s presented a self-signed certificate (%q): unless the device pins it, anyone on the path can impersonate the server.", label, t.CertSubject),
				Destination: label, Organization: dst.Organization, Evidence: evidence(),
			})
		}
		if t := dst.TLS; t != nil && !t.CertNotAfter.IsZero() && dst.First.After(t.CertNotAfter) && !dst.Local {
			out = append(out, result.Finding{
				ID: FindingID(KindCertExpired, id, label), Kind: KindCertExpired, Severity: result.SeverityMedium,
				Title:       "Expired server certificate accepted",
				Message:     fmt.Sprintf("%s presented a certificate that expired on %s, and the device went on talking to it.", label, t.CertNotAfter.Format("2006-01-02")),
				Destination: label, Organization: dst.Organization, Evidence: evidence(),
			})
		}
		if dst.TLS != nil && len(dst.TLS.WeakCiphers) > 0 {
			out = append(out, result.Finding{
				ID: FindingID(KindWeakTLSCipher, id, label), Kind: KindWeakTLSCipher, Severity: result.SeverityLow,
				Title:       "Weak TLS cipher suites offered",
				Message:     fmt.Sprintf("The device offers %s cipher suites to %s; a downgrade would expose its traffic.", strings.Join(dst.TLS.WeakCiphers, ", "), label),
				Destination: label, Organization: dst.Organization, Evidence: evidence(),
			})
		}
	}
	return result.MergeFindings(out, maxEvidence)
}

func isLocalString(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && isLocal(a)
}

// weakCipherClasses lists the weak classes among offered suites, sorted.
func weakCipherClasses(suites []uint16) []string {
	var out []string // of the six classes weakCipher names: a search beats a set
	for _, c := range suites {
		if k, ok := weakCipher(c); ok && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func dataTitle(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, "mac address", "MAC address"), "imei", "IMEI"), "ip address", "IP address")
	s = strings.ReplaceAll(s, "ssid", "SSID")
	return capitalize(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
