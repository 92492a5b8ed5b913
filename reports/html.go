package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tattle-audit/tattle/result"
)

// HTML is one self-contained page for journalists: a summary, a table of
// contents and an overview table, then per device its identity, score
// breakdown, whom it talks to, a timeline of its traffic per destination,
// findings with a Wireshark display filter for their packets, and its
// destinations. No scripts and no network requests (a
// Content-Security-Policy forbids them): inline CSS and SVG; findings are
// filtered by severity with CSS alone, and the page prints cleanly.
// html/template escapes every capture string; controls and bidi
// overrides are made visible.
type HTML struct{}

type htmlBar struct {
	Org, Party, Category, Names, Bytes string
	Y, W                               int
	Color                              string
}

// htmlSpan is one destination's line in a device's timeline.
type htmlSpan struct {
	Label, Party, Title string
	Y, X, W             int
	Color               string
}

type htmlDeduction struct {
	Points   int
	Reason   string
	Findings []string
}

type htmlDevice struct {
	D          *result.Device
	Anchor     string
	Label      string
	Row        result.OverviewRow
	Findings   []htmlFinding
	Deductions []htmlDeduction
	Bars       []htmlBar
	Height     int
	Spans      []htmlSpan
	SpanHeight int
	SpanStart  string
	SpanEnd    string
	SpansMore  int
}

type htmlFinding struct {
	result.Finding
	Ref    string
	Filter string // Wireshark display filter for the evidence packets
}

var partyColor = map[string]string{result.PartyThird: "#dc2626", result.PartyUnclassified: "#9333ea", result.PartyFirst: "#059669", result.PartySupport: "#6b7280", result.PartyLocal: "#0891b2"}

// maxSpans bounds the destinations drawn in a device's timeline.
const maxSpans = 30

func (HTML) Render(w io.Writer, r *result.Result) error {
	ov := result.BuildOverview(r)
	rows := map[string]result.OverviewRow{}
	for _, row := range ov.Devices {
		rows[row.Device] = row
	}
	start, end := timeRange(r)
	var devs []htmlDevice
	for _, d := range inOverviewOrder(r, ov) {
		hd := htmlDevice{D: d, Anchor: mdAnchor(d.ID), Label: deviceLabel(d), Row: rows[d.ID]}
		for _, f := range sortedFindings(d.Findings) {
			hd.Findings = append(hd.Findings, htmlFinding{Finding: f, Ref: evidenceRef(f.Evidence), Filter: wiresharkFilter(f.Evidence)})
		}
		if d.Score != nil {
			titles := findingTitles(d)
			for _, x := range d.Score.Deductions {
				hd.Deductions = append(hd.Deductions, htmlDeduction{Points: x.Points, Reason: x.Reason, Findings: titlesOf(x.Finding, titles)})
			}
		}
		orgs := organisations(d)
		var maxB uint64 = 1
		for _, o := range orgs {
			if o.Bytes > maxB {
				maxB = o.Bytes
			}
		}
		for j, o := range orgs {
			// Bar length on a square-root scale, so small flows stay
			// visible beside large ones.
			wpx := int(math.Round(360 * math.Sqrt(float64(o.Bytes)/float64(maxB))))
			hd.Bars = append(hd.Bars, htmlBar{Org: o.Org, Party: o.Party, Category: o.Category, Names: strings.Join(o.Names, ", "), Bytes: humanBytes(o.Bytes),
				Y: 8 + j*26, W: max(wpx, 2), Color: partyColor[o.Party]})
		}
		hd.Height = 16 + len(orgs)*26
		hd.Spans, hd.SpansMore = timeline(d, start, end)
		hd.SpanHeight = 30 + len(hd.Spans)*20
		if !start.IsZero() {
			hd.SpanStart, hd.SpanEnd = start.UTC().Format("2006-01-02 15:04:05"), end.UTC().Format("15:04:05 MST")
		}
		devs = append(devs, hd)
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, map[string]any{"R": r, "O": ov, "Devices": devs, "Baseline": baselineLine(r)}); err != nil {
		return err
	}
	// The template writes no control character but newlines and tabs;
	// every other one came from a capture string, in a table, the chart or
	// an attribute, and is shown as the other formats show it.
	_, err := io.WriteString(w, visible(buf.String(), "\n\t"))
	return err
}

// timeRange is the span of the capture: the inputs' first and last
// packets, or the devices' when inputs carry no times.
func timeRange(r *result.Result) (start, end time.Time) {
	widen := func(a, b time.Time) {
		if !a.IsZero() && (start.IsZero() || a.Before(start)) {
			start = a
		}
		if !b.IsZero() && b.After(end) {
			end = b
		}
	}
	for _, in := range r.Inputs {
		widen(in.First, in.Last)
	}
	if start.IsZero() {
		for i := range r.Devices {
			widen(r.Devices[i].First, r.Devices[i].Last)
		}
	}
	return start, end
}

// timeline draws, per destination outside the home (the largest first,
// at most maxSpans), a bar from its first to its last packet on the
// capture's time axis.
func timeline(d *result.Device, start, end time.Time) ([]htmlSpan, int) {
	if start.IsZero() || !end.After(start) {
		return nil, 0
	}
	var dsts []*result.Destination
	for i := range d.Destinations {
		if !d.Destinations[i].Local && !d.Destinations[i].First.IsZero() {
			dsts = append(dsts, &d.Destinations[i])
		}
	}
	sort.SliceStable(dsts, func(i, j int) bool {
		return dsts[i].BytesOut+dsts[i].BytesIn > dsts[j].BytesOut+dsts[j].BytesIn
	})
	more := 0
	if len(dsts) > maxSpans {
		more = len(dsts) - maxSpans
		dsts = dsts[:maxSpans]
	}
	sort.SliceStable(dsts, func(i, j int) bool { return dsts[i].First.Before(dsts[j].First) })
	const x0, width = 300, 640
	total := float64(end.Sub(start))
	out := make([]htmlSpan, 0, len(dsts))
	for i, dst := range dsts {
		a := float64(dst.First.Sub(start)) / total
		b := float64(dst.Last.Sub(start)) / total
		x := x0 + int(math.Round(a*width))
		wpx := max(int(math.Round((b-a)*width)), 3)
		label := destLabel(dst)
		out = append(out, htmlSpan{Label: truncate(label, 40), Party: dst.Party, Y: 8 + i*20, X: min(x, x0+width-3), W: wpx, Color: partyColor[dst.Party],
			Title: fmt.Sprintf("%s (%s:%d/%s, %s): %s to %s, %s", label, dst.IP, dst.Port, dst.Transport, dst.Party,
				dst.First.UTC().Format("15:04:05"), dst.Last.UTC().Format("15:04:05"), humanBytes(dst.BytesOut+dst.BytesIn))})
	}
	return out, more
}

// wiresharkFilter is a display filter selecting the evidence packets, for
// a reader to paste into Wireshark: frame.number == N, or a set. Packet
// numbers belong to their file: evidence from several files gets one
// filter per file, each after its file's name.
func wiresharkFilter(ev []result.Evidence) string {
	var files []string
	nums := map[string][]string{}
	seen := map[string]bool{}
	for _, e := range ev {
		k := fmt.Sprintf("%s\x00%d", e.File, e.Packet)
		if e.Packet == 0 || seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := nums[e.File]; !ok {
			files = append(files, e.File)
		}
		nums[e.File] = append(nums[e.File], fmt.Sprint(e.Packet))
	}
	filter := func(n []string) string {
		if len(n) == 1 {
			return "frame.number == " + n[0]
		}
		return "frame.number in {" + strings.Join(n, " ") + "}"
	}
	switch len(files) {
	case 0:
		return ""
	case 1:
		return filter(nums[files[0]])
	}
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = f + ": " + filter(nums[f])
	}
	return strings.Join(parts, "; ")
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"ref":       evidenceRef,
	"join":      func(l []string) string { return strings.Join(l, ", ") },
	"ovGroup":   ovGroup,
	"classLine": func(id result.Identity) string { return classLine(&id) },
	"inputDesc": inputDesc,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tattle report</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1040px;padding:0 1rem;color:#111827;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin:2.2rem 0 .3rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
.dim{color:#6b7280}.grade{display:inline-block;font-weight:700;border-radius:6px;padding:0 .5rem;margin-left:.5rem;color:#fff;white-space:nowrap}
.gA,.gB{background:#059669}.gC{background:#d97706}.gD,.gE,.gF{background:#dc2626}
table{border-collapse:collapse;width:100%;margin:.6rem 0}td,th{text-align:left;border-bottom:1px solid #e5e7eb;padding:.25rem .4rem;vertical-align:top;font-size:.92rem}
.num{text-align:right;white-space:nowrap}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}.critical,.high{color:#b91c1c}.medium{color:#b45309}.low{color:#1d4ed8}.info{color:#6b7280}
code{font-size:.85rem;background:#f3f4f6;padding:0 .2rem;border-radius:3px;overflow-wrap:anywhere}
code.addr{white-space:nowrap;overflow-wrap:normal}
code.wsf{user-select:all;cursor:copy;white-space:nowrap}
.summary{font-size:1.02rem;background:#f9fafb;border-left:4px solid #1d4ed8;padding:.6rem .9rem}
.legend span{margin-right:1rem}.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}
nav.toc ol{columns:2;margin:.3rem 0}
.filters{margin:1rem 0 .2rem}.filters label{margin-right:.8rem;cursor:pointer}
input.flt{position:absolute;opacity:0;pointer-events:none}
#sev-all:checked~nav .filters label[for=sev-all],#sev-low:checked~nav .filters label[for=sev-low],#sev-medium:checked~nav .filters label[for=sev-medium],#sev-high:checked~nav .filters label[for=sev-high]{font-weight:700;text-decoration:underline}
#sev-low:checked~main tr.f-info,#sev-medium:checked~main tr.f-info,#sev-medium:checked~main tr.f-low,#sev-high:checked~main tr.f-info,#sev-high:checked~main tr.f-low,#sev-high:checked~main tr.f-medium{display:none}
svg text{font-family:system-ui,sans-serif}
@media print{body{margin:0;max-width:none;font-size:11pt}.filters,input.flt{display:none}section{break-inside:avoid-page}h2{break-after:avoid}details>*{display:block}code{background:none}a{color:inherit;text-decoration:none}}
</style>
</head>
<body>
<input type="radio" name="sev" id="sev-all" class="flt" checked>
<input type="radio" name="sev" id="sev-low" class="flt">
<input type="radio" name="sev" id="sev-medium" class="flt">
<input type="radio" name="sev" id="sev-high" class="flt">
<header>
<h1>tattle report</h1>
<p class="dim">{{.R.Stats.Packets}} packets, {{.R.Stats.Flows}} flows, {{len .R.Devices}} devices{{if .R.Redacted}}; personal data redacted{{end}}.</p>
<p class="summary">{{.O.Summary}}</p>
{{with .Baseline}}<p class="medium"><strong>{{.}}</strong></p>{{end}}
{{if gt (len .R.Inputs) 3}}<details><summary class="dim">{{len .R.Inputs}} inputs</summary>{{template "inputs" .R.Inputs}}</details>{{else}}{{template "inputs" .R.Inputs}}{{end}}
{{if gt (len .R.Warnings) 3}}<details><summary class="medium">{{len .R.Warnings}} warnings</summary>{{template "warnings" .R.Warnings}}</details>{{else}}{{template "warnings" .R.Warnings}}{{end}}
</header>
<nav class="toc" aria-label="contents">
<strong>Contents</strong>
<ol><li><a href="#overview">Overview</a></li>{{range .Devices}}<li><a href="#{{.Anchor}}">{{.Label}}</a>{{with .D.Score}} <span class="dim">{{.Grade}} {{.Value}}</span>{{end}}</li>{{end}}</ol>
<p class="filters">Show findings: <label for="sev-all">all</label><label for="sev-low">low and above</label><label for="sev-medium">medium and above</label><label for="sev-high">high and above</label></p>
</nav>
<main>
<section id="overview">
<h2>Overview</h2>
<p class="legend dim"><span><i class="sw" style="background:#dc2626"></i>third party</span><span><i class="sw" style="background:#9333ea"></i>unclassified</span><span><i class="sw" style="background:#059669"></i>first party (the vendor)</span><span><i class="sw" style="background:#6b7280"></i>support (cloud, CDN, DNS, time)</span></p>
{{template "overview" (ovGroup .O "iot")}}{{with ovGroup .O "unknown"}}{{if .Rows}}<h3>Unidentified devices ({{len .Rows}})</h3><p class="dim">No type, and nothing shows they are IoT devices: not counted as IoT, checked all the same.</p>{{template "overview" .}}{{end}}{{end}}
{{with ovGroup .O "other"}}{{if .Rows}}<details><summary>Infrastructure, computers and phones ({{len .Rows}})</summary>{{template "overview" .}}</details>{{end}}{{end}}
</section>
{{range .Devices}}
<section id="{{.Anchor}}">
<h2>{{.Label}}{{with .D.Score}}<span class="grade g{{.Grade}}">{{.Grade}} {{.Value}}/100</span>{{if .Partial}} <span class="medium" style="font-size:.8rem">partial evidence: the capture held little payload</span>{{end}}{{end}}</h2>
<p class="dim"><code class="addr">{{.D.ID}}</code>{{range .D.IPs}} <code class="addr">{{.IP}}</code>{{end}}{{if .D.OUIVendor}} · OUI {{.D.OUIVendor}}{{end}}</p>
<table>
{{with .D.Identity.Vendor}}{{if .Value}}<tr><th>vendor</th><td>{{.Value}} <span class="dim">({{pct .Confidence}})</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}
{{with .D.Identity.Type}}{{if .Value}}<tr><th>type</th><td>{{.Value}} <span class="dim">({{pct .Confidence}})</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}
{{with .D.Identity.Model}}{{if .Value}}<tr><th>model</th><td>{{.Value}} <span class="dim">({{pct .Confidence}})</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}{{with .D.Identity.Module}}{{if .Value}}<tr><th>module</th><td>{{.Value}} <span class="dim">(Wi-Fi module or chip maker, not the brand)</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}{{if .D.Identity.Infrastructure}}<tr><th>role</th><td>network infrastructure</td><td class="dim">not an IoT device</td></tr>{{end}}{{with classLine .D.Identity}}<tr><th>class</th><td colspan="2" class="dim">{{.}}</td></tr>{{end}}{{with .D.Identity.Apps}}<tr><th>runs</th><td>{{range $i, $a := .}}{{if $i}}, {{end}}{{$a.Value}}{{end}}</td><td class="dim">apps: it contacts these vendors' clouds</td></tr>{{end}}
{{range .D.Identity.Conflicts}}<tr><th>conflict</th><td colspan="2" class="medium">{{.Field}}: {{range .Values}}{{.}}; {{end}}</td></tr>{{end}}
{{with .D.Policy}}<tr><th>declaration</th><td colspan="2"><code>{{.File}}</code>{{if .Vendor}} — {{.Vendor}}{{end}}{{if .Date}}, {{.Date}}{{end}}</td></tr>{{else}}<tr><th>declaration</th><td colspan="2" class="dim">none: checked against no privacy declaration</td></tr>{{end}}
</table>
{{if .Deductions}}
<h3>Score: {{.D.Score.Value}}/100 ({{.D.Score.Grade}})</h3>
<table><tr><th class="num">points</th><th>reason</th><th>findings behind it</th></tr>
{{range .Deductions}}<tr><td class="num">−{{.Points}}</td><td>{{.Reason}}</td><td>{{range .Findings}}{{.}}<br>{{end}}</td></tr>
{{end}}</table>
{{end}}
{{if .Bars}}
<h3>Who it talks to</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="960" height="{{.Height}}" viewBox="0 0 960 {{.Height}}" role="img" aria-label="organisations this device talks to, by bytes">
{{range .Bars}}<g><title>{{.Org}} ({{.Party}}, {{.Category}}): {{.Bytes}} — {{.Names}}</title>
<text x="0" y="{{.Y}}" dy="14" font-size="13" fill="#111827">{{.Org}}</text>
<rect x="260" y="{{.Y}}" width="{{.W}}" height="18" rx="3" fill="{{.Color}}"></rect>
<text x="{{.W}}" dx="268" y="{{.Y}}" dy="14" font-size="12" fill="#6b7280">{{.Bytes}} · {{.Party}}{{if .Category}} · {{.Category}}{{end}}</text></g>
{{end}}</svg>
{{end}}
{{if .Spans}}
<h3>Timeline</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="960" height="{{.SpanHeight}}" viewBox="0 0 960 {{.SpanHeight}}" role="img" aria-label="when this device talked to each destination">
<line x1="300" y1="2" x2="300" y2="{{.SpanHeight}}" stroke="#e5e7eb"></line><line x1="940" y1="2" x2="940" y2="{{.SpanHeight}}" stroke="#e5e7eb"></line>
{{range .Spans}}<g><title>{{.Title}}</title>
<text x="0" y="{{.Y}}" dy="12" font-size="12" fill="#111827">{{.Label}}</text>
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="14" rx="2" fill="{{.Color}}"></rect></g>
{{end}}<text x="300" y="{{.SpanHeight}}" dy="-4" font-size="11" fill="#6b7280">{{.SpanStart}}</text><text x="940" y="{{.SpanHeight}}" dy="-4" font-size="11" fill="#6b7280" text-anchor="end">{{.SpanEnd}}</text>
</svg>
{{if .SpansMore}}<p class="dim">… and {{.SpansMore}} smaller destinations (see the table below).</p>{{end}}
{{end}}
{{if .Findings}}
<h3>Findings</h3>
<table><tr><th>severity</th><th>finding</th><th>evidence</th></tr>
{{range .Findings}}<tr class="f-{{.Severity}}"><td class="sev {{.Severity}}">{{.Severity}}</td><td><strong>{{.Title}}</strong><br>{{.Message}}{{if .Disclosure}}<br><span class="dim">disclosure: {{.Disclosure}}{{if .PolicyRef}} — declaration {{.PolicyRef}}{{end}}{{if .PolicyQuote}}: “{{.PolicyQuote}}”{{end}}</span>{{end}}{{if .Excerpt}}<br><code>{{.Excerpt}}</code>{{end}}</td><td class="dim">{{.Ref}}{{if .Filter}}<br><code class="wsf" title="Wireshark display filter: click to select, then copy">{{.Filter}}</code>{{end}}</td></tr>
{{end}}</table>
{{end}}
<details><summary>Destinations ({{len .D.Destinations}})</summary>
<table><tr><th>name</th><th>address</th><th>party</th><th>organisation</th><th class="num">bytes out / in</th><th>first packet</th></tr>
{{range .D.Destinations}}<tr><td>{{if .Name}}{{.Name}}{{else}}<span class="dim">(by IP only)</span>{{end}}</td><td><code class="addr">{{.IP}}:{{.Port}}/{{.Transport}}</code></td><td>{{.Party}}</td><td>{{.Organization}}{{if .Category}} <span class="dim">({{.Category}})</span>{{end}}{{if .Hosting}} <span class="dim">hosted on {{.Hosting}}</span>{{end}}</td><td class="num">{{.BytesOut}} / {{.BytesIn}}</td><td class="dim">{{.File}} #{{.Packet}}</td></tr>
{{end}}</table></details>
</section>
{{end}}
</main>
<footer><p class="dim">Made by tattle {{.R.Tool.Version}}. tattle makes no network connections; names come from the devices' own DNS queries, TLS SNI and HTTP Host headers. Packet numbers are those Wireshark shows for the input file.</p></footer>
</body>
</html>
{{define "inputs"}}<p class="dim">{{range $i, $in := .}}{{if $i}}<br>{{end}}input <code>{{$in.Name}}</code>: {{inputDesc $in}}{{if $in.Error}} — damaged: {{$in.Error}}{{end}}{{end}}</p>{{end}}
{{define "warnings"}}{{range .}}<p class="medium">warning: {{if .File}}{{.File}}: {{end}}{{.Message}}</p>{{end}}{{end}}
{{define "overview"}}{{if .Rows}}<table><tr><th>device</th><th>vendor / type / model</th><th>score</th><th>third parties</th><th>undisclosed recipients</th><th>personal data in cleartext</th><th class="num">findings C/H/M/L</th></tr>
{{range .Rows}}<tr><td><a href="#{{.Anchor}}">{{.Row.Name}}</a></td><td>{{.Claims}}</td><td>{{if .Row.Score}}<span class="grade g{{.Row.Grade}}">{{.Row.Grade}} {{.Row.Score}}</span>{{if .Row.Partial}}<span class="medium" title="partial evidence">*</span>{{end}}{{else}}–{{end}}</td><td>{{join .Row.ThirdParties}}</td><td>{{join .Row.Undisclosed}}</td><td>{{join .Row.PersonalData}}</td><td class="num">{{with .Row.Findings}}{{.Critical}}/{{.High}}/{{.Medium}}/{{.Low}}{{end}}</td></tr>
{{end}}</table>{{else}}<p class="dim">No devices in this group.</p>{{end}}{{end}}
`))

type htmlOverviewRow struct {
	Row    result.OverviewRow
	Anchor string
	Claims string
}

type htmlOverviewGroup struct{ Rows []htmlOverviewRow }

// ovGroup picks one group's rows of the overview for the template.
func ovGroup(o *result.Overview, group string) htmlOverviewGroup {
	var g htmlOverviewGroup
	for _, row := range o.Devices {
		if row.Group == group {
			g.Rows = append(g.Rows, htmlOverviewRow{Row: row, Anchor: mdAnchor(row.Device), Claims: claims(row)})
		}
	}
	return g
}
