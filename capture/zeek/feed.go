package zeek

import (
	"crypto/tls"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/inspect"
)

// Stats counts what Feed delivered.
type Stats struct {
	Records     uint64
	Events      uint64
	Flows       uint64
	Packets     uint64 // conn.log orig_pkts + resp_pkts
	Bytes       uint64 // conn.log orig_ip_bytes + resp_ip_bytes
	NoTime      uint64 // records whose ts could not be read (masked in btest baselines)
	MACs        int    // addresses the logs gave a MAC address for
	MACChanges  int    // addresses seen with more than one MAC
	Synthesized uint64 // flows made from protocol logs for want of a conn.log
}

// cert is what x509.log says about one certificate.
type cert struct {
	subject, issuer string // common names
	sans            []string
	notBefore       time.Time
	notAfter        time.Time
	selfSigned      bool
}

const maxCerts = 1 << 16

// Feed reads the logs and hands the sink what a packet scan of the same
// traffic would: DNS, DHCP, TLS, HTTP and NTP events, then one Flow per
// conn.log record (or, with no conn.log, per connection the protocol logs
// name). Events come before the flows, so the names a connection was
// given are known when its flow arrives, as in the packet pipeline.
// Evidence points to the log file (Meta.File) and line (Meta.Packet).
func (s *Source) Feed(sink capture.Sink) (Stats, error) {
	var st Stats
	var errs []error
	// Pass 1: MAC addresses (dhcp.log mac, conn.log orig_l2_addr /
	// resp_l2_addr with policy/protocols/conn/mac-logging), and the
	// transport of UDP connections that ssl.log does not say.
	m := &macs{m: map[netip.Addr]capture.MAC{}}
	udpTLS := map[capture.FlowKey]bool{}
	uidMAC := map[string]capture.MAC{} // dhcp.log uids: the conn records of the transaction
	hasConn, hasHTTP := s.has("conn"), s.has("http")
	for i, lf := range s.files {
		if lf.kind != "dhcp" && !(lf.kind == "conn" && (lf.format == FormatJSON || hasAny(lf.fields, "orig_l2_addr", "resp_l2_addr", "service"))) {
			continue
		}
		err := s.readAll(lf, func(r record) {
			if lf.kind == "dhcp" {
				mac := parseMAC(r.str("mac"))
				m.add(r.addr("client_addr"), mac)
				m.add(r.addr("assigned_addr"), mac)
				if mac[0]&1 == 0 && !mac.IsZero() {
					for _, u := range r.list("uids") {
						if len(uidMAC) < maxMACs {
							uidMAC[u] = mac
						}
					}
				}
				return
			}
			m.add(r.addr("id.orig_h"), parseMAC(r.str("orig_l2_addr")))
			m.add(r.addr("id.resp_h"), parseMAC(r.str("resp_l2_addr")))
			if r.str("proto") == "udp" && (strings.Contains(r.str("service"), "ssl") || strings.Contains(r.str("service"), "quic") || strings.Contains(r.str("service"), "dtls")) {
				if k, ok := key(r, capture.UDP); ok && len(udpTLS) < maxMACs {
					udpTLS[k] = true
				}
			}
		})
		if err != nil {
			errs = append(errs, err)
		}
		if err := s.rewind(i); err != nil {
			errs = append(errs, err)
		}
	}
	for _, in := range s.inputs {
		in.Records = 0 // counted once, in the pass that delivers them
	}
	st.MACs, st.MACChanges = len(m.m), m.changed
	if len(m.m) == 0 {
		s.warnings = append(s.warnings, "zeek: the logs give no MAC addresses (no dhcp.log, no conn.log orig_l2_addr): devices are keyed by IP address, and one device that changed address counts as two")
	}
	if m.changed > 0 {
		s.warnings = append(s.warnings, "zeek: "+strconv.Itoa(m.changed)+" addresses were used by more than one MAC address; events are given the first MAC seen for their address")
	}

	// Pass 2: certificates.
	certs := map[string]*cert{}
	errs = append(errs, s.each([]string{"x509"}, func(_ string, r record) {
		c := &cert{subject: cn(r.str("certificate.subject")), issuer: cn(r.str("certificate.issuer")), sans: r.list("san.dns")}
		c.notBefore, _ = r.time("certificate.not_valid_before")
		c.notAfter, _ = r.time("certificate.not_valid_after")
		c.selfSigned = r.str("certificate.subject") != "" && r.str("certificate.subject") == r.str("certificate.issuer")
		for _, k := range []string{r.str("fingerprint"), r.str("id"), r.str("fuid")} {
			if k != "" && len(certs) < maxCerts {
				certs[k] = c
			}
		}
	}))

	meta := func(r record, tr capture.Transport) capture.Meta {
		t, ok := r.time("ts")
		if !ok {
			st.NoTime++
		}
		src := netip.AddrPortFrom(r.addr("id.orig_h"), r.port("id.orig_p"))
		dst := netip.AddrPortFrom(r.addr("id.resp_h"), r.port("id.resp_p"))
		return capture.Meta{File: r.lf.name, Packet: r.line, Time: t, Src: src, Dst: dst,
			SrcMAC: m.m[src.Addr()], DstMAC: m.m[dst.Addr()], Transport: tr}
	}
	emit := func(e capture.Event) {
		st.Events++
		sink.Event(e)
	}
	// Connections the protocol logs name, for want of a conn.log.
	type pend struct {
		f   capture.Flow
		app string
	}
	var synth map[string]*pend
	var order []string
	note := func(r record, mt capture.Meta, app string) {
		if hasConn {
			return
		}
		uid := r.str("uid")
		if uid == "" {
			uid = mt.File + ":" + strconv.FormatUint(mt.Packet, 10)
		}
		if p := synth[uid]; p != nil {
			if p.f.App == "" {
				p.f.App = app
			}
			return
		}
		if synth == nil {
			synth = map[string]*pend{}
		}
		if !mt.Src.Addr().IsValid() || !mt.Dst.Addr().IsValid() || len(synth) >= 1<<20 {
			return
		}
		synth[uid] = &pend{f: capture.Flow{Key: capture.FlowKey{Client: mt.Src, Server: mt.Dst, Transport: mt.Transport}, UID: r.str("uid"),
			ClientMAC: mt.SrcMAC, ServerMAC: mt.DstMAC, File: mt.File, FirstPkt: mt.Packet, First: mt.Time, Last: mt.Time, App: app}}
		order = append(order, uid)
	}

	// Pass 3: the protocol logs, as events.
	ftpUsers := map[string]bool{} // ftp.log repeats the user on every command
	errs = append(errs, s.each([]string{"dhcp", "dns", "ssl", "http", "ftp", "ntp", "software", "known_hosts", "known_services"}, func(kind string, r record) {
		st.Records++
		switch kind {
		case "dns":
			tr := capture.UDP
			if r.str("proto") == "tcp" {
				tr = capture.TCP
			}
			mt := meta(r, tr)
			proto := capture.AppDNS
			switch {
			case mt.Dst.Port() == 5353 || mt.Src.Port() == 5353:
				proto = capture.AppMDNS
			case mt.Dst.Port() == 5355:
				proto = capture.AppLLMNR
			}
			q := strings.TrimSuffix(strings.ToLower(r.str("query")), ".")
			qt := r.str("qtype_name")
			id, _ := strconv.ParseUint(r.str("trans_id"), 10, 16)
			ev := &capture.DNSEvent{Meta: mt, Proto: proto, ID: uint16(id)}
			if q != "" {
				ev.Questions = []capture.DNSQuestion{{Name: q, Type: qt}}
			}
			emit(ev)
			note(r, mt, proto)
			if rc := r.str("rcode_name"); rc != "" || len(r.list("answers")) > 0 {
				resp := &capture.DNSEvent{Meta: mt, Proto: proto, Response: true, ID: uint16(id), RCode: rc, Questions: ev.Questions}
				resp.Src, resp.Dst, resp.SrcMAC, resp.DstMAC = mt.Dst, mt.Src, mt.DstMAC, mt.SrcMAC
				resp.Answers = dnsAnswers(q, qt, r.list("answers"), r.list("TTLs"))
				emit(resp)
			}
		case "dhcp":
			mac := parseMAC(r.str("mac"))
			cl := r.addr("client_addr")
			if !cl.IsValid() {
				cl = netip.IPv4Unspecified()
			}
			sv := r.addr("server_addr")
			if !sv.IsValid() {
				sv = netip.AddrFrom4([4]byte{255, 255, 255, 255})
			}
			t, ok := r.time("ts")
			if !ok {
				st.NoTime++
			}
			mt := capture.Meta{File: r.lf.name, Packet: r.line, Time: t, SrcMAC: mac, Src: netip.AddrPortFrom(cl, 68),
				Dst: netip.AddrPortFrom(sv, 67), DstMAC: m.m[sv], Transport: capture.UDP}
			for _, typ := range r.list("msg_types") {
				e := &capture.DHCPEvent{Meta: mt, MsgType: typ, ClientMAC: mac}
				switch typ {
				case "OFFER", "ACK", "NAK":
					if typ != "ACK" {
						continue
					}
					e.Src, e.Dst, e.SrcMAC, e.DstMAC = mt.Dst, mt.Src, mt.DstMAC, mt.SrcMAC
					e.YourIP = r.addr("assigned_addr")
				default:
					e.Hostname = r.str("host_name")
					e.FQDN = r.str("client_fqdn")
					if e.Hostname == "" {
						e.Hostname = e.FQDN
					}
					e.VendorClass = r.str("client_software") // policy/protocols/dhcp/software
					e.RequestedIP = r.addr("requested_addr")
				}
				emit(e)
			}
		case "ssl":
			version := r.str("version")
			tr := capture.TCP
			mt := meta(r, tr)
			k := capture.FlowKey{Client: mt.Src, Server: mt.Dst, Transport: capture.UDP}
			dtls := strings.HasPrefix(version, "DTLS")
			if dtls || udpTLS[k] {
				mt.Transport = capture.UDP
			}
			h := fingerprints.ClientHello{SNI: r.str("server_name"), DTLS: dtls, QUIC: mt.Transport == capture.UDP && !dtls}
			ev := &capture.TLSEvent{Meta: mt, QUIC: h.QUIC}
			if cs := r.uints("client_ciphers"); len(cs) > 0 {
				// policy/protocols/ssl/ssl-log-ext: the ClientHello itself.
				h.Version = uint16(r.uint("client_version"))
				h.CipherSuites = cs
				h.Extensions = r.uints("ssl_client_exts")
				h.ALPN = r.list("orig_alpn")
				h.SupportedVersions = r.uints("client_supported_versions")
				h.Curves = r.uints("client_curves")
				for _, p := range r.uints("point_formats") {
					h.PointFormats = append(h.PointFormats, uint8(p))
				}
				hs, ss := r.uints("hashalgs"), r.uints("sigalgs")
				for i := range min(len(hs), len(ss)) {
					h.SignatureAlgs = append(h.SignatureAlgs, hs[i]<<8|ss[i]&0xff)
				}
				ev.JA3, ev.JA3Raw = fingerprints.JA3(&h)
				ev.JA4, ev.JA4R = fingerprints.JA4(&h)
			} else if v := tlsVersion(version); v != 0 {
				// Offered at least what was chosen.
				h.Version = min(v, 0x0303)
				h.SupportedVersions = []uint16{v}
			}
			if v := r.str("ja4"); v != "" {
				ev.JA4 = v
			}
			if v := r.str("ja3"); v != "" {
				ev.JA3 = v
			}
			ev.Hello = h
			emit(ev)
			app := capture.AppTLS
			if dtls {
				app = capture.AppDTLS
			} else if h.QUIC {
				app = capture.AppQUIC
			}
			note(r, mt, app)
			if v := tlsVersion(version); v != 0 {
				se := &capture.TLSServerEvent{Meta: mt, Version: v, Cipher: cipherID(r.str("cipher"))}
				se.Src, se.Dst, se.SrcMAC, se.DstMAC = mt.Dst, mt.Src, mt.DstMAC, mt.SrcMAC
				fps := r.list("cert_chain_fps")
				if len(fps) == 0 {
					fps = r.list("cert_chain_fuids")
				}
				if len(fps) > 0 && v <= 0x0303 {
					if c := certs[fps[0]]; c != nil {
						se.HasCert, se.Subject, se.Issuer, se.SANs = true, c.subject, c.issuer, c.sans
						se.NotBefore, se.NotAfter, se.SelfSigned = c.notBefore, c.notAfter, c.selfSigned && len(fps) == 1
					}
				}
				emit(se)
			}
		case "http":
			mt := meta(r, capture.TCP)
			method := r.str("method")
			if method == "" {
				return
			}
			ev := &capture.HTTPEvent{Meta: mt, Method: method, Host: r.str("host"), Path: r.str("uri"),
				Version: r.str("version"), UserAgent: r.str("user_agent")}
			if ev.Version != "" {
				ev.Version = "HTTP/" + ev.Version
			}
			emit(ev)
			note(r, mt, capture.AppHTTP)
			if u := r.str("username"); u != "" {
				// Zeek saw HTTP Basic credentials in the clear (the
				// password only with HTTP::default_capture_password).
				emit(credentials(mt, capture.AppHTTP, "HTTP Basic authorization", u, r.str("password")))
			}
		case "ftp":
			mt := meta(r, capture.TCP)
			if u := r.str("user"); u != "" && u != "<unknown>" && !ftpUsers[r.str("uid")+"\x00"+u] {
				if len(ftpUsers) < 1<<16 {
					ftpUsers[r.str("uid")+"\x00"+u] = true
				}
				emit(credentials(mt, capture.AppFTP, "USER command", u, r.str("password")))
			}
			note(r, mt, capture.AppFTP)
		case "ntp":
			mt := meta(r, capture.UDP)
			emit(&capture.NTPEvent{Meta: mt, Version: int(r.uint("version")), Mode: int(r.uint("mode")), Stratum: int(r.uint("stratum"))})
			note(r, mt, capture.AppNTP)
		case "software":
			// Browsers' User-Agents, when http.log (which has them per
			// request) is not there: an identity signal of the host.
			if hasHTTP || !strings.HasSuffix(r.str("software_type"), "BROWSER") || r.str("unparsed_version") == "" {
				return
			}
			host := r.addr("host")
			if !host.IsValid() {
				return
			}
			t, ok := r.time("ts")
			if !ok {
				st.NoTime++
			}
			mt := capture.Meta{File: r.lf.name, Packet: r.line, Time: t, Src: netip.AddrPortFrom(host, 0), SrcMAC: m.m[host], Transport: capture.TCP}
			emit(&capture.HTTPEvent{Meta: mt, UserAgent: r.str("unparsed_version")})
		default:
			// known_hosts, known_services: read and counted; they name
			// no destination a device contacted.
		}
	}))

	// Pass 4: connections.
	if hasConn {
		errs = append(errs, s.each([]string{"conn"}, func(_ string, r record) {
			st.Records++
			tr := transport(r.str("proto"))
			mt := meta(r, tr)
			if !mt.Src.Addr().IsValid() || !mt.Dst.Addr().IsValid() {
				return
			}
			f := &capture.Flow{Key: capture.FlowKey{Client: mt.Src, Server: mt.Dst, Transport: tr}, File: mt.File, FirstPkt: mt.Packet,
				First: mt.Time, Last: mt.Time.Add(r.interval("duration")), UID: r.str("uid")}
			// conn.log's own l2 addresses first, then what the other logs said.
			f.ClientMAC, f.ServerMAC = parseMAC(r.str("orig_l2_addr")), parseMAC(r.str("resp_l2_addr"))
			if f.ClientMAC.IsZero() {
				f.ClientMAC = mt.SrcMAC
			}
			if mac, ok := uidMAC[r.str("uid")]; ok && f.ClientMAC.IsZero() && r.str("id.orig_p") == "68" {
				f.ClientMAC = mac // a DHCP client without an address yet
			}
			if f.ServerMAC.IsZero() {
				f.ServerMAC = mt.DstMAC
			}
			f.Packets = [2]uint64{r.uint("orig_pkts"), r.uint("resp_pkts")}
			f.Bytes = [2]uint64{r.uint("orig_ip_bytes"), r.uint("resp_ip_bytes")}
			f.Payload = [2]uint64{r.uint("orig_bytes"), r.uint("resp_bytes")}
			f.App = app(r.list("service"), tr, mt.Src.Port(), mt.Dst.Port())
			st.Flows++
			st.Packets += f.Packets[0] + f.Packets[1]
			st.Bytes += f.Bytes[0] + f.Bytes[1]
			sink.Flow(f)
		}))
	} else {
		for _, uid := range order {
			p := synth[uid]
			st.Flows++
			st.Synthesized++
			sink.Flow(&p.f)
		}
	}
	s.Close()
	return st, errors.Join(errs...)
}

// credentials is the finding Zeek's log gives of a user name (and, when
// Zeek was told to log it, password) sent in the clear.
func credentials(mt capture.Meta, proto, label, user, password string) *inspect.PersonalDataEvent {
	v := user
	if password != "" && password != "<hidden>" {
		v = user + ":" + password
	}
	return &inspect.PersonalDataEvent{Meta: mt, Protocol: proto, DataType: inspect.Credentials, Label: label, Value: v,
		Packets: []uint64{mt.Packet}, FromClient: true}
}

func hasAny(fields map[string]int, names ...string) bool {
	for _, n := range names {
		if _, ok := fields[n]; ok {
			return true
		}
	}
	return false
}

func key(r record, tr capture.Transport) (capture.FlowKey, bool) {
	c := netip.AddrPortFrom(r.addr("id.orig_h"), r.port("id.orig_p"))
	sv := netip.AddrPortFrom(r.addr("id.resp_h"), r.port("id.resp_p"))
	return capture.FlowKey{Client: c, Server: sv, Transport: tr}, c.Addr().IsValid() && sv.Addr().IsValid()
}

func transport(p string) capture.Transport {
	switch p {
	case "tcp":
		return capture.TCP
	case "udp":
		return capture.UDP
	case "icmp":
		return capture.ICMP
	}
	return 0
}

// app maps Zeek's service names to the application protocol names the
// packet dissectors give flows.
func app(services []string, tr capture.Transport, sp, dp uint16) string {
	for _, s := range services {
		s = strings.ToLower(strings.TrimPrefix(s, "-"))
		switch s {
		case "ssl":
			if tr == capture.UDP {
				continue // quic or dtls is named too
			}
			return capture.AppTLS
		case "dns":
			if sp == 5353 || dp == 5353 {
				return capture.AppMDNS
			}
			if sp == 5355 || dp == 5355 {
				return capture.AppLLMNR
			}
			return capture.AppDNS
		}
		if a, ok := zeekServices[s]; ok {
			return a
		}
	}
	if slices.Contains(services, "ssl") {
		return capture.AppDTLS
	}
	return ""
}

// zeekServices maps the services in conn.log that name one protocol to
// Flow.App.
var zeekServices = map[string]string{
	"http": capture.AppHTTP, "dhcp": capture.AppDHCP, "ntp": capture.AppNTP, "quic": capture.AppQUIC,
	"dtls": capture.AppDTLS, "ssh": capture.AppSSH, "ftp": capture.AppFTP, "ftp-data": capture.AppFTP,
	"smtp": capture.AppSMTP, "pop3": capture.AppPOP3, "imap": capture.AppIMAP, "mqtt": capture.AppMQTT,
	"telnet": capture.AppTelnet, "rtsp": capture.AppRTSP,
}

// dnsAnswers rebuilds resource records from dns.log's answers: for an
// address query the names before the addresses are the CNAME chain from
// the query, so each address is the query's through that chain.
func dnsAnswers(q, qtype string, answers, ttls []string) []capture.DNSRecord {
	var out []capture.DNSRecord
	owner := q
	for i, a := range answers {
		var ttl uint32
		if i < len(ttls) {
			if f, err := strconv.ParseFloat(ttls[i], 64); err == nil && f >= 0 && f < 1<<32 {
				ttl = uint32(f)
			}
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			typ := "A"
			if ip.Is6() && !ip.Is4In6() {
				typ = "AAAA"
			}
			out = append(out, capture.DNSRecord{Name: owner, Type: typ, TTL: ttl, Data: ip.String(), Addr: ip.Unmap()})
			continue
		}
		if qtype != "A" && qtype != "AAAA" && qtype != "" {
			out = append(out, capture.DNSRecord{Name: q, Type: qtype, TTL: ttl, Data: a})
			continue
		}
		target := strings.TrimSuffix(strings.ToLower(a), ".")
		out = append(out, capture.DNSRecord{Name: owner, Type: "CNAME", TTL: ttl, Data: target})
		owner = target
	}
	return out
}

// tlsVersion maps ssl.log's version to its number.
func tlsVersion(v string) uint16 {
	switch v {
	case "SSLv3":
		return 0x0300
	case "TLSv10":
		return 0x0301
	case "TLSv11":
		return 0x0302
	case "TLSv12":
		return 0x0303
	case "TLSv13":
		return 0x0304
	case "DTLSv10":
		return 0xfeff
	case "DTLSv12":
		return 0xfefd
	case "DTLSv13":
		return 0xfefc
	}
	if strings.HasPrefix(v, "TLSv13-draft") {
		return 0x0304
	}
	return 0
}

// cipherIDs maps IANA cipher suite names (as Zeek logs them) to numbers,
// for the suites Go's crypto/tls knows.
var cipherIDs = func() map[string]uint16 {
	m := map[string]uint16{}
	for _, c := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		m[c.Name] = c.ID
	}
	// Common suites Go does not implement (IANA TLS cipher suite registry).
	for name, id := range map[string]uint16{
		"TLS_RSA_WITH_RC4_128_MD5": 0x0004, "TLS_RSA_WITH_DES_CBC_SHA": 0x0009, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA": 0x0033,
		"TLS_DHE_RSA_WITH_AES_256_CBC_SHA": 0x0039, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": 0x009e, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384": 0x009f,
		"TLS_RSA_WITH_AES_256_CBC_SHA256": 0x003d, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256": 0x0067, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256": 0x006b,
		"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": 0xc024, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384": 0xc028,
		"TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA": 0x0016, "TLS_RSA_EXPORT_WITH_RC4_40_MD5": 0x0003, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xccaa,
	} {
		m[name] = id
	}
	return m
}()

func cipherID(name string) uint16 { return cipherIDs[name] }

// cn is the common name of an X.509 distinguished name as Zeek writes it
// ("CN=*.gstatic.com,O=Google Inc,..."), or the whole name without one.
func cn(dn string) string {
	for _, part := range splitDN(dn) {
		if v, ok := strings.CutPrefix(part, "CN="); ok {
			return v
		}
	}
	return ""
}

// splitDN splits at commas not escaped with a backslash.
func splitDN(dn string) []string {
	var out []string
	start := 0
	for i := 0; i < len(dn); i++ {
		if dn[i] == '\\' {
			i++
			continue
		}
		if dn[i] == ',' {
			out = append(out, dn[start:i])
			start = i + 1
		}
	}
	return append(out, dn[start:])
}
