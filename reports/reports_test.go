package reports_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/internal/schemagen"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

var update = flag.Bool("update", false, "rewrite golden files and schemas")

// testKey keys the pseudonyms of redacted reports, so golden files are
// the same on every run.
var testKey = []byte("tattle golden key")

// scanCapture runs the full pipeline, with the example declarations, on
// one capture.
func scanCapture(t testing.TB, name string, data []byte) *result.Result {
	t.Helper()
	src, _ := capture.OpenReader(name, bytes.NewReader(data))
	res, err := audit.Scan(src, audit.Config{Version: "golden"})
	if err != nil {
		t.Fatal(err)
	}
	// A relative path, so golden files do not depend on where the
	// repository is checked out.
	decls, err := policy.Load(filepath.Join("..", "examples", "policies"))
	if err != nil {
		t.Fatal(err)
	}
	policy.Apply(res, decls)
	return res
}

func demoResult(t testing.TB) *result.Result {
	name, data := demo.Capture()
	return scanCapture(t, name, data)
}

// escapeANSI makes escape sequences visible so golden diffs read well.
func escapeANSI(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\x1b"), []byte(`\x1b`)) }

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = escapeANSI(got)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test ./reports -update and review the diff)", name, path)
	}
}

func render(t *testing.T, format string, opts reports.Options, r *result.Result) []byte {
	t.Helper()
	rep, err := reports.New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoldenDemo renders the demo capture and two generated multi-device
// homes in every format, redacted as a shared report would be, the
// terminal at 80 and 100 columns and in colour.
func TestGoldenDemo(t *testing.T) {
	caps := []struct {
		prefix string
		res    func() *result.Result
	}{
		{"demo", func() *result.Result { return demoResult(t) }},
		{"studio", func() *result.Result { return fileResult(t, "studio.pcapng") }},
		{"flat", func() *result.Result { return fileResult(t, "flat.pcapng") }},
	}
	for _, c := range caps {
		res := result.Redact(c.res(), testKey)
		for _, tc := range []struct {
			name, format string
			opts         reports.Options
		}{
			{"terminal", "terminal", reports.Options{Width: 100}},
			{"terminal-80", "terminal", reports.Options{Width: 80, All: true}},
			{"terminal-color", "terminal", reports.Options{Width: 100, Color: true}},
			{"json", "json", reports.Options{}},
			{"ndjson", "ndjson", reports.Options{}},
			{"sarif", "sarif", reports.Options{}},
			{"html", "html", reports.Options{}},
			{"markdown", "markdown", reports.Options{}},
		} {
			name := c.prefix + "-" + tc.name
			t.Run(name, func(t *testing.T) { golden(t, name, render(t, tc.format, tc.opts, res)) })
		}
	}
}

// fileResult scans a generated capture of testdata/.
func fileResult(t *testing.T, name string) *result.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return scanCapture(t, "testdata/"+name, data)
}

// TestTerminalFitsWidth: at 80 columns no line of the terminal report is
// wider than the terminal, on every generated capture.
func TestTerminalFitsWidth(t *testing.T) {
	for _, name := range []string{"home.pcapng", "studio.pcapng", "flat.pcapng", "personal.pcapng", "injection.pcapng"} {
		res := result.Redact(fileResult(t, name), testKey)
		out := render(t, "terminal", reports.Options{Width: 80, All: true}, res)
		for i, l := range strings.Split(string(out), "\n") {
			if w := lipgloss.Width(l); w > 80 {
				t.Errorf("%s line %d is %d columns: %q", name, i+1, w, l)
			}
		}
	}
}

// TestTerminalAllFindings: --all lists every finding; by default the
// list stops after a few with a count of the rest.
func TestTerminalAllFindings(t *testing.T) {
	res := result.Redact(fileResult(t, "personal.pcapng"), testKey)
	n := len(res.Devices[0].Findings)
	if n <= 8 {
		t.Fatalf("the personal-data capture has %d findings, want more than 8 for this test", n)
	}
	short := string(render(t, "terminal", reports.Options{Width: 100}, res))
	all := string(render(t, "terminal", reports.Options{Width: 100, All: true}, res))
	if !strings.Contains(short, fmt.Sprintf("and %d more", n-8)) {
		t.Errorf("default terminal report does not say how many findings it left out")
	}
	for _, f := range res.Devices[0].Findings {
		if !strings.Contains(all, f.Title) {
			t.Errorf("--all report lacks finding %q", f.Title)
		}
	}
	if !strings.Contains(all, "summary:") {
		t.Error("no closing summary line")
	}
}

func TestTerminalPlainHasNoEscapes(t *testing.T) {
	out := render(t, "terminal", reports.Options{Width: 80}, demoResult(t))
	if bytes.ContainsRune(out, 0x1b) {
		t.Error("plain terminal output holds escape sequences")
	}
	if !bytes.Contains(out, []byte("Samsung TV")) || !bytes.Contains(out, []byte("Tapad")) {
		t.Errorf("terminal report lacks the TV or its data broker:\n%s", out)
	}
}

// TestInjectionInert renders a capture whose SNI, User-Agent, DHCP host
// name, mDNS and SSDP strings hold markup and terminal escapes, and checks
// that no format lets them act.
func TestInjectionInert(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(t), "testdata", "injection.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	res := scanCapture(t, "injection.pcapng", b)
	raw, _ := json.Marshal(res)
	if !bytes.Contains(raw, []byte(`\u003cscript\u003e`)) && !bytes.Contains(raw, []byte("<script>")) {
		t.Fatal("the hostile strings did not reach the result: the test would prove nothing")
	}
	for _, show := range []bool{true, false} {
		r := res
		if !show {
			r = result.Redact(res, testKey)
		}
		for _, f := range reports.Formats {
			out := render(t, f, reports.Options{Width: 100, Color: true}, r)
			if f == "parquet" {
				// A binary file holds any byte; its strings must not.
				out = parquetStrings(t, out)
			}
			for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[31mRED", "\x07"} {
				if bytes.Contains(out, []byte(bad)) {
					t.Errorf("%s (personal data shown=%v): raw control sequence %q in output", f, show, bad)
				}
			}
			switch f {
			case "html":
				for _, bad := range []string{"<script", "<img"} {
					if bytes.Contains(bytes.ToLower(out), []byte(bad)) {
						t.Errorf("html: %q survived escaping", bad)
					}
				}
				if regexp.MustCompile(`<[^>]*onerror=`).Match(out) {
					t.Error("html: an onerror attribute reached a tag")
				}
			case "markdown":
				if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("](javascript")) || bytes.Contains(out, []byte("![x]")) {
					t.Errorf("markdown: live markup survived:\n%s", out)
				}
			case "json", "sarif":
				if !json.Valid(out) {
					t.Errorf("%s: invalid JSON", f)
				}
			case "ndjson":
				for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
					if !json.Valid(l) {
						t.Errorf("ndjson: invalid line %s", l)
					}
				}
			}
		}
	}
}

// TestResultSchema regenerates docs/schema/result.schema.json from the
// Go types, compares it with the committed file, and validates the demo
// result against it.
func TestResultSchema(t *testing.T) {
	path := filepath.Join(testutil.ModuleRoot(t), "docs", "schema", "result.schema.json")
	schema, err := schemagen.Generate(result.Result{}, "https://github.com/tattle-audit/tattle/docs/schema/result.schema.json",
		"tattle scan result ("+result.SchemaVersion+")", nil)
	if err != nil {
		t.Fatal(err)
	}
	schema = append(schema, '\n')
	if *update {
		os.WriteFile(path, schema, 0o644)
	}
	committed, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(committed, schema) {
		t.Fatalf("%s is stale or missing (go test ./reports -update): %v", path, err)
	}
	res := demoResult(t)
	doc := render(t, "json", reports.Options{}, res)
	if whole := encoderJSON(t, res); !bytes.Equal(doc, whole) {
		t.Fatalf("JSON report differs from json.Encoder's:\n%s\n---\n%s", doc, whole)
	}
	if err := schemagen.Validate(schema, doc); err != nil {
		t.Fatalf("demo result does not validate: %v", err)
	}
	bad := regexp.MustCompile(`"schema": "[^"]*"`).ReplaceAll(doc, []byte(`"schema": 7`))
	if schemagen.Validate(schema, bad) == nil {
		t.Fatal("schema accepted a document with a numeric schema field")
	}
}

// TestSARIFStructure validates the SARIF output against the SARIF 2.1.0
// requirements tattle relies on (testdata/sarif-2.1.0-subset.schema.json,
// written from the OASIS specification's required properties).
// TestJSONManyDevices checks the windowed, parallel device encoding
// against json.Encoder past one window of devices, with one device large
// enough that its buffer is not kept for the next window.
func TestJSONManyDevices(t *testing.T) {
	res := demoResult(t)
	base := res.Devices
	for i := 0; len(res.Devices) < 200; i++ {
		d := base[i%len(base)]
		d.ID = fmt.Sprintf("%s-copy%03d", d.ID, i)
		if i == 70 {
			d.Destinations = nil
			for len(d.Destinations) < 2000 {
				d.Destinations = append(d.Destinations, base[0].Destinations...)
			}
		}
		res.Devices = append(res.Devices, d)
	}
	doc := render(t, "json", reports.Options{}, res)
	if !bytes.Equal(doc, encoderJSON(t, res)) {
		t.Fatalf("JSON report of %d devices differs from json.Encoder's", len(res.Devices))
	}
}

// encoderJSON is what the JSON report must write, which writes device by
// device with its own encoder: json.Encoder's bytes for the whole
// result, its overview filled in (res.Overview is set).
func encoderJSON(t *testing.T, res *result.Result) []byte {
	t.Helper()
	res.Overview = result.BuildOverview(res)
	var whole bytes.Buffer
	enc := json.NewEncoder(&whole)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	return whole.Bytes()
}

func TestSARIFStructure(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("testdata", "sarif-2.1.0-subset.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, "sarif", reports.Options{}, demoResult(t))
	if err := schemagen.Validate(schema, out); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	json.Unmarshal(out, &log)
	rules := map[string]bool{}
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		rules[r.ID] = true
	}
	for _, r := range log.Runs[0].Results {
		if !rules[r.RuleID] {
			t.Errorf("result for undeclared rule %s", r.RuleID)
		}
	}
	if len(log.Runs[0].Results) < 10 || !strings.Contains(string(out), "disclosure-incorrect") {
		t.Errorf("SARIF holds %d results, expected the demo's findings", len(log.Runs[0].Results))
	}
}

func TestExceedsThreshold(t *testing.T) {
	r := demoResult(t)
	if !reports.ExceedsThreshold(r, "critical") {
		t.Error("the demo has a critical finding (a contradicted declaration)")
	}
	if reports.ExceedsThreshold(&result.Result{Devices: []result.Device{{Findings: []result.Finding{{Severity: "low"}}}}}, "medium") {
		t.Error("a low finding exceeded medium")
	}
}

// TestSARIFOfficialSchema validates the SARIF output against the OASIS
// SARIF 2.1.0 JSON Schema, from Microsoft's MIT-licensed @microsoft/jest-sarif
// npm package, which .ci/run fetches from the npm registry and names in
// $TATTLE_SARIF_SCHEMA.
func TestSARIFOfficialSchema(t *testing.T) {
	path := os.Getenv("TATTLE_SARIF_SCHEMA")
	if path == "" {
		t.Skip("TATTLE_SARIF_SCHEMA not set (.ci/run fetches the SARIF 2.1.0 schema): official-schema validation skipped")
	}
	schema, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*result.Result{demoResult(t), result.Redact(demoResult(t), testKey)} {
		out := render(t, "sarif", reports.Options{}, r)
		if err := schemagen.Validate(schema, out); err != nil {
			t.Fatalf("SARIF does not validate against the SARIF 2.1.0 schema: %v", err)
		}
	}
	if schemagen.Validate(schema, []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`)) == nil {
		t.Fatal("the official schema accepted a run whose driver has no name: the check proves nothing")
	}
}

// TestPayloadStrippedIsPartial: a capture cut to headers (96-byte
// snaplen) gets a warning that payload checks saw little, and every grade
// says it rests on partial evidence; the whole capture gets neither.
func TestPayloadStrippedIsPartial(t *testing.T) {
	cut := fileResult(t, "headers.pcapng")
	warned := false
	for _, w := range cut.Warnings {
		warned = warned || strings.Contains(w.Message, "partial evidence")
	}
	if !warned {
		t.Errorf("no warning on a capture cut to headers: %+v (stats %+v)", cut.Warnings, cut.Stats)
	}
	for _, d := range cut.Devices {
		if d.Score == nil || !d.Score.Partial {
			t.Errorf("%s: score not marked partial", d.ID)
		}
	}
	if out := string(render(t, "terminal", reports.Options{Width: 100}, cut)); !strings.Contains(out, "(partial evidence)") {
		t.Error("terminal report does not say the grades rest on partial evidence")
	}
	whole := fileResult(t, "home.pcapng")
	for _, d := range whole.Devices {
		if d.Score != nil && d.Score.Partial {
			t.Errorf("%s: whole capture marked partial", d.ID)
		}
	}
	for _, w := range whole.Warnings {
		if strings.Contains(w.Message, "partial evidence") {
			t.Errorf("whole capture warned: %s", w.Message)
		}
	}
}

// TestControlsVisibleInEveryFormat puts bidirectional overrides and
// isolates, a C1 control and a carriage return in the strings each human
// format shows (device label, evidence, finding, destination table, the
// HTML chart) and checks that none reaches the output raw.
func TestControlsVisibleInEveryFormat(t *testing.T) {
	const hostile = "evil\u202egpj.exe\u2066x\u2069\u009b31m\rover\u200f"
	r := &result.Result{Schema: result.SchemaVersion, Devices: []result.Device{{
		ID: "50:c7:bf:0a:bc:de", OUIVendor: hostile,
		Identity:     result.Identity{Name: hostile, Vendor: result.Field{Value: hostile, Confidence: 1, Evidence: []result.Evidence{{Detail: hostile}}}},
		Destinations: []result.Destination{{Name: hostile + ".example.com", IP: "52.1.2.3", Port: 443, Transport: "tcp", Organization: hostile, Party: "third", BytesOut: 10}},
		Findings:     []result.Finding{{ID: "x:1", Kind: "x", Severity: "high", Title: hostile, Message: hostile, Destination: hostile, Excerpt: hostile}},
	}}}
	for _, f := range []string{"terminal", "html", "markdown", "sarif"} {
		out := string(render(t, f, reports.Options{Width: 100}, r))
		for _, bad := range []rune{0x202e, 0x2066, 0x2069, 0x009b, '\r', 0x200f} {
			if strings.ContainsRune(out, bad) {
				t.Errorf("%s: raw U+%04X in the output", f, bad)
			}
		}
		if f != "sarif" && !strings.Contains(out, `\u202e`) {
			t.Errorf("%s: the override is not shown as \\u202e", f)
		}
	}
}

// TestRedactedReportsLeakNothing renders a redacted result whose devices
// hold a SLAAC address (the MAC in its interface identifier), a phone's
// host name inside its User-Agent and inside a neighbour's SSDP SERVER
// header, in every format, and looks for each personal value in each.
func TestRedactedReportsLeakNothing(t *testing.T) {
	r := &result.Result{Schema: result.SchemaVersion, Devices: []result.Device{
		{ID: "c0:a0:bb:73:eb:47", MAC: "c0:a0:bb:73:eb:47", OUIVendor: "Example",
			IPs: []result.AddrSeen{{IP: "2001:db8:1:2:c2a0:bbff:fe73:eb47"}, {IP: "192.168.1.30"}},
			Observations: result.Observations{
				DHCP:       []result.DHCPObs{{Hostname: "Alice-Smiths-iPhone", ClientID: "01c0a0bb73eb47"}},
				UserAgents: []result.Seen{{Value: "AliceApp/1.0 (Alice-Smiths-iPhone)"}},
			},
			Identity: result.Identity{Name: "phone", Type: result.Field{Value: "phone", Confidence: 1,
				Evidence: []result.Evidence{{Detail: `user-agent "AliceApp/1.0 (Alice-Smiths-iPhone)"`}}}},
			Destinations: []result.Destination{{Name: "api.example.com", IP: "52.1.2.3", Port: 443, Transport: "tcp", Organization: "Example", Party: "first", BytesOut: 10}},
			Findings: []result.Finding{{ID: "cleartext-personal-data:0123456789ab", Kind: "cleartext-personal-data", Severity: "high",
				Title: "Host name in cleartext", Message: "The device sends Alice-Smiths-iPhone from 2001:db8:1:2:c2a0:bbff:fe73:eb47", Destination: "api.example.com",
				Excerpt: "n=Alice-Smiths-iPhone", Personal: true, Evidence: []result.Evidence{{Detail: "host name Alice-Smiths-iPhone", File: "x.pcap", Packet: 3}}}}},
		{ID: "50:c7:bf:0a:bc:de", MAC: "50:c7:bf:0a:bc:de", Identity: result.Identity{Name: "plug", Type: result.Field{Value: "plug", Confidence: 1,
			Evidence: []result.Evidence{{Detail: `ssdp server "Linux UPnP/1.0 Alice-Smiths-iPhone"`}}}},
			Observations: result.Observations{SSDP: []result.SSDPObs{{Server: "Linux UPnP/1.0 Alice-Smiths-iPhone"}}},
			Destinations: []result.Destination{{Name: "Alice-Smiths-iPhone.local", IP: "192.168.1.30", Port: 62078, Transport: "tcp", Local: true, Party: "local"}}},
	}}
	red := result.Redact(r, testKey)
	for _, f := range reports.Formats {
		out := strings.ToLower(string(render(t, f, reports.Options{Width: 100}, red)))
		for _, leak := range []string{"alice-smiths-iphone", "bbff:fe73", "2001:db8", "73:eb:47", "c0a0bb73eb47", "192.168.1.30", "0a:bc:de", "0123456789ab"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s: redacted report holds %q", f, leak)
			}
		}
	}
}

// TestTerminalLongInputPath: an input named by a long path keeps its end
// (the file's own name) and fits the width.
func TestTerminalLongInputPath(t *testing.T) {
	res := result.Redact(fileResult(t, "home.pcapng"), testKey)
	res.Inputs[0].Name = strings.Repeat("very-long-directory/", 10) + "Setup-A-1-STA.pcap"
	res.Inputs[0].Error = "capture: truncated input"
	out := string(render(t, "terminal", reports.Options{Width: 80}, res))
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[1], "…") || !strings.Contains(lines[1], "/Setup-A-1-STA.pcap: ") || lipgloss.Width(lines[1]) > 80 {
		t.Errorf("input line %q", lines[1])
	}
	if !strings.Contains(out, "damaged: capture: truncated input") {
		t.Error("the damage is not said")
	}
}

// TestSkippedInputsSaySo: a file skipped beside the captures of a
// directory is shown as skipped, not as an empty capture, and is not
// counted as a capture in the summary.
func TestSkippedInputsSaySo(t *testing.T) {
	res := result.Redact(fileResult(t, "home.pcapng"), testKey)
	res.Inputs = append(res.Inputs, result.Input{Name: "dir/notes.txt"})
	for _, f := range []string{"terminal", "markdown", "html"} {
		out := string(render(t, f, reports.Options{Width: 100}, res))
		if !strings.Contains(out, "not a capture, skipped") {
			t.Errorf("%s: the skipped file is not said to be skipped", f)
		}
		if !strings.Contains(out, "in 1 capture of") {
			t.Errorf("%s: the summary counts the skipped file as a capture", f)
		}
	}
}

// TestWiresharkFilterPerFile: packet numbers are per file, so evidence
// from two files gets a filter for each.
func TestWiresharkFilterPerFile(t *testing.T) {
	res := result.Redact(fileResult(t, "home.pcapng"), testKey)
	d := &res.Devices[0]
	d.Findings = []result.Finding{{ID: "x", Kind: result.KindThirdParty, Severity: result.SeverityLow, Title: "t",
		Evidence: []result.Evidence{{File: "a.pcap", Packet: 3}, {File: "b.pcap", Packet: 4}, {File: "b.pcap", Packet: 5}}}}
	out := string(render(t, "html", reports.Options{}, res))
	if !strings.Contains(out, "a.pcap: frame.number == 3; b.pcap: frame.number in {4 5}") {
		t.Error("no per-file Wireshark filter for evidence from two files")
	}
}
