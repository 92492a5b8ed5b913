package dissect_test

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// zeekCase is one Zeek baseline log with the trace it was made from.
type zeekCase struct {
	log, trace string
}

// zeekLogs lists the baselines named name (dns.log, dhcp.log...) whose
// test ran over exactly one trace.
func zeekLogs(t *testing.T, name string) []zeekCase {
	root := filepath.Join(testutil.SharedCaptures(t), "zeek")
	m, err := os.ReadFile(filepath.Join(root, "BASELINE-MAP.tsv"))
	if err != nil {
		t.Skipf("zeek baseline map not found: %v", err)
	}
	var out []zeekCase
	for _, l := range strings.Split(string(m), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || strings.Contains(f[2], " ") || !strings.HasPrefix(f[2], "TRACES/") {
			continue
		}
		logs, _ := filepath.Glob(filepath.Join(root, "testing", "btest", "Baseline", f[0], "*"+name))
		for _, lf := range logs {
			out = append(out, zeekCase{lf, filepath.Join(root, "testing", "btest", "Traces", strings.TrimPrefix(f[2], "TRACES/"))})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no Zeek %s baselines found", name)
	}
	return out
}

// readZeekLog reads a Zeek TSV log into rows keyed by field name. Some
// baselines are cut with zeek-cut, which leaves the field names as the
// first line without "#fields".
func readZeekLog(t *testing.T, path string) []map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fields []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#fields\t"):
			fields = strings.Split(l, "\t")[1:]
			continue
		case strings.HasPrefix(l, "#"):
			continue
		case fields == nil && strings.HasPrefix(l, "ts\t"):
			fields = strings.Split(l, "\t")
			continue
		case fields == nil:
			continue
		}
		cols := strings.Split(l, "\t")
		r := map[string]string{}
		for i, name := range fields {
			if i < len(cols) && cols[i] != "-" && cols[i] != "(empty)" {
				r[name] = cols[i]
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// tally counts agreements per field and fails the test on a mismatch.
type tally map[string][2]int

func (c tally) check(t *testing.T, where, field, want string, ok bool, got any) {
	t.Helper()
	n := c[field]
	n[1]++
	if ok {
		n[0]++
	} else {
		t.Errorf("%s: %s: want %q, tattle has %v", where, field, want, got)
	}
	c[field] = n
}

func (c tally) log(t *testing.T, what string) {
	t.Helper()
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%s %s: %d of %d agree", what, k, c[k][0], c[k][1])
	}
	if len(keys) == 0 {
		t.Errorf("no %s expectations compared", what)
	}
}

// TestZeekDHCP compares DHCP fields with Zeek's dhcp.log: per logged
// transaction, an event from the client's MAC carries each value.
func TestZeekDHCP(t *testing.T) {
	c := tally{}
	for _, zc := range zeekLogs(t, "dhcp.log") {
		var dhcp []*capture.DHCPEvent
		for _, e := range scan(t, zc.trace) {
			if d, ok := e.(*capture.DHCPEvent); ok {
				dhcp = append(dhcp, d)
			}
		}
		where := filepath.Base(filepath.Dir(zc.log))
		for _, r := range readZeekLog(t, zc.log) {
			mac := r["mac"]
			var mine []*capture.DHCPEvent
			for _, d := range dhcp {
				if d.ClientMAC.String() == mac {
					mine = append(mine, d)
				}
			}
			c.check(t, where, "mac", mac, len(mine) > 0, "no event")
			has := func(field string, f func(*capture.DHCPEvent) string) {
				want, ok := r[field]
				if !ok {
					return
				}
				var seen []string
				found := false
				for _, d := range mine {
					seen = append(seen, f(d))
					found = found || f(d) == want
				}
				c.check(t, where, field, want, found, seen)
			}
			addr := func(a netip.Addr) string {
				if !a.IsValid() {
					return ""
				}
				return a.String()
			}
			has("host_name", func(d *capture.DHCPEvent) string { return d.Hostname })
			has("client_fqdn", func(d *capture.DHCPEvent) string { return d.FQDN })
			has("requested_addr", func(d *capture.DHCPEvent) string { return addr(d.RequestedIP) })
			has("assigned_addr", func(d *capture.DHCPEvent) string { return addr(d.YourIP) })
			if mt, ok := r["msg_types"]; ok {
				kinds := map[string]bool{}
				for _, d := range mine {
					kinds[d.MsgType] = true
				}
				for _, m := range strings.Split(mt, ",") {
					c.check(t, where, "msg_types", m, kinds[m], kinds)
				}
			}
		}
	}
	c.log(t, "Zeek dhcp.log")
}

// TestZeekNTP compares NTP headers with Zeek's ntp.log: per connection,
// the same number of messages of each version, mode and stratum.
func TestZeekNTP(t *testing.T) {
	c := tally{}
	otherLogs := 0
	for _, zc := range zeekLogs(t, "ntp.log") {
		got := map[string]int{}
		for _, e := range scan(t, zc.trace) {
			if n, ok := e.(*capture.NTPEvent); ok {
				got[fmt.Sprintf("%s %d/%d/%d", connKey(n.Src, n.Dst), n.Version, n.Mode, n.Stratum)]++
			}
		}
		want := map[string]int{}
		for _, r := range readZeekLog(t, zc.log) {
			a, b := zeekEndpoints(r)
			want[fmt.Sprintf("%s %s/%s/%s", connKey(a, b), r["version"], r["mode"], r["stratum"])]++
		}
		where := filepath.Base(zc.trace)
		for k, n := range want {
			c.check(t, where, "messages by version/mode/stratum", fmt.Sprintf("%s x%d", k, n), got[k] == n, got[k])
		}
		for k, n := range got {
			if mode := strings.Split(k[strings.LastIndexByte(k, ' ')+1:], "/")[1]; mode == "6" || mode == "7" {
				// Modes 6 (control) and 7 (private) go to Zeek's
				// ntp_control.log and ntp_private.log, not ntp.log.
				otherLogs += n
				continue
			}
			if want[k] == 0 {
				t.Errorf("%s: tattle read %d NTP messages %s that Zeek does not log", where, n, k)
			}
		}
	}
	t.Logf("NTP control and private messages (modes 6, 7), which Zeek logs elsewhere: %d", otherLogs)
	c.log(t, "Zeek ntp.log")
}

// TestZeekHTTP compares requests with Zeek's http.log: per connection
// the same requests in the same order (trans_depth), with method, host,
// URI and User-Agent. (Zeek's version column is the reply's version;
// tattle reads requests only, so it is not compared.)
func TestZeekHTTP(t *testing.T) {
	c := tally{}
	for _, zc := range zeekLogs(t, "http.log") {
		byConn := map[string][]*capture.HTTPEvent{}
		for _, e := range scan(t, zc.trace) {
			if h, ok := e.(*capture.HTTPEvent); ok {
				k := connKey(h.Src, h.Dst)
				byConn[k] = append(byConn[k], h)
			}
		}
		depth := map[string]int{}
		where := filepath.Base(zc.trace)
		for _, r := range readZeekLog(t, zc.log) {
			a, b := zeekEndpoints(r)
			k := connKey(a, b)
			d, _ := strconv.Atoi(r["trans_depth"])
			depth[k] = max(depth[k], d)
			reqs := byConn[k]
			if d < 1 || d > len(reqs) {
				c.check(t, where+" "+k, "request", r["uri"], false, fmt.Sprintf("%d requests", len(reqs)))
				continue
			}
			h := reqs[d-1]
			at := fmt.Sprintf("%s %s #%d", where, k, d)
			c.check(t, at, "method", r["method"], h.Method == r["method"], h.Method)
			c.check(t, at, "host", r["host"], strings.EqualFold(hostOnly(h.Host), r["host"]), h.Host)
			c.check(t, at, "uri", r["uri"], h.Path == r["uri"], h.Path)
			if ua, ok := r["user_agent"]; ok {
				c.check(t, at, "user_agent", ua, h.UserAgent == ua, h.UserAgent)
			}
		}
		for k, n := range depth {
			c.check(t, where+" "+k, "requests per connection", strconv.Itoa(n), len(byConn[k]) == n, len(byConn[k]))
		}
	}
	c.log(t, "Zeek http.log")
}

// zeekTXT splits Zeek's rendering of a TXT answer, "TXT <len> <text>"
// repeated, into its strings.
var zeekTXT = regexp.MustCompile(`TXT (\d+) `)

// TestZeekDNSAnswers compares answers with Zeek's dns.log: for each
// logged response, every answer (address, name, TXT strings) and its TTL
// is among the records tattle read from a response to the same query.
func TestZeekDNSAnswers(t *testing.T) {
	c := tally{}
	for _, zc := range zeekLogs(t, "dns.log") {
		type rec struct {
			data, typ string
			ttl       uint32
		}
		answers := map[string][]rec{}
		rcodes := map[string]map[string]bool{}
		for _, e := range scan(t, zc.trace) {
			d, ok := e.(*capture.DNSEvent)
			if !ok || !d.Response {
				continue
			}
			q := ""
			if len(d.Questions) > 0 {
				q = d.Questions[0].Name
			} else if len(d.Answers) > 0 {
				q = d.Answers[0].Name
			}
			if rcodes[q] == nil {
				rcodes[q] = map[string]bool{}
			}
			rcodes[q][d.RCode] = true
			for _, a := range d.Answers {
				answers[q] = append(answers[q], rec{a.Data, a.Type, a.TTL})
			}
		}
		where := filepath.Base(zc.trace)
		for _, r := range readZeekLog(t, zc.log) {
			q := strings.ToLower(r["query"])
			if rc, ok := r["rcode_name"]; ok {
				c.check(t, where+" "+q, "rcode_name", rc, rcodes[q][rc], rcodes[q])
			}
			ans, ok := r["answers"]
			if !ok {
				continue
			}
			ttls := strings.Split(r["TTLs"], ",")
			for i, a := range strings.Split(ans, ",") {
				var ttl uint32
				if i < len(ttls) {
					f, _ := strconv.ParseFloat(ttls[i], 64)
					ttl = uint32(f)
				}
				at := where + " " + q
				switch {
				case strings.HasPrefix(a, "TXT "):
					want := splitZeekTXT(a)
					found := false
					for _, x := range answers[q] {
						found = found || x.typ == "TXT" && x.data == strings.Join(want, "\x00") && x.ttl == ttl
					}
					c.check(t, at, "TXT answer", a, found, answers[q])
				case strings.Contains(a, " "):
					// Other record types Zeek renders as "TYPE n name"
					// (RRSIG): the type and the signer name must be there.
					typ, rest, _ := strings.Cut(a, " ")
					signer := rest[strings.LastIndexByte(rest, ' ')+1:]
					found := false
					for _, x := range answers[q] {
						found = found || x.typ == typ && strings.Contains(x.data, " "+signer+". ") && x.ttl == ttl
					}
					c.check(t, at, typ+" answer", a, found, answers[q])
				default:
					found := false
					for _, x := range answers[q] {
						found = found || strings.TrimSuffix(x.data, ".") == strings.ToLower(a) && x.ttl == ttl
					}
					c.check(t, at, "address or name answer", a, found, answers[q])
				}
			}
		}
	}
	c.log(t, "Zeek dns.log answers")
}

func splitZeekTXT(a string) []string {
	var out []string
	for len(a) > 0 {
		m := zeekTXT.FindStringSubmatchIndex(a)
		if m == nil || m[0] != 0 {
			return append(out, a)
		}
		n, _ := strconv.Atoi(a[m[2]:m[3]])
		a = a[m[1]:]
		n = min(n, len(a))
		out = append(out, a[:n])
		a = strings.TrimPrefix(a[n:], " ")
	}
	return out
}

func zeekEndpoints(r map[string]string) (netip.AddrPort, netip.AddrPort) {
	ap := func(h, p string) netip.AddrPort {
		a, _ := netip.ParseAddr(h)
		n, _ := strconv.Atoi(p)
		return netip.AddrPortFrom(a, uint16(n))
	}
	return ap(r["id.orig_h"], r["id.orig_p"]), ap(r["id.resp_h"], r["id.resp_p"])
}

// connKey names a connection the same whichever way a packet goes.
func connKey(a, b netip.AddrPort) string {
	x, y := flowKey(a, b), flowKey(b, a)
	return min(x, y)
}
