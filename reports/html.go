package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"

	"github.com/tattle-audit/tattle/result"
)

// HTML is one self-contained page for journalists: no scripts, no
// network requests (a Content-Security-Policy forbids them), inline CSS
// and SVG. html/template escapes every capture string.
type HTML struct{}

type htmlBar struct {
	Org, Party, Category, Names, Bytes string
	Y, W                               int
	Color                              string
}

type htmlDevice struct {
	D        *result.Device
	Label    string
	Findings []result.Finding
	Bars     []htmlBar
	Height   int
}

var partyColor = map[string]string{"third": "#dc2626", "unclassified": "#9333ea", "first": "#059669", "support": "#6b7280"}

func (HTML) Render(w io.Writer, r *result.Result) error {
	var devs []htmlDevice
	for i := range r.Devices {
		d := &r.Devices[i]
		hd := htmlDevice{D: d, Label: deviceLabel(d), Findings: sortedFindings(d.Findings)}
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
			hd.Bars = append(hd.Bars, htmlBar{Org: o.Org, Party: o.Party, Category: o.Category, Names: joinNames(o.Names), Bytes: humanBytes(o.Bytes),
				Y: 8 + j*26, W: max(wpx, 2), Color: partyColor[o.Party]})
		}
		hd.Height = 16 + len(orgs)*26
		devs = append(devs, hd)
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, map[string]any{"R": r, "Devices": devs}); err != nil {
		return err
	}
	_, err := w.Write(visibleControls(buf.Bytes()))
	return err
}

// visibleControls replaces control characters, which the template never
// writes itself and html/template leaves alone, with visible escapes.
func visibleControls(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f {
			out = append(out, fmt.Sprintf("\\u%04x", c)...)
			continue
		}
		out = append(out, c)
	}
	return out
}

func joinNames(n []string) string {
	s := ""
	for i, x := range n {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"ref": evidenceRef,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tattle report</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#111827;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin:2.2rem 0 .3rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
.dim{color:#6b7280}.grade{display:inline-block;font-weight:700;border-radius:6px;padding:0 .5rem;margin-left:.5rem;color:#fff}
.gA,.gB{background:#059669}.gC{background:#d97706}.gD,.gE,.gF{background:#dc2626}
table{border-collapse:collapse;width:100%;margin:.6rem 0}td,th{text-align:left;border-bottom:1px solid #e5e7eb;padding:.25rem .4rem;vertical-align:top;font-size:.92rem}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem}.critical,.high{color:#b91c1c}.medium{color:#b45309}.low{color:#1d4ed8}.info{color:#6b7280}
code{font-size:.85rem;background:#f3f4f6;padding:0 .2rem;border-radius:3px;word-break:break-all}
.legend span{margin-right:1rem}.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}
</style>
</head>
<body>
<h1>tattle report</h1>
<p class="dim">{{.R.Stats.Packets}} packets, {{.R.Stats.Flows}} flows, {{len .R.Devices}} devices{{if .R.Redacted}}; personal data redacted{{end}}.
{{range .R.Inputs}}<br>input <code>{{.Name}}</code>: {{.Format}}, {{.Packets}} packets{{if .Error}} — damaged: {{.Error}}{{end}}{{end}}</p>
{{range .R.Warnings}}<p class="medium">warning: {{.File}}: {{.Message}}</p>{{end}}
<p class="legend dim"><span><i class="sw" style="background:#dc2626"></i>third party</span><span><i class="sw" style="background:#9333ea"></i>unclassified</span><span><i class="sw" style="background:#059669"></i>first party (the vendor)</span><span><i class="sw" style="background:#6b7280"></i>support (cloud, CDN, DNS, time)</span></p>
{{range .Devices}}
<section>
<h2>{{.Label}}{{with .D.Score}}<span class="grade g{{.Grade}}">{{.Grade}} {{.Value}}/100</span>{{end}}</h2>
<p class="dim"><code>{{.D.ID}}</code>{{range .D.IPs}} <code>{{.IP}}</code>{{end}}{{if .D.OUIVendor}} · OUI {{.D.OUIVendor}}{{end}}</p>
<table>
{{with .D.Identity.Vendor}}{{if .Value}}<tr><th>vendor</th><td>{{.Value}} <span class="dim">({{pct .Confidence}})</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}
{{with .D.Identity.Type}}{{if .Value}}<tr><th>type</th><td>{{.Value}} <span class="dim">({{pct .Confidence}})</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}
{{with .D.Identity.Model}}{{if .Value}}<tr><th>model</th><td>{{.Value}} <span class="dim">({{pct .Confidence}})</span></td><td class="dim">{{range .Evidence}}{{.Detail}}{{with .Packet}} [#{{.}}]{{end}}<br>{{end}}</td></tr>{{end}}{{end}}
{{range .D.Identity.Conflicts}}<tr><th>conflict</th><td colspan="2" class="medium">{{.Field}}: {{range .Values}}{{.}}; {{end}}</td></tr>{{end}}
{{with .D.Policy}}<tr><th>declaration</th><td colspan="2"><code>{{.File}}</code>{{if .Vendor}} — {{.Vendor}}{{end}}{{if .Date}}, {{.Date}}{{end}}</td></tr>{{end}}
</table>
{{if .Bars}}
<h3>Who it talks to</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="960" height="{{.Height}}" role="img" aria-label="organisations this device talks to, by bytes">
{{range .Bars}}<g><title>{{.Org}} ({{.Party}}, {{.Category}}): {{.Bytes}} — {{.Names}}</title>
<text x="0" y="{{.Y}}" dy="14" font-size="13" fill="#111827">{{.Org}}</text>
<rect x="260" y="{{.Y}}" width="{{.W}}" height="18" rx="3" fill="{{.Color}}"></rect>
<text x="{{.W}}" dx="268" y="{{.Y}}" dy="14" font-size="12" fill="#6b7280">{{.Bytes}} · {{.Party}}{{if .Category}} · {{.Category}}{{end}}</text></g>
{{end}}</svg>
{{end}}
{{if .Findings}}
<h3>Findings</h3>
<table><tr><th>severity</th><th>finding</th><th>evidence</th></tr>
{{range .Findings}}<tr><td class="sev {{.Severity}}">{{.Severity}}</td><td><strong>{{.Title}}</strong><br>{{.Message}}{{if .Disclosure}}<br><span class="dim">disclosure: {{.Disclosure}}{{if .PolicyRef}} — declaration {{.PolicyRef}}{{end}}</span>{{end}}{{if .Excerpt}}<br><code>{{.Excerpt}}</code>{{end}}</td><td class="dim">{{ref .Evidence}}</td></tr>
{{end}}</table>
{{end}}
<details><summary>Destinations ({{len .D.Destinations}})</summary>
<table><tr><th>name</th><th>address</th><th>party</th><th>organisation</th><th>bytes out / in</th><th>first packet</th></tr>
{{range .D.Destinations}}<tr><td>{{if .Name}}{{.Name}}{{else}}<span class="dim">(by IP only)</span>{{end}}</td><td><code>{{.IP}}:{{.Port}}/{{.Transport}}</code></td><td>{{.Party}}</td><td>{{.Organization}}{{if .Category}} <span class="dim">({{.Category}})</span>{{end}}</td><td>{{.BytesOut}} / {{.BytesIn}}</td><td class="dim">{{.File}} #{{.Packet}}</td></tr>
{{end}}</table></details>
</section>
{{end}}
<p class="dim">Made by tattle {{.R.Tool.Version}}. tattle makes no network connections; names come from the devices' own DNS queries, TLS SNI and HTTP Host headers.</p>
</body>
</html>
`))
