package zeek

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
)

const header = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t2026-01-01-00-00-00\n#fields\t%s\n#types\t%s\n"

// tsv writes a Zeek TSV log with the given fields and rows.
func tsv(path string, fields []string, rows ...[]string) string {
	var b strings.Builder
	types := make([]string, len(fields))
	for i := range types {
		types[i] = "string"
	}
	fmt.Fprintf(&b, header, path, strings.Join(fields, "\t"), strings.Join(types, "\t"))
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	b.WriteString("#close\t2026-01-01-00-00-01\n")
	return b.String()
}

// jsonLog writes the same rows as JSON lines, leaving unset fields out
// and writing sets as arrays, as Zeek's LogAscii::use_json does.
func jsonLog(fields []string, sets map[string]bool, rows ...[]string) string {
	var b strings.Builder
	for _, r := range rows {
		obj := map[string]any{}
		for i, f := range fields {
			if r[i] == "-" {
				continue
			}
			if sets[f] {
				obj[f] = strings.Split(r[i], ",")
				continue
			}
			if _, err := strconv.ParseFloat(r[i], 64); err == nil {
				obj[f] = json.Number(r[i]) // Zeek writes counts, ports and times as numbers
				continue
			}
			obj[f] = r[i]
		}
		line, _ := json.Marshal(obj)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var (
	connFields = []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration", "orig_bytes", "resp_bytes", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "orig_l2_addr", "resp_l2_addr"}
	connRows   = [][]string{
		{"1700000010.000000", "C1", "192.168.1.20", "50000", "203.0.113.5", "443", "tcp", "ssl", "2.5", "500", "4000", "8", "900", "9", "4500", "00:11:22:33:44:55", "66:77:88:99:aa:bb"},
		{"1700000011.000000", "C2", "192.168.1.20", "50001", "198.51.100.7", "80", "tcp", "http", "0.5", "300", "200", "4", "500", "3", "350", "00:11:22:33:44:55", "66:77:88:99:aa:bb"},
		{"1700000009.000000", "C3", "192.168.1.20", "40000", "192.168.1.1", "53", "udp", "dns", "0.01", "40", "56", "1", "68", "1", "84", "00:11:22:33:44:55", "66:77:88:99:aa:bb"},
	}
	dnsFields = []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "query", "qtype_name", "rcode_name", "answers", "TTLs"}
	dnsRows   = [][]string{
		{"1700000009.000000", "C3", "192.168.1.20", "40000", "192.168.1.1", "53", "udp", "7", "api.example.com", "A", "NOERROR", "edge.example.net,203.0.113.5", "60.0,60.0"},
	}
	sslFields = []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "cipher", "server_name", "cert_chain_fps", "ja4"}
	sslRows   = [][]string{
		{"1700000010.100000", "C1", "192.168.1.20", "50000", "203.0.113.5", "443", "TLSv10", "TLS_RSA_WITH_AES_128_CBC_SHA", "api.example.com", "fp1", "t13d1516h2_8daaf6152771_02713d6af862"},
	}
	x509Fields = []string{"ts", "fingerprint", "certificate.subject", "certificate.issuer", "certificate.not_valid_before", "certificate.not_valid_after", "san.dns"}
	x509Rows   = [][]string{
		{"1700000010.100000", "fp1", "CN=api.example.com,O=Example", "CN=api.example.com,O=Example", "1600000000.0", "1650000000.0", "api.example.com"},
	}
	httpFields = []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "method", "host", "uri", "version", "user_agent"}
	httpRows   = [][]string{
		{"1700000011.000000", "C2", "192.168.1.20", "50001", "198.51.100.7", "80", "GET", "cdn.example.org", "/fw.bin", "1.1", "Camera/1.0 (tab\\x09inside)"},
	}
	dhcpFields = []string{"ts", "uids", "client_addr", "server_addr", "mac", "host_name", "assigned_addr", "msg_types"}
	dhcpRows   = [][]string{
		{"1700000000.000000", "C9", "-", "192.168.1.1", "00:11:22:33:44:55", "living-room-cam", "192.168.1.20", "DISCOVER,OFFER,REQUEST,ACK"},
	}
)

type logSpec struct {
	name, path string
	fields     []string
	rows       [][]string
	sets       map[string]bool
}

var specs = []logSpec{
	{"conn.log", "conn", connFields, connRows, map[string]bool{"service": true}},
	{"dns.log", "dns", dnsFields, dnsRows, map[string]bool{"answers": true, "TTLs": true}},
	{"ssl.log", "ssl", sslFields, sslRows, map[string]bool{"cert_chain_fps": true}},
	{"x509.log", "x509", x509Fields, x509Rows, map[string]bool{"san.dns": true}},
	{"http.log", "http", httpFields, httpRows, nil},
	{"dhcp.log", "dhcp", dhcpFields, dhcpRows, map[string]bool{"uids": true, "msg_types": true}},
}

// writeLogs writes the logs of specs to a new directory as TSV or JSON,
// gzipped or not, under names that say nothing of their kind.
func writeLogs(t *testing.T, format string, gz bool) string {
	t.Helper()
	dir := t.TempDir()
	for i, s := range specs {
		var data string
		if format == FormatJSON {
			data = jsonLog(s.fields, s.sets, s.rows...)
		} else {
			data = tsv(s.path, s.fields, s.rows...)
		}
		b := []byte(data)
		if gz {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			w.Write(b)
			w.Close()
			b = buf.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type recorder struct {
	events []capture.Event
	flows  []capture.Flow
}

func (r *recorder) Event(e capture.Event) { r.events = append(r.events, e) }
func (r *recorder) Flow(f *capture.Flow)  { r.flows = append(r.flows, *f) }

func feed(t *testing.T, dir string) (*recorder, *Source, Stats) {
	t.Helper()
	if !Detect(dir) {
		t.Fatalf("%s: Zeek logs not detected", dir)
	}
	src, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	st, err := src.Feed(rec)
	if err != nil {
		t.Fatal(err)
	}
	return rec, src, st
}

func TestFeedFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		gz     bool
	}{{FormatTSV, false}, {FormatTSV, true}, {FormatJSON, false}, {FormatJSON, true}} {
		t.Run(fmt.Sprintf("%s-gzip=%v", tc.format, tc.gz), func(t *testing.T) {
			rec, src, st := feed(t, writeLogs(t, tc.format, tc.gz))
			if len(rec.flows) != 3 || st.Flows != 3 {
				t.Fatalf("flows: %d (stats %d), want 3", len(rec.flows), st.Flows)
			}
			for _, in := range src.Inputs() {
				if in.Format != tc.format || (in.Compress == "gzip") != tc.gz || in.Records == 0 || in.Kind == "" {
					t.Errorf("input %+v", in)
				}
			}
			mac := parseMAC("00:11:22:33:44:55")
			f := rec.flows[0]
			if f.ClientMAC != mac || f.App != "tls" || f.Packets != [2]uint64{8, 9} || f.Bytes != [2]uint64{900, 4500} ||
				f.Payload != [2]uint64{500, 4000} || f.Last.Sub(f.First).Seconds() != 2.5 || f.FirstPkt == 0 {
				t.Errorf("conn flow: %+v", f)
			}
			var tlsEv *capture.TLSEvent
			var srv *capture.TLSServerEvent
			var dns *capture.DNSEvent
			var http *capture.HTTPEvent
			var dhcp []*capture.DHCPEvent
			for _, e := range rec.events {
				switch e := e.(type) {
				case *capture.TLSEvent:
					tlsEv = e
				case *capture.TLSServerEvent:
					srv = e
				case *capture.DNSEvent:
					if e.Response {
						dns = e
					}
				case *capture.HTTPEvent:
					http = e
				case *capture.DHCPEvent:
					dhcp = append(dhcp, e)
				}
				if m := e.EventMeta(); m.File == "" || m.Packet == 0 {
					t.Errorf("event without file and line: %T %+v", e, m)
				}
			}
			if tlsEv == nil || tlsEv.Hello.SNI != "api.example.com" || tlsEv.JA4 != "t13d1516h2_8daaf6152771_02713d6af862" || tlsEv.SrcMAC != mac {
				t.Errorf("tls: %+v", tlsEv)
			}
			if srv == nil || srv.Version != 0x0301 || srv.Cipher != 0x002f || !srv.HasCert || srv.Subject != "api.example.com" || !srv.SelfSigned || srv.Dst.Addr().String() != "192.168.1.20" {
				t.Errorf("tls server: %+v", srv)
			}
			if dns == nil || len(dns.Answers) != 2 || dns.Answers[0].Type != "CNAME" || dns.Answers[1].Name != "edge.example.net" || dns.Answers[1].Addr.String() != "203.0.113.5" || dns.Dst.Addr().String() != "192.168.1.20" {
				t.Errorf("dns: %+v", dns)
			}
			wantUA := "Camera/1.0 (tab\tinside)"
			if tc.format == FormatJSON {
				wantUA = `Camera/1.0 (tab\x09inside)` // JSON carries its own escapes; the row was written verbatim
			}
			if http == nil || http.Host != "cdn.example.org" || http.UserAgent != wantUA || http.Version != "HTTP/1.1" {
				t.Errorf("http: %+v", http)
			}
			if len(dhcp) != 3 { // DISCOVER, REQUEST from the client; ACK from the server
				t.Fatalf("dhcp: %d events, want 3", len(dhcp))
			}
			if dhcp[0].Hostname != "living-room-cam" || dhcp[0].ClientMAC != mac || dhcp[2].MsgType != "ACK" || dhcp[2].YourIP.String() != "192.168.1.20" {
				t.Errorf("dhcp: %+v %+v", dhcp[0], dhcp[2])
			}
		})
	}
}

// TestDetectByContent: a capture named conn.log is no Zeek log; a Zeek
// log named anything is one.
func TestDetectByContent(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "conn.log")
	os.WriteFile(pcap, []byte("\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00"), 0o644)
	if Detect(pcap) {
		t.Error("a pcap named conn.log detected as a Zeek log")
	}
	if _, err := Open(pcap); err == nil || !strings.Contains(err.Error(), "conn.log is not a Zeek log") {
		t.Errorf("Open of a pcap: %v", err)
	}
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, []byte(tsv("dns", dnsFields, dnsRows...)), 0o644)
	if !Detect(other) {
		t.Error("a Zeek log named notes.txt not detected")
	}
	js := filepath.Join(dir, "x")
	os.WriteFile(js, []byte(`{"ts":1700000000.5,"uid":"C1","id.orig_h":"10.0.0.2"}`+"\n"), 0o644)
	if !Detect(js) {
		t.Error("JSON log not detected")
	}
	os.WriteFile(js, []byte(`{"name":"package.json"}`+"\n"), 0o644)
	if Detect(js) {
		t.Error("a JSON file without ts detected as a Zeek log")
	}
	// A directory with both: the logs are read, the capture skipped with a warning.
	src, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w := strings.Join(src.Warnings(), "\n")
	if !strings.Contains(w, "not Zeek logs skipped") {
		t.Errorf("warnings: %s", w)
	}
}

// TestBadLines: unreadable lines are reported with file and line and the
// rest is read; a damaged gzip stream is an error naming the file.
func TestBadLines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "dns")
	good := jsonLog(dnsFields, map[string]bool{"answers": true, "TTLs": true}, dnsRows...)
	os.WriteFile(p, []byte(good+"{not json\n"+good), 0o644)
	rec, src, st := feed(t, dir)
	if st.Records != 2 || len(rec.events) != 4 {
		t.Errorf("records %d, events %d; want 2 and 4", st.Records, len(rec.events))
	}
	w := strings.Join(src.Warnings(), "\n")
	if !strings.Contains(w, p+": line 2: not a JSON object") {
		t.Errorf("warnings: %s", w)
	}

	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(tsv("dns", dnsFields, dnsRows...) + strings.Repeat(strings.Join(dnsRows[0], "\t")+"\n", 2000)))
	zw.Close()
	cut := filepath.Join(t.TempDir(), "dns.log.gz")
	os.WriteFile(cut, buf.Bytes()[:buf.Len()-200], 0o644)
	s2, err := Open(cut)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s2.Feed(&recorder{})
	if err == nil || !strings.Contains(err.Error(), cut) {
		t.Errorf("truncated gzip: %v", err)
	}
}

func FuzzLogLine(f *testing.F) {
	f.Add([]byte(tsv("ssl", sslFields, sslRows...)))
	f.Add([]byte(jsonLog(connFields, map[string]bool{"service": true}, connRows...)))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "log"), data, 0o644)
		src, err := Open(dir)
		if err != nil {
			return
		}
		src.Feed(&recorder{})
	})
}

// TestSoftwareUserAgents: software.log gives a browser's User-Agent to its
// host when there is no http.log, and nothing when there is one.
func TestSoftwareUserAgents(t *testing.T) {
	fields := []string{"ts", "host", "software_type", "name", "unparsed_version"}
	rows := [][]string{
		{"1700000000.0", "192.168.1.30", "HTTP::BROWSER", "Roku", "Roku/DVP-9.10 (519.10E04111A)"},
		{"1700000000.0", "192.168.1.1", "HTTP::SERVER", "nginx", "nginx/1.18"},
	}
	for _, withHTTP := range []bool{false, true} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "s"), []byte(tsv("software", fields, rows...)), 0o644)
		if withHTTP {
			os.WriteFile(filepath.Join(dir, "h"), []byte(tsv("http", httpFields, httpRows...)), 0o644)
		}
		rec, _, _ := feed(t, dir)
		var uas []string
		for _, e := range rec.events {
			if h, ok := e.(*capture.HTTPEvent); ok && h.Host == "" {
				uas = append(uas, h.Src.Addr().String()+" "+h.UserAgent)
			}
		}
		want := "192.168.1.30 Roku/DVP-9.10 (519.10E04111A)"
		if withHTTP {
			want = ""
		}
		if strings.Join(uas, "|") != want {
			t.Errorf("with http.log %v: %q, want %q", withHTTP, uas, want)
		}
	}
}

// TestCredentials: the user names (and passwords, when logged) of
// http.log and ftp.log are credentials sent in the clear, each FTP user
// once per connection.
func TestCredentials(t *testing.T) {
	dir := t.TempDir()
	hf := append(append([]string(nil), httpFields...), "username", "password")
	hr := append(append([]string(nil), httpRows[0]...), "admin", "-")
	os.WriteFile(filepath.Join(dir, "h"), []byte(tsv("http", hf, hr)), 0o644)
	ff := []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "user", "password", "command", "arg", "reply_code"}
	os.WriteFile(filepath.Join(dir, "f"), []byte(tsv("ftp", ff,
		[]string{"1700000000.0", "C7", "192.168.1.20", "50100", "198.51.100.9", "21", "cam", "s3cret", "RETR", "a.jpg", "226"},
		[]string{"1700000001.0", "C7", "192.168.1.20", "50100", "198.51.100.9", "21", "cam", "s3cret", "QUIT", "-", "221"})), 0o644)
	rec, _, _ := feed(t, dir)
	var got []string
	for _, e := range rec.events {
		if p, ok := e.(*inspect.PersonalDataEvent); ok {
			got = append(got, p.Protocol+" "+p.DataType+" "+p.Value+" "+p.Dst.String())
		}
	}
	want := "ftp credentials cam:s3cret 198.51.100.9:21|http credentials admin 198.51.100.7:80"
	if strings.Join(got, "|") != want {
		t.Errorf("credentials: %q, want %q", got, want)
	}
}
