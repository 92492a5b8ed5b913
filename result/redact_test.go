package result

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var testKey = []byte("tattle test key")

func TestRedact(t *testing.T) {
	r := &Result{Devices: []Device{{
		ID: "50:c7:bf:0a:bc:de", MAC: "50:c7:bf:0a:bc:de",
		IPs: []AddrSeen{{IP: "192.168.1.24"}, {IP: "203.0.113.7"}},
		Observations: Observations{
			DHCP:      []DHCPObs{{Hostname: "Janes-iPhone", ClientID: "0150c7bf0abcde"}},
			Hostnames: []Seen{{Value: "Janes-iPhone"}},
			MDNS:      []MDNSObs{{Instance: "Jane's Room._airplay._tcp", Service: "_airplay._tcp", TXT: []string{"deviceid=50:C7:BF:0A:BC:DE"}}},
			SSDP:      []SSDPObs{{Location: "http://192.168.1.24:80/setup.xml?id=secret", USN: "uuid:abc"}},
			UPnP:      []UPnPObs{{URL: "http://192.168.1.24/desc.xml", FriendlyName: "Jane's Plug", SerialNumber: "SN12345678", ModelName: "HS110"}},
		},
		Destinations: []Destination{{Name: "api.example.com", IP: "52.1.2.3"}, {Name: "tv.local", IP: "192.168.1.23", Local: true}},
		Findings:     []Finding{{ID: "cleartext-personal-data:0123456789ab", Excerpt: "mac=50:c7:bf:0a:bc:de", Personal: true, Message: "sends 50:c7:bf:0a:bc:de"}},
		Score:        &Score{Deductions: []Deduction{{Finding: []string{"cleartext-personal-data:0123456789ab"}}}},
		Identity:     Identity{Vendor: Field{Value: "TP-Link", Evidence: []Evidence{{Detail: `dhcp hostname "Janes-iPhone"`}}}},
	}}}
	before, _ := json.Marshal(r)
	c := Redact(r, testKey)
	after, _ := json.Marshal(r)
	if string(before) != string(after) {
		t.Fatal("Redact changed its input")
	}
	out, _ := json.Marshal(c)
	for _, leak := range []string{"0a:bc:de", "0A:BC:DE", "Janes-iPhone", "192.168.1.24", "0150c7bf0abcde", "Jane's Room", "secret", "uuid:abc",
		"Jane's Plug", "SN12345678", "0123456789ab", "203.0.113.7"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("redacted result still holds %q", leak)
		}
	}
	for _, keep := range []string{"50:c7:bf:~", "api.example.com", "52.1.2.3", "[redacted-ipv4]~", "TP-Link", "_airplay._tcp", "HS110"} {
		if !strings.Contains(string(out), keep) {
			t.Errorf("redaction removed %q, which is not personal", keep)
		}
	}
	if !c.Redacted || c.RedactionKey != KeyID(testKey) {
		t.Errorf("Redacted %v, key %q", c.Redacted, c.RedactionKey)
	}
	d := c.Devices[0]
	if d.ID != d.MAC || d.Findings[0].Message != "sends "+d.ID {
		t.Errorf("the MAC in the message is not the device's redacted ID: %q, %q", d.ID, d.Findings[0].Message)
	}
	if id := d.Findings[0].ID; !strings.HasPrefix(id, "cleartext-personal-data:") || d.Score.Deductions[0].Finding[0] != id {
		t.Errorf("finding ID %q, deduction cites %q", id, d.Score.Deductions[0].Finding[0])
	}
}

// TestRedactIPv6 checks that no IPv6 address of a device survives: a
// SLAAC address holds the MAC in its interface identifier, and a
// temporary address's /64 prefix identifies the home.
func TestRedactIPv6(t *testing.T) {
	const slaac, temp = "2001:db8:1234:5678:c2a0:bbff:fe73:eb47", "2001:db8:1234:5678:9d3a:11c4:5e0f:2b61"
	r := &Result{Devices: []Device{
		{ID: "c0:a0:bb:73:eb:47", MAC: "c0:a0:bb:73:eb:47", IPs: []AddrSeen{{IP: slaac}, {IP: temp}, {IP: "fe80::c2a0:bbff:fe73:eb47"}}},
		{ID: "ip:" + slaac},
		{ID: "50:c7:bf:0a:bc:de", Destinations: []Destination{{IP: slaac, Port: 8080}, {IP: "2606:4700::1111", Port: 443}},
			Findings: []Finding{{Message: "talks to " + strings.ToUpper(slaac)}}},
	}}
	c := Redact(r, testKey)
	out, _ := json.Marshal(c)
	for _, leak := range []string{"2001:db8", "bbff:fe73", "fe80", "c2a0", "2001:DB8"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("redacted result still holds %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(string(out), "2606:4700::1111") {
		t.Error("a public destination's address was redacted")
	}
	if c.Devices[1].ID == "ip:[redacted-ipv6]" || !strings.HasPrefix(c.Devices[1].ID, "ip:[redacted-ipv6]~") {
		t.Errorf("device keyed by an IPv6 address: ID %q, want a pseudonym", c.Devices[1].ID)
	}
}

// TestRedactKnownValuesEverywhere checks that a device's host name, MAC
// and address are replaced in every string, also in other fields and on
// other devices.
func TestRedactKnownValuesEverywhere(t *testing.T) {
	r := &Result{Devices: []Device{
		{ID: "f0:18:98:12:34:56", MAC: "f0:18:98:12:34:56", IPs: []AddrSeen{{IP: "192.168.1.30"}},
			Observations: Observations{
				DHCP:       []DHCPObs{{Hostname: "Alice-Smiths-iPhone"}},
				UserAgents: []Seen{{Value: "AliceApp/1.0 (Alice-Smiths-iPhone)"}},
			},
			Identity: Identity{Model: Field{Value: "iPhone", Evidence: []Evidence{{Detail: `user-agent "AliceApp/1.0 (alice-smiths-iphone)"`}}}}},
		{ID: "50:c7:bf:0a:bc:de", MAC: "50:c7:bf:0a:bc:de",
			Identity: Identity{Model: Field{Value: "HS110"}},
			Observations: Observations{
				SSDP:       []SSDPObs{{Server: "Linux/3.14 UPnP/1.0 Alice-Smiths-iPhone F01898123456 f0-18-98-12-34-56 f018.9812.3456"}},
				DHCP:       []DHCPObs{{Hostname: "HS110"}},
				UserAgents: []Seen{{Value: "Kasa/2.0 (HS110)"}},
			},
			Destinations: []Destination{{Name: "alice-smiths-iphone.local", IP: "192.168.1.30", Local: true}, {Name: "Alice-Smiths-iPhoneX.example.com", IP: "52.1.2.3"}},
			Findings:     []Finding{{Message: "sends the MAC of F0:18:98:12:34:56 and 192.168.1.30 to 192.168.1.3"}}},
	}}
	c := Redact(r, testKey)
	out, _ := json.Marshal(c)
	for _, leak := range []string{"Alice-Smiths-iPhone\"", "Alice-Smiths-iPhone)", "alice-smiths-iphone)", "Alice-Smiths-iPhone ", "12:34:56", "123456", "12-34-56", "9812.3456", "192.168.1.30"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("redacted result still holds %q:\n%s", leak, out)
		}
	}
	phone := c.Devices[0].ID
	if got := c.Devices[1].Findings[0].Message; got != "sends the MAC of "+phone+" and "+c.Devices[0].IPs[0].IP+" to 192.168.1.3" {
		t.Errorf("message %q", got)
	}
	if got := c.Devices[0].Observations.UserAgents[0].Value; got != "AliceApp/1.0 ([redacted])" {
		t.Errorf("user agent %q", got)
	}
	// Only whole words: a longer name is not the host name.
	if got := c.Devices[1].Destinations[1].Name; got != "Alice-Smiths-iPhoneX.example.com" {
		t.Errorf("destination %q", got)
	}
	// A host name that is the device's model is not personal.
	if got := c.Devices[1].Observations.UserAgents[0].Value; got != "Kasa/2.0 (HS110)" {
		t.Errorf("user agent %q: the model is not personal", got)
	}
	if got := c.Devices[0].Identity.Model.Value; got != "iPhone" {
		t.Errorf("model %q: identification is not personal", got)
	}
}

// TestRedactPseudonyms checks that redacted device IDs never collide,
// stay the same under one key, and differ under another.
func TestRedactPseudonyms(t *testing.T) {
	r := &Result{Devices: []Device{{ID: "50:c7:bf:01:02:03"}, {ID: "50:c7:bf:0a:bc:de"}, {ID: "ip:192.168.1.2"}, {ID: "ip:192.168.3.4"}}}
	a, b, other := Redact(r, testKey), Redact(r, testKey), Redact(r, []byte("another key"))
	seen := map[string]bool{}
	for i, d := range a.Devices {
		if seen[d.ID] {
			t.Errorf("two devices redacted to %q", d.ID)
		}
		seen[d.ID] = true
		if b.Devices[i].ID != d.ID {
			t.Errorf("one key, two IDs: %q, %q", d.ID, b.Devices[i].ID)
		}
		if other.Devices[i].ID == d.ID {
			t.Errorf("two keys, one ID %q", d.ID)
		}
	}
	if !strings.HasPrefix(a.Devices[0].ID, "50:c7:bf:~") || strings.Contains(a.Devices[0].ID, "01:02:03") {
		t.Errorf("ID %q: want the vendor half and a pseudonym", a.Devices[0].ID)
	}
	if a.RedactionKey == other.RedactionKey {
		t.Error("two keys with one key ID")
	}
}

// TestRedactLocalAddresses checks that two local hosts keep apart once
// redacted, and that a destination that is another device shows the
// address that device's own list shows.
func TestRedactLocalAddresses(t *testing.T) {
	r := &Result{Devices: []Device{
		{ID: "50:c7:bf:0a:bc:de", Destinations: []Destination{{IP: "192.168.1.1", Port: 53, Local: true}, {IP: "192.168.1.7", Port: 53, Local: true}, {IP: "224.0.0.251", Port: 5353, Local: true}}},
		{ID: "f0:18:98:12:34:56", IPs: []AddrSeen{{IP: "192.168.1.7"}}},
	}}
	c := Redact(r, testKey)
	d := c.Devices[0].Destinations
	if d[0].IP == d[1].IP || !strings.HasPrefix(d[0].IP, "192.168.0.0/16~") {
		t.Errorf("local destinations %q and %q", d[0].IP, d[1].IP)
	}
	if d[1].IP != c.Devices[1].IPs[0].IP {
		t.Errorf("destination %q, the device at that address shows %q", d[1].IP, c.Devices[1].IPs[0].IP)
	}
	if d[2].IP != "224.0.0.251" {
		t.Errorf("multicast group redacted: %q", d[2].IP)
	}
}

func TestRedactMACAndDeviceIDs(t *testing.T) {
	p := func(kind, v string) string { return (&redactor{key: testKey}).pseudonym(kind, v) }
	for in, want := range map[string]string{
		"50:c7:bf:01:02:03":   "50:c7:bf:~" + p("mac", "50:c7:bf:01:02:03"),
		"50:C7:BF:01:02:03":   "50:c7:bf:~" + p("mac", "50:c7:bf:01:02:03"),
		"ip:192.168.10.255":   "ip:192.168.0.0/16~" + p("ip", "192.168.10.255")[:12],
		"ip:203.0.113.7":      "ip:[redacted-ipv4]~" + p("ip", "203.0.113.7")[:12],
		"ip:100.67.35.238":    "ip:[redacted-ipv4]~" + p("ip", "100.67.35.238")[:12],
		"ip:fe80::1":          "ip:[redacted-ipv6]~" + p("ip", "fe80::1")[:12],
		"ip:2001:db8::1":      "ip:[redacted-ipv6]~" + p("ip", "2001:db8::1")[:12],
		"not-a-mac-address-x": "not-a-mac-address-x",
	} {
		if got := RedactMAC(in, testKey); got != want {
			t.Errorf("RedactMAC(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPseudonymOneHashReused checks that a redactor, which keeps one
// keyed hash for every value it hashes, writes the pseudonyms a new HMAC
// per value gives, whatever it hashed before.
func TestPseudonymOneHashReused(t *testing.T) {
	ref := func(kind, v string) string {
		m := hmac.New(sha256.New, testKey)
		m.Write([]byte(kind + "\x00" + v))
		return hex.EncodeToString(m.Sum(nil)[:8])
	}
	k := &redactor{key: testKey}
	values := []struct{ kind, v string }{
		{"mac", "50:c7:bf:01:02:03"}, {"ip", "192.168.1.7"}, {"finding", "third_party:0a1b2c3d4e5f"},
		{"mac", "50:c7:bf:01:02:03"}, {"ip", ""}, {"finding", strings.Repeat("x", 300)}, {"mac", "f0:18:98:12:34:56"},
	}
	for _, c := range values {
		if got, want := k.pseudonym(c.kind, c.v), ref(c.kind, c.v); got != want {
			t.Errorf("pseudonym(%q, %q) = %q, want %q", c.kind, c.v, got, want)
		}
	}
	hw, _ := net.ParseMAC("50:C7:BF:0A:BC:DE")
	if got, want := k.mac(hw), "50:c7:bf:~"+ref("mac", "50:c7:bf:0a:bc:de"); got != want {
		t.Errorf("mac = %q, want %q", got, want)
	}
	if got, want := k.findingID("third_party:0a1b2c3d4e5f"), "third_party:"+ref("finding", "third_party:0a1b2c3d4e5f")[:12]; got != want {
		t.Errorf("findingID = %q, want %q", got, want)
	}
	if got, want := k.deviceIP("fe80::0001"), "[redacted-ipv6]~"+ref("ip", "fe80::1")[:12]; got != want {
		t.Errorf("deviceIP = %q, want %q", got, want)
	}
}

// TestKeepFieldsExist checks that every field the known-value pass
// leaves alone still exists, so that a rename cannot quietly widen it.
func TestKeepFieldsExist(t *testing.T) {
	types := map[string]reflect.Type{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || types[t.Name()] != nil || t.PkgPath() != reflect.TypeOf(Result{}).PkgPath() {
			return
		}
		types[t.Name()] = t
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeOf(Result{}))
	for k := range keepFields {
		tn, fn, _ := strings.Cut(k, ".")
		if ty := types[tn]; ty == nil {
			t.Errorf("keepFields: no type %s in the result", tn)
		} else if _, ok := ty.FieldByName(fn); !ok {
			t.Errorf("keepFields: %s has no field %s", tn, fn)
		}
	}
}

// redactMACsInRef is a plain version of redactMACsIn for addresses of no
// known device: every position tried on a copy.
func redactMACsInRef(s string) string {
	b := []byte(s)
	for i := 0; i+17 <= len(b); i++ {
		ok := true
		for j := 0; j < 17; j++ {
			c := b[i+j]
			if j%3 == 2 {
				ok = ok && c == b[i+2] && (c == ':' || c == '-')
			} else {
				ok = ok && (('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F'))
			}
		}
		if ok {
			copy(b[i+9:], "xx:xx:xx")
			i += 16
		}
	}
	return string(b)
}

func TestRedactMACsIn(t *testing.T) {
	k := &redactor{key: testKey, known: collectKnown(&Result{Devices: []Device{{ID: "f0:18:98:12:34:56"}}}, &redactor{key: testKey})}
	phone := k.id("f0:18:98:12:34:56")
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"no address here", "no address here"},
		{"sends 50:c7:bf:0a:bc:de to x", "sends 50:c7:bf:xx:xx:xx to x"},
		{"50:C7:BF:0A:BC:DE", "50:C7:BF:xx:xx:xx"},
		{"50-c7-bf-0a-bc-de", "50-c7-bf-xx:xx:xx"},
		{"50:c7:bf:0a:bc:de:11:22:33:44:55:66", "50:c7:bf:xx:xx:xx:11:22:33:xx:xx:xx"},
		{"50:c7:bf:0a:bc:d", "50:c7:bf:0a:bc:d"},
		{"zz:c7:bf:0a:bc:de", "zz:c7:bf:0a:bc:de"},
		{"50c7bf0abcde", "50c7bf0abcde"}, // bare hex: only a known device's
		{"id=F01898123456&x", "id=" + phone + "&x"},
		{"f018.9812.3456", phone},
		{"F0-18-98-12-34-56", phone},
		{"0f01898123456", "0f01898123456"},
		{"f01898123456a", "f01898123456a"},
	} {
		if got := redactMACsIn(tc.in, k); got != tc.want {
			t.Errorf("redactMACsIn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzRedactMACsIn(f *testing.F) {
	for _, s := range []string{"sends 50:c7:bf:0a:bc:de", "1:22:33:44:55:66:77:88", "a:b:c", "50-c7-bf-0a-bc-de"} {
		f.Add(s)
	}
	k := &redactor{key: testKey, known: &knownSet{}}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := redactMACsIn(s, k), redactMACsInRef(s); got != want {
			t.Fatalf("redactMACsIn(%q) = %q, want %q", s, got, want)
		}
	})
}

func FuzzKnownReplace(f *testing.F) {
	ks := collectKnown(&Result{Devices: []Device{{Observations: Observations{Hostnames: []Seen{{Value: "Alice-Phone"}, {Value: "alice"}}}}}}, &redactor{key: testKey})
	for _, s := range []string{"AliceApp (Alice-Phone)", "alice", "ALICE-PHONE-2", "malice"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ks.replace(s)
		low := strings.ToLower(got)
		for _, v := range []string{"alice-phone", "alice"} {
			for i := strings.Index(low, v); i >= 0; i = nextIndex(low, v, i) {
				before := i == 0 || !isAlnum(low[i-1])
				after := i+len(v) == len(low) || !isAlnum(low[i+len(v)])
				if before && after {
					t.Fatalf("replace(%q) = %q still holds %q as a word", s, got, v)
				}
			}
		}
	})
}

func nextIndex(s, v string, i int) int {
	j := strings.Index(s[i+1:], v)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// BenchmarkRedact redacts a result of 2000 devices, each with a host
// name, a User-Agent, an SSDP header, ten destinations and findings.
func BenchmarkRedact(b *testing.B) {
	r := &Result{}
	for i := 0; i < 2000; i++ {
		mac := []byte{0x50, 0xc7, 0xbf, byte(i >> 16), byte(i >> 8), byte(i)}
		id := net.HardwareAddr(mac).String()
		d := Device{ID: id, MAC: id, IPs: []AddrSeen{{IP: fmt.Sprintf("192.168.%d.%d", i>>8, i&255)}},
			Observations: Observations{
				DHCP:       []DHCPObs{{Hostname: fmt.Sprintf("host-%d", i)}},
				UserAgents: []Seen{{Value: fmt.Sprintf("App/1.0 (host-%d; Linux)", i)}},
				SSDP:       []SSDPObs{{Server: "Linux/3.14 UPnP/1.0 Device/1.0"}},
			}}
		for j := 0; j < 10; j++ {
			d.Destinations = append(d.Destinations, Destination{Name: fmt.Sprintf("api%d.example.com", j), IP: "52.1.2.3", Organization: "Example"})
			d.Findings = append(d.Findings, Finding{ID: fmt.Sprintf("k:%d", j), Kind: "k", Message: "The device sent 1234 bytes to api.example.com, run by Example."})
		}
		r.Devices = append(r.Devices, d)
	}
	b.ReportAllocs()
	for b.Loop() {
		Redact(r, testKey)
	}
}

// redactMACsInEvery is redactMACsIn as it was before it passed over
// positions no form can start at: macAt tried at every one.
func redactMACsInEvery(s string, k *redactor) string {
	var b strings.Builder
	last := 0
	for i := 0; i+12 <= len(s); i++ {
		hw, n := macAt(s, i)
		if n == 0 {
			continue
		}
		repl, known := k.known.macs[hw]
		if !known {
			if n != 17 {
				continue
			}
			repl = s[i:i+9] + "xx:xx:xx"
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + n
		i += n - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// TestRedactMACsInSkips checks that what redactMACsIn passes over
// changes nothing: random texts of hex digits and separators, with a
// known device's address in each of its forms, against macAt at every
// position.
func TestRedactMACsInSkips(t *testing.T) {
	k := &redactor{key: testKey, known: collectKnown(&Result{Devices: []Device{{ID: "f0:18:98:12:34:56"}}}, &redactor{key: testKey})}
	pieces := []string{"f0:18:98:12:34:56", "F0-18-98-12-34-56", "f018.9812.3456", "F01898123456", "50:c7:bf:0a:bc:de",
		"0", "a", "F", "g", ":", "-", ".", " ", "12", "ab:", "98-"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := redactMACsIn(s, k), redactMACsInEvery(s, k); got != want {
			t.Fatalf("redactMACsIn(%q) = %q, want %q", s, got, want)
		}
	}
}

// replaceEvery is knownSet.replace as its doc defines it, without the
// filters: at every word start, every length of value, longest first,
// looked up in vals.
func replaceEvery(ks *knownSet, s string) string {
	var lens []int
	for v := range ks.vals {
		if !slices.Contains(lens, len(v)) {
			lens = append(lens, len(v))
		}
	}
	slices.SortFunc(lens, func(a, b int) int { return b - a })
	var b strings.Builder
	last := 0
	for i := 0; i+minKnown <= len(s); i++ {
		if i > 0 && isAlnum(s[i-1]) && isAlnum(s[i]) {
			continue
		}
		for _, n := range lens {
			end := i + n
			if end > len(s) || (end < len(s) && isAlnum(s[end]) && isAlnum(s[end-1])) {
				continue
			}
			if repl, ok := ks.vals[strings.ToLower(s[i:end])]; ok {
				b.WriteString(s[last:i])
				b.WriteString(repl)
				last = end
				i = end - 1
				break
			}
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// TestKnownReplaceFilters checks that the filters of replace (values'
// first bytes, heads, shapes) change nothing it finds: random texts of
// pieces of known values (device addresses, host names short and longer
// than a head's length bits, in any case), against replaceEvery.
func TestKnownReplaceFilters(t *testing.T) {
	r := &Result{}
	long := strings.Repeat("living-room-", 6) // 72 bytes: past longHead
	for i := range 50 {
		r.Devices = append(r.Devices, Device{ID: fmt.Sprint("ip:10.0.", i/10, ".", i),
			IPs: []AddrSeen{{IP: fmt.Sprint("10.0.", i/10, ".", i)}, {IP: fmt.Sprint("fe80::", i)}, {IP: fmt.Sprint("8.", i, ".1.2")}},
			Observations: Observations{Hostnames: []Seen{{Value: fmt.Sprint("Alice-Phone-", i, ".local")}, {Value: fmt.Sprint(long, i)},
				{Value: fmt.Sprint(long[:60], i)}, {Value: fmt.Sprint("Ali", i)}}}})
	}
	k := &redactor{key: testKey}
	ks := collectKnown(r, k)
	if len(ks.heads.long) == 0 {
		t.Fatal("no value past longHead")
	}
	pieces := []string{"10.0.", "1", "2", "3", "4.", ".", " ", "fe80::", "Alice-Phone-", "alice-phone-", "ALICE-PHONE-", ".local", "x", "-", ":",
		"8.", ".1.2", long, strings.ToUpper(long[:36]), long[:60], "living-room-", "Ali", "ali"}
	rng := rand.New(rand.NewPCG(5, 6))
	replaced := 0
	for range 40000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		got, want := ks.replace(s), replaceEvery(ks, s)
		if got != want {
			t.Fatalf("replace(%q) = %q, want %q", s, got, want)
		}
		if got != s {
			replaced++
		}
	}
	if replaced < 2000 {
		t.Fatalf("%d texts had a value replaced: the test asks too little", replaced)
	}
}

// TestByteTables checks the tables of isAlnum, isHex and lower against their
// definitions, at every byte.
func TestByteTables(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		alnum := ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
		low := b
		if 'A' <= b && b <= 'Z' {
			low = b + 'a' - 'A'
		}
		hex := ('0' <= b && b <= '9') || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F')
		if isAlnum(b) != alnum || isHex(b) != hex || lower(b) != low {
			t.Errorf("byte %#x: isAlnum %v isHex %v lower %q, want %v %v %q", b, isAlnum(b), isHex(b), lower(b), alnum, hex, low)
		}
	}
}

// TestRedactReusesKnown checks that the device IDs, MACs and addresses
// RedactInPlace takes from what collectKnown made are those a redactor
// of its own makes.
func TestRedactReusesKnown(t *testing.T) {
	r := &Result{Devices: []Device{
		{ID: "50:c7:bf:0a:bc:de", MAC: "50:c7:bf:0a:bc:de", IPs: []AddrSeen{{IP: "192.168.1.7"}, {IP: "fe80::1"}, {IP: "203.0.113.9"}, {IP: "224.0.0.251"}}},
		{ID: "ip:10.1.2.3", IPs: []AddrSeen{{IP: "10.1.2.3"}}},
		{ID: "ip:2001:db8::5"},
	}}
	want := &redactor{key: testKey}
	var ids, macs []string
	var ips [][]string
	for _, d := range r.Devices {
		ids, macs = append(ids, want.id(d.ID)), append(macs, want.id(d.MAC))
		var l []string
		for _, ip := range d.IPs {
			l = append(l, want.deviceIP(ip.IP))
		}
		ips = append(ips, l)
	}
	RedactInPlace(r, testKey)
	for i, d := range r.Devices {
		if d.ID != ids[i] || d.MAC != macs[i] {
			t.Errorf("device %d: ID %q MAC %q, want %q %q", i, d.ID, d.MAC, ids[i], macs[i])
		}
		for j, ip := range d.IPs {
			if ip.IP != ips[i][j] {
				t.Errorf("device %d address %d: %q, want %q", i, j, ip.IP, ips[i][j])
			}
		}
	}
}
