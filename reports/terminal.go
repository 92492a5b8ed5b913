package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"

	"github.com/tattle-audit/tattle/result"
)

// Terminal is the report for a person at a terminal: per device its
// identity, score, top findings and whom it talks to.
type Terminal struct{ opts Options }

const maxTermFindings = 8

func (t *Terminal) Render(w io.Writer, r *result.Result) error {
	p := newPalette(w, t.opts.Color)
	var b strings.Builder
	iot, other := 0, 0
	for _, d := range r.Devices {
		if d.Identity.IsIoT {
			iot++
		} else {
			other++
		}
	}
	fmt.Fprintf(&b, "%s  %d packets, %d flows, %d devices (%d IoT, %d phones/computers)\n", p.title.Render("tattle"),
		r.Stats.Packets, r.Stats.Flows, len(r.Devices), iot, other)
	for _, in := range r.Inputs {
		line := fmt.Sprintf("  %s: %s, %d packets", Term(in.Name), in.Format, in.Packets)
		if in.Error != "" {
			line += " " + p.warn.Render("(damaged: "+Term(in.Error)+")")
		}
		b.WriteString(p.dim.Render(line) + "\n")
	}
	if r.Redacted {
		b.WriteString(p.dim.Render("  personal data redacted (--show-personal-data to show it)") + "\n")
	}
	for _, wn := range r.Warnings {
		b.WriteString(p.warn.Render("  warning: "+Term(wn.File)+": "+Term(wn.Message)) + "\n")
	}
	for i := range r.Devices {
		t.device(&b, p, &r.Devices[i])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (t *Terminal) device(b *strings.Builder, p *palette, d *result.Device) {
	b.WriteString("\n")
	head := p.bold.Render(Term(deviceLabel(d)))
	if d.Score != nil {
		head += "  " + p.grade(d.Score.Grade).Render(fmt.Sprintf("%s %d/100", d.Score.Grade, d.Score.Value))
	}
	b.WriteString(head + "\n")
	id := []string{Term(d.ID)}
	for _, ip := range d.IPs {
		id = append(id, Term(ip.IP))
		if len(id) > 3 {
			break
		}
	}
	if d.OUIVendor != "" {
		id = append(id, "OUI "+Term(d.OUIVendor))
	}
	b.WriteString(p.dim.Render("  "+strings.Join(id, "  ")) + "\n")
	field := func(name string, f result.Field) {
		if f.Value == "" {
			return
		}
		ev := ""
		if len(f.Evidence) > 0 {
			ev = Term(f.Evidence[0].Detail)
			if len(f.Evidence) > 1 {
				ev += fmt.Sprintf(" (+%d)", len(f.Evidence)-1)
			}
		}
		b.WriteString(fmt.Sprintf("  %-7s %s %s\n", name, Term(f.Value), p.dim.Render(fmt.Sprintf("%.0f%%  %s", 100*f.Confidence, ev))))
	}
	field("vendor", d.Identity.Vendor)
	field("type", d.Identity.Type)
	field("model", d.Identity.Model)
	for _, c := range d.Identity.Conflicts {
		b.WriteString(p.warn.Render(fmt.Sprintf("  conflict on %s: %s", c.Field, Term(strings.Join(c.Values, " vs ")))) + "\n")
	}
	if d.Policy != nil {
		b.WriteString(p.dim.Render("  checked against "+Term(d.Policy.File)) + "\n")
	}
	if fs := sortedFindings(d.Findings); len(fs) > 0 {
		b.WriteString("  findings:\n")
		for i, f := range fs {
			if i == maxTermFindings {
				b.WriteString(p.dim.Render(fmt.Sprintf("    ... and %d more (see --format json/html)", len(fs)-i)) + "\n")
				break
			}
			sev := p.sev[f.Severity].Render(fmt.Sprintf("%-8s", f.Severity))
			line := fmt.Sprintf("    %s %s", sev, truncate(Term(f.Title), max(30, t.opts.Width-40)))
			if f.Destination != "" {
				line += p.dim.Render(" → " + Term(f.Destination))
			}
			if ref := evidenceRef(f.Evidence); ref != "" {
				line += p.dim.Render("  [" + Term(ref) + "]")
			}
			b.WriteString(line + "\n")
		}
	}
	orgs := organisations(d)
	if len(orgs) == 0 {
		return
	}
	nameWidth := max(20, t.opts.Width-60)
	tb := table.New().Border(lipgloss.HiddenBorder()).Headers("PARTY", "ORGANISATION", "CATEGORY", "BYTES", "NAMES")
	tb.StyleFunc(func(row, col int) lipgloss.Style {
		s := p.r.NewStyle().PaddingRight(1)
		if row == table.HeaderRow {
			return s.Inherit(p.dim)
		}
		if col == 0 && row >= 0 && row < len(orgs) {
			return s.Inherit(p.party(orgs[row].Party))
		}
		return s
	})
	for _, o := range orgs {
		tb.Row(o.Party, Term(o.Org), o.Category, humanBytes(o.Bytes), truncate(Term(strings.Join(o.Names, ", ")), nameWidth))
	}
	for _, l := range strings.Split(tb.Render(), "\n") {
		if strings.TrimSpace(l) != "" {
			b.WriteString(" " + strings.TrimRight(l, " ") + "\n")
		}
	}
}

func truncate(s string, n int) string {
	if lipgloss.Width(s) <= n || n < 4 {
		return s
	}
	r := []rune(s)
	if len(r) > n-1 {
		r = r[:n-1]
	}
	return string(r) + "…"
}
