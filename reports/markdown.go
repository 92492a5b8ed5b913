package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/tattle-audit/tattle/result"
)

// Markdown is the report for issue trackers and pull-request comments: a
// summary and an overview table first, then per device its identity, the
// score's deductions with the findings behind them, findings and
// destinations.
type Markdown struct{}

func (Markdown) Render(w io.Writer, r *result.Result) error {
	var b strings.Builder
	ov := result.BuildOverview(r)
	b.WriteString("# tattle report\n\n")
	fmt.Fprintf(&b, "%d packets, %d flows, %d devices.", r.Stats.Packets, r.Stats.Flows, len(r.Devices))
	if r.Redacted {
		b.WriteString(" Personal data is redacted.")
	}
	b.WriteString("\n\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(&b, "- input `%s`: %s", strings.ReplaceAll(Term(in.Name), "`", "'"), MD(inputDesc(in)))
		if in.Error != "" {
			fmt.Fprintf(&b, " (damaged: %s)", MD(in.Error))
		}
		b.WriteString("\n")
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "- warning: %s\n", MD(strings.TrimPrefix(wn.File+": "+wn.Message, ": ")))
	}
	if l := baselineLine(r); l != "" {
		fmt.Fprintf(&b, "\n**%s**\n", MD(l))
	}
	fmt.Fprintf(&b, "\n## Summary\n\n%s\n", MD(ov.Summary))
	for _, group := range result.Groups {
		first := true
		for _, row := range ov.Devices {
			if row.Group != group {
				continue
			}
			if first {
				title := groupTitle(group, true)
				fmt.Fprintf(&b, "\n### %s\n\n| device | vendor / type / model | score | third parties | undisclosed recipients | personal data in cleartext | findings (C/H/M/L/I) |\n|---|---|---|---|---|---|---|\n", title)
				first = false
			}
			score := "–"
			if row.Score != nil {
				score = fmt.Sprintf("%s %d", row.Grade, *row.Score)
				if row.Partial {
					score += " (partial evidence)"
				}
			}
			f := row.Findings
			fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s | %s | %d/%d/%d/%d/%d |\n", MD(row.Name), mdAnchor(row.Device), MD(claims(row)), score,
				MD(strings.Join(row.ThirdParties, ", ")), MD(strings.Join(row.Undisclosed, ", ")), MD(strings.Join(row.PersonalData, ", ")),
				f.Critical, f.High, f.Medium, f.Low, f.Info)
		}
	}
	for _, d := range inOverviewOrder(r, ov) {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n## %s\n\n", mdAnchor(d.ID), MD(deviceLabel(d)))
		fmt.Fprintf(&b, "- device: %s", MD(d.ID))
		if d.OUIVendor != "" {
			fmt.Fprintf(&b, " (OUI: %s)", MD(d.OUIVendor))
		}
		b.WriteString("\n")
		for _, f := range []struct {
			n string
			v result.Field
		}{{"vendor", d.Identity.Vendor}, {"type", d.Identity.Type}, {"model", d.Identity.Model}} {
			if f.v.Value != "" {
				ev := ""
				if len(f.v.Evidence) > 0 {
					ev = " — " + MD(f.v.Evidence[0].Detail)
				}
				fmt.Fprintf(&b, "- %s: **%s** (%.0f%%)%s\n", f.n, MD(f.v.Value), 100*f.v.Confidence, ev)
			}
		}
		if m := d.Identity.Module; m.Value != "" {
			fmt.Fprintf(&b, "- module: %s (Wi-Fi module or chip maker, not the brand)\n", MD(m.Value))
		}
		if d.Identity.Infrastructure {
			b.WriteString("- network infrastructure (not an IoT device)\n")
		}
		if l := classLine(&d.Identity); l != "" {
			fmt.Fprintf(&b, "- class: %s\n", MD(l))
		}
		if len(d.Identity.Apps) > 0 {
			var apps []string
			for _, a := range d.Identity.Apps {
				apps = append(apps, MD(a.Value))
			}
			fmt.Fprintf(&b, "- runs apps of: %s (contacts their clouds)\n", strings.Join(apps, ", "))
		}
		if d.Policy != nil {
			fmt.Fprintf(&b, "- declaration: %s\n", MD(d.Policy.File))
		}
		if d.Score != nil {
			partial := ""
			if d.Score.Partial {
				partial = " — on partial evidence: the capture held little payload"
			}
			fmt.Fprintf(&b, "- score: **%s** (%d/100)%s\n", d.Score.Grade, d.Score.Value, partial)
			if len(d.Score.Deductions) > 0 {
				titles := findingTitles(d)
				b.WriteString("\n| points | reason | findings |\n|---|---|---|\n")
				for _, x := range d.Score.Deductions {
					fmt.Fprintf(&b, "| −%d | %s | %s |\n", x.Points, MD(x.Reason), MD(strings.Join(titlesOf(x.Finding, titles), "; ")))
				}
			}
		}
		if fs := sortedFindings(d.Findings); len(fs) > 0 {
			b.WriteString("\n| severity | finding | destination | evidence | declaration |\n|---|---|---|---|---|\n")
			for _, f := range fs {
				decl := ""
				if f.Disclosure != "" {
					decl = f.Disclosure + " — " + MD(f.PolicyRef)
					if f.PolicyQuote != "" {
						decl += ": “" + MD(f.PolicyQuote) + "”"
					}
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.Severity, MD(f.Title), MD(f.Destination), MD(evidenceRef(f.Evidence)), decl)
			}
		}
		if orgs := organisations(d); len(orgs) > 0 {
			b.WriteString("\n| party | organisation | category | bytes | names |\n|---|---|---|---|---|\n")
			for _, o := range orgs {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", o.Party, MD(o.Org), MD(o.Category), humanBytes(o.Bytes), MD(strings.Join(o.Names, ", ")))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdAnchor makes an anchor id from a device id: letters and digits kept,
// everything else a hyphen.
func mdAnchor(id string) string {
	var b strings.Builder
	b.WriteString("device-")
	for _, r := range strings.ToLower(id) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// claims is "vendor / type / model" with confidences, unknown parts as "?".
func claims(row result.OverviewRow) string {
	var parts []string
	for _, c := range []result.Claim{row.Vendor, row.Type, row.Model} {
		if c.Value == "" {
			parts = append(parts, "?")
		} else {
			parts = append(parts, fmt.Sprintf("%s (%.0f%%)", c.Value, 100*c.Confidence))
		}
	}
	return strings.Join(parts, " / ")
}

// findingTitles maps a device's finding IDs to their titles.
func findingTitles(d *result.Device) map[string]string {
	m := make(map[string]string, len(d.Findings))
	for _, f := range d.Findings {
		t := f.Title
		if f.Destination != "" && !strings.Contains(t, f.Destination) {
			t += " → " + f.Destination
		}
		m[f.ID] = t
	}
	return m
}

func titlesOf(ids []string, titles map[string]string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if t, ok := titles[id]; ok {
			out = append(out, t)
		} else {
			out = append(out, id)
		}
	}
	return out
}
