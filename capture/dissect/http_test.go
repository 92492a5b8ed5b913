package dissect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
)

const (
	httpGet   = "GET /a?x=1 HTTP/1.1\r\nHost: API.example.com:8080\r\nUser-Agent: Kasa/2.0\r\nContent-Length: 4\r\n\r\nbody"
	httpPost  = "POST /b HTTP/1.1\r\nhost: api.example.com\r\nuser-agent: Kasa/2.1\r\n\r\n"
	httpRTSP  = "DESCRIBE rtsp://10.2.2.2:8554/cam RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: LibVLC/3.0\r\n\r\n"
	httpDAV   = "PROPFIND /dav/ HTTP/1.1\r\nHost: nas.local\r\nDepth: 1\r\n\r\n"
	httpReply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
)

// req is what a test expects of one HTTPEvent.
type req struct{ method, host, path, version, ua string }

func TestHTTP(t *testing.T) {
	longHeaders := "GET / HTTP/1.1\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 100)+"\r\n", 200) + "\r\n"
	manyHeaders := "GET / HTTP/1.1\r\n"
	for i := range maxHeaders - 1 {
		manyHeaders += fmt.Sprintf("H%d: v\r\n", i)
	}
	manyHeaders += "User-Agent: 64th\r\nHost: 65th\r\n\r\n"
	pipelined := httpGet + httpPost
	tests := []struct {
		name   string
		segs   []seg
		noSYN  bool // the capture joined the connection late
		want   []req
		app    string
		server string
		note   string
	}{
		{name: "one request", segs: inOrder(0, httpPost),
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "request line split after three bytes, headers across segments", segs: inOrder(0, httpPost, 3, 20, 50),
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "header end split inside CRLFCRLF", segs: inOrder(0, httpPost, len(httpPost)-2),
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "pipelined, body skipped by Content-Length", segs: inOrder(0, pipelined, 10, 40, len(httpGet)-2),
			want: []req{{"GET", "API.example.com:8080", "/a?x=1", "HTTP/1.1", "Kasa/2.0"}, {"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}},
			app:  "http", server: "api.example.com:8080"},
		{name: "keep-alive with responses between", segs: []seg{{0, 0, httpGet}, {1, 0, httpReply}, {0, uint32(len(httpGet)), httpPost}},
			want: []req{{"GET", "API.example.com:8080", "/a?x=1", "HTTP/1.1", "Kasa/2.0"}, {"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}},
			app:  "http", server: "api.example.com:8080"},
		{name: "retransmitted request is not repeated", segs: append(inOrder(0, httpPost), inOrder(0, httpPost, 10)...),
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "segments swapped", segs: []seg{{0, 0, httpPost[:12]}, {0, 30, httpPost[30:]}, {0, 12, httpPost[12:30]}},
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "missing bytes: resynchronise on the next request", segs: []seg{{0, 0, httpPost[:12]}, {0, 40, httpPost[40:]}, {0, uint32(len(httpPost) + 100), httpGet}},
			want: []req{{"GET", "API.example.com:8080", "/a?x=1", "HTTP/1.1", "Kasa/2.0"}}, app: "http", server: "api.example.com:8080", note: "http: gap in stream"},
		{name: "server speaks first", segs: []seg{{1, 0, "220 ready\r\n"}, {0, 0, httpPost}},
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "joined mid-stream at a request", segs: inOrder(0, httpPost, 20), noSYN: true,
			want: []req{{"POST", "api.example.com", "/b", "HTTP/1.1", "Kasa/2.1"}}, app: "http", server: "api.example.com"},
		{name: "RTSP", segs: inOrder(0, httpRTSP),
			want: []req{{"DESCRIBE", "", "rtsp://10.2.2.2:8554/cam", "RTSP/1.0", "LibVLC/3.0"}}, app: "rtsp"},
		{name: "method not in the list", segs: inOrder(0, httpDAV),
			want: []req{{"PROPFIND", "nas.local", "/dav/", "HTTP/1.1", ""}}, app: "http", server: "nas.local"},
		{name: "header block over 16 KiB", segs: inOrder(0, longHeaders, 8000, 16000), note: "http: header block too long"},
		{name: "header count bounded", segs: inOrder(0, manyHeaders),
			want: []req{{"GET", "", "/", "HTTP/1.1", "64th"}}, app: "http"},
		{name: "malformed request line", segs: inOrder(0, "GET /x HTTP/1.1 extra\r\n\r\n"), note: "http: malformed request line"},
		{name: "TLS is not HTTP", segs: inOrder(0, "\x16\x03\x01\x00\x05hello")},
		{name: "text that is not a request", segs: inOrder(0, "GETTING STARTED\r\n\r\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, f := feedFlow(NewHTTP(), tc.segs, tc.noSYN)
			got := eventsOf[*capture.HTTPEvent](ev)
			if len(got) != len(tc.want) {
				t.Fatalf("%d requests, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				g := got[i]
				if (req{g.Method, g.Host, g.Path, g.Version, g.UserAgent}) != w {
					t.Errorf("request %d = %+v, want %+v", i, req{g.Method, g.Host, g.Path, g.Version, g.UserAgent}, w)
				}
			}
			if f.App != tc.app || f.ServerName != tc.server {
				t.Errorf("flow app, server = %q, %q, want %q, %q", f.App, f.ServerName, tc.app, tc.server)
			}
			if tc.note != "" && f.Notes[tc.note] == 0 {
				t.Errorf("notes = %v, want %q", f.Notes, tc.note)
			}
		})
	}
}

func feedFlow(d capture.Dissector, segs []seg, noSYN bool) ([]capture.Event, *capture.Flow) {
	if !noSYN {
		return feed(d, "192.168.1.5:40000", "52.1.2.3:80", segs)
	}
	// Shift the stream so that the first segment seen is not where the
	// handshake (unseen) put the stream's start.
	p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:80", nil)
	var out []capture.Event
	for _, s := range segs {
		p.Dir, p.TCPSeq, p.Payload = s.dir, 5000+s.rel, []byte(s.data)
		out = append(out, run(d, p)...)
	}
	return out, p.Flow
}

func TestHTTPDeclines(t *testing.T) {
	p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:443", []byte("\x16\x03\x01\x02\x00\x01"))
	h := NewHTTP()
	run(h, p)
	if _, ok := (*p.State()).(*httpState); ok {
		t.Error("state kept for a flow that is not HTTP")
	}
	u := packet(capture.UDP, "192.168.1.5:40000", "52.1.2.3:80", []byte(httpPost))
	if ev := run(h, u); len(ev) != 0 {
		t.Errorf("HTTP over UDP produced %d events", len(ev))
	}
}

func TestUPnPDescription(t *testing.T) {
	get := "GET /setup.xml HTTP/1.1\r\nHost: 192.168.1.5:49153\r\n\r\n"
	resp := "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<?xml version=\"1.0\"?>\n<root xmlns=\"urn:Belkin:device-1-0\"><device>" +
		"<deviceType>urn:Belkin:device:controllee:1</deviceType><friendlyName>Kitchen</friendlyName><manufacturer>Belkin International Inc.</manufacturer>" +
		"<modelName>Socket</modelName><modelNumber>1.0</modelNumber><serialNumber>221517K0101769</serialNumber></device></root>"
	tests := []struct {
		name string
		segs []seg
		want int
	}{
		{"in order", append(inOrder(0, get), inOrder(1, resp, 60)...), 1},
		{"retransmitted and swapped segments", append(inOrder(0, get), seg{1, 0, resp[:60]}, seg{1, 100, resp[100:]}, seg{1, 0, resp[:80]}, seg{1, 60, resp[60:100]}), 1},
		{"bytes missing", append(inOrder(0, get), seg{1, 0, resp[:60]}, seg{1, 100, resp[100:140]}, seg{1, 140, resp[140:]}), 0},
		{"not asked for XML", append(inOrder(0, httpPost), inOrder(1, resp)...), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, _ := feed(NewHTTP(), "192.168.1.30:40000", "192.168.1.5:49153", tc.segs)
			got := eventsOf[*capture.UPnPDescriptionEvent](ev)
			if len(got) != tc.want {
				t.Fatalf("%d descriptions, want %d", len(got), tc.want)
			}
			if tc.want == 0 {
				return
			}
			u := got[0]
			if u.Manufacturer != "Belkin International Inc." || u.DeviceType != "urn:Belkin:device:controllee:1" || u.ModelName != "Socket" ||
				u.SerialNumber != "221517K0101769" || u.URL != "http://192.168.1.5:49153/setup.xml" {
				t.Errorf("description = %+v", u)
			}
		})
	}
}

// Header blocks seen before give what they gave then (with their own
// packets' metadata): the flows played twice through one dissector give
// what each gives to a dissector of its own with the cache off, their
// notes and what the flow learns included.
func TestHTTPRepeats(t *testing.T) {
	defer func(off bool) { repeat.Off = off }(repeat.Off)
	get := "GET /Setup.XML HTTP/1.1\r\nHost: Cam.Local:49153\r\nContent-Length: 3\r\n\r\nabc"
	resp := "HTTP/1.1 200 OK\r\n\r\n<root><device><deviceType>t</deviceType><manufacturer>m</manufacturer></device></root>"
	flows := [][]seg{
		inOrder(0, httpGet+httpPost+httpGet, 30),
		inOrder(0, httpRTSP),
		append(inOrder(0, get+httpDAV), inOrder(1, resp)...),
		inOrder(0, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"),
		inOrder(0, "GNUTELLA CONNECT/0.6\r\nUser-Agent: x\r\n\r\n"),
	}
	type outcome struct {
		Events      []capture.Event
		App, Server string
		Notes       map[string]int
	}
	play := func(d capture.Dissector, i int, segs []seg) outcome {
		ev, f := feed(d, fmt.Sprintf("192.168.1.5:%d", 40000+i), "52.1.2.3:80", segs)
		return outcome{ev, f.App, f.ServerName, f.Notes}
	}
	shared := NewHTTP()
	for round := range 2 {
		for i, segs := range flows {
			repeat.Off = false
			got := play(shared, i, segs)
			repeat.Off = true
			want := play(NewHTTP(), i, segs)
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Fatalf("round %d, flow %d:\n got  %s\n want %s", round, i, gj, wj)
			}
		}
	}
	if n := len(shared.(*HTTP).seen.m); n != 7 {
		t.Errorf("%d header blocks kept, want 7", n)
	}
}

func FuzzHTTP(f *testing.F) {
	for _, s := range []string{httpGet + httpPost, httpRTSP, httpDAV, "GNUTELLA CONNECT/0.6\r\nUser-Agent: x\r\n\r\n"} {
		f.Add([]byte(s), uint16(12), false, []byte(httpReply))
	}
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16, swap bool, reply []byte) {
		c := min(int(cut), len(stream))
		segs := []seg{{0, 0, string(stream[:c])}, {0, uint32(c), string(stream[c:])}}
		if swap {
			segs[0], segs[1] = segs[1], segs[0]
		}
		segs = append(segs, seg{1, 0, string(reply)}, seg{0, 0, string(stream)}, seg{0, uint32(len(stream) + 10), string(stream)})
		feed(NewHTTP(), "192.168.1.5:40000", "52.1.2.3:80", segs)
	})
}

// httpReference is what the HTTP dissector read of a header block when
// it read every header with splitHeaders: the request (ok false for a
// malformed request line), the body's length, and whether a device
// description was awaited.
func httpReference(head []byte) (r req, bodyLen int64, xml, ok bool) {
	start, hs := splitHeaders(head)
	parts := strings.Fields(start)
	if len(parts) == 2 && parts[0] == "GNUTELLA" && strings.HasPrefix(parts[1], "CONNECT/") {
		parts = []string{"CONNECT", "", parts[1]}
	}
	if len(parts) != 3 || !(strings.HasPrefix(parts[2], "HTTP/1.") || strings.HasPrefix(parts[2], "RTSP/") || strings.HasPrefix(parts[2], "CONNECT/")) {
		return req{}, 0, false, false
	}
	r = req{method: parts[0], path: parts[1], version: parts[2]}
	for _, h := range hs {
		switch strings.ToLower(h[0]) {
		case "host":
			if r.host == "" {
				r.host = h[1]
			}
		case "user-agent":
			if r.ua == "" {
				r.ua = h[1]
			}
		}
		if strings.EqualFold(h[0], "Content-Length") {
			if n, err := strconv.ParseInt(strings.TrimSpace(h[1]), 10, 64); err == nil && n > 0 {
				bodyLen = n
			}
		}
	}
	path := strings.ToLower(r.path)
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return r, bodyLen, r.method == "GET" && strings.HasSuffix(path, ".xml"), true
}

// FuzzHTTPRequest compares what parseRequest and watchDescription make of
// a header block with httpReference, and checks that the event does not
// change when the block is written over.
func FuzzHTTPRequest(f *testing.F) {
	for _, s := range append([]string{httpGet, httpPost, httpRTSP, httpDAV, "GNUTELLA CONNECT/0.6\r\nUser-Agent: x\r\n\r\n",
		"GET /a/Desc.XmL?x HTTP/1.1\r\nHost:\r\nhost: h\r\nContent-Length: 5\r\n \r\ncontent-length: x\r\n\r\n",
		"GET\u00a0/\u0085HTTP/1.0\r\n\r\n", "GET /İ.xml HTTP/1.1\r\n\r\n"}, headerSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		want, wantLen, wantXML, ok := httpReference(head)
		p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:80", head)
		e, bodyLen := parseRequest(p, head)
		if (e != nil) != ok {
			t.Fatalf("parseRequest(%q) = %+v, want an event: %v", head, e, ok)
		}
		if e == nil {
			return
		}
		var st httpState
		watchDescription(p, e, &st)
		for i := range head {
			head[i] = 'x'
		}
		got := req{e.Method, e.Host, e.Path, e.Version, e.UserAgent}
		if got != want || bodyLen != wantLen || (st.upnp != nil) != wantXML {
			t.Errorf("got %+v, body %d, description %v; want %+v, %d, %v", got, bodyLen, st.upnp != nil, want, wantLen, wantXML)
		}
	})
}

// TestIndexSpace compares indexSpace with bytes.IndexFunc on every rune
// (and bytes that are not UTF-8) between ASCII text.
func TestIndexSpace(t *testing.T) {
	var inputs [][]byte
	for r := rune(0); r <= 0x3100; r++ {
		inputs = append(inputs, []byte("ab"+string(r)+"c d"), []byte(string(r)))
		// At each place in and after a run of eight bytes passed whole.
		pad := "/abcdefghijklmnopq~!"
		inputs = append(inputs, []byte(pad[:r%17]+string(r)+pad), []byte(pad+pad[:r%19]+string(r)))
	}
	for c := range 256 {
		inputs = append(inputs, append([]byte("/0123456789abcdef"[:c%16]), byte(c), 'x', 'y', 'z', 'w', 'v', 'u', 't', 's'))
	}
	for c := 0x80; c < 0x100; c++ {
		inputs = append(inputs, []byte{'a', byte(c), ' ', 'b'}, []byte{byte(c), 0xc2, 0x85, 'x'})
	}
	inputs = append(inputs, nil, []byte("GET\u00a0/\u0085HTTP/1.0"), []byte("\u3000\u2028 x"), []byte{0xc2}, []byte{0xe2, 0x80})
	for _, b := range inputs {
		if got, want := indexSpace(b, true), bytes.IndexFunc(b, unicode.IsSpace); got != want {
			t.Errorf("indexSpace(%q, true) = %d, want %d", b, got, want)
		}
		notSpace := func(r rune) bool { return !unicode.IsSpace(r) }
		if got, want := indexSpace(b, false), bytes.IndexFunc(b, notSpace); got != want {
			t.Errorf("indexSpace(%q, false) = %d, want %d", b, got, want)
		}
	}
}

// BenchmarkHTTPRequest is two requests starting a flow, read by the
// dissector that has seen them before (repeated) and as if it had not
// (uncached: the repeat cache off).
func BenchmarkHTTPRequest(b *testing.B) {
	benchRepeated(b, NewHTTP, packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:80", []byte(httpGet+httpPost)))
}

// BenchmarkHTTPSplit is a request whose header block ends in the second
// segment, and a second request whole in that segment.
func BenchmarkHTTPSplit(b *testing.B) {
	stream := []byte(httpPost + httpPost)
	p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:80", nil)
	p.Flow.SawSYN, p.Flow.StreamStart = [2]bool{true, true}, isn
	h := NewHTTP()
	n := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		*p.State() = nil
		p.TCPSeq, p.Payload = isn[0], stream[:30]
		h.Dissect(p, func(capture.Event) { n++ })
		p.TCPSeq, p.Payload = isn[0]+30, stream[30:]
		h.Dissect(p, func(capture.Event) { n++ })
	}
	if n != 2*b.N {
		b.Fatalf("%d requests in %d loops", n, b.N)
	}
}

// BenchmarkHTTPDecline is the cost every TCP flow pays on its first
// payload packet.
func BenchmarkHTTPDecline(b *testing.B) {
	p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:443", []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"))
	h := NewHTTP()
	b.ReportAllocs()
	for b.Loop() {
		h.Dissect(p, func(capture.Event) {})
	}
}
