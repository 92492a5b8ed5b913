package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"

	"github.com/tattle-audit/tattle/result"
)

// Terminal is the report for a person at a terminal: a summary and an
// overview table of every device first, then per device its identity,
// score with its deductions, findings and whom it talks to, and a closing
// summary line. It fits the width it is given (80 columns and up).
type Terminal struct{ opts Options }

// maxTermFindings bounds the findings listed per device unless Options.All.
const maxTermFindings = 8

func (t *Terminal) Render(w io.Writer, r *result.Result) error {
	p := newPalette(w, t.opts.Color)
	var b strings.Builder
	ov := result.BuildOverview(r)
	iot, unknown := 0, 0
	for _, row := range ov.Devices {
		switch row.Group {
		case result.GroupIoT:
			iot++
		case result.GroupUnknown:
			unknown++
		}
	}
	groups := fmt.Sprintf("%d IoT, ", iot)
	if unknown > 0 {
		groups += fmt.Sprintf("%d unidentified, ", unknown)
	}
	// The same words as the summary's groups, short enough for 80 columns:
	// "others" are the infrastructure, computers and phones.
	others := len(r.Devices) - iot - unknown
	word := "others"
	if others == 1 {
		word = "other"
	}
	fmt.Fprintf(&b, "%s  %d packets, %d flows, %d devices (%s%d %s)\n", p.title.Render("tattle"),
		r.Stats.Packets, r.Stats.Flows, len(r.Devices), groups, others, word)
	for i, in := range r.Inputs {
		prefix := "  "
		if len(r.Inputs) > 1 {
			prefix = fmt.Sprintf("  [%d] ", i+1)
		}
		rest := ": " + Term(inputDesc(in))
		// A long path keeps its end, where the file's own name is.
		name := truncateLeft(Term(in.Name), t.width()-lipgloss.Width(prefix)-lipgloss.Width(rest))
		b.WriteString(p.dim.Render(truncate(prefix+name+rest, t.width())) + "\n")
		if in.Error != "" {
			b.WriteString(t.wrap(p.warn, "      ", "      ", "damaged: "+Term(in.Error)))
		}
	}
	if r.Redacted {
		b.WriteString(p.dim.Render("  personal data redacted (--show-personal-data to show it)") + "\n")
	}
	if l := baselineLine(r); l != "" {
		b.WriteString(t.wrap(p.warn, "  ", "    ", Term(l)))
	}
	for _, wn := range r.Warnings {
		msg := "warning: " + Term(wn.Message)
		if wn.File != "" {
			msg = "warning: " + Term(wn.File) + ": " + Term(wn.Message)
		}
		b.WriteString(t.wrap(p.warn, "  ", "    ", msg))
	}
	b.WriteString("\n" + t.wrap(p.bold, "", "", Term(ov.Summary)))
	t.overview(&b, p, ov)
	refs := newRefs(r)
	if refs.single != "" {
		b.WriteString("\n" + p.dim.Render(truncate("packet numbers (#) are those of "+Term(refs.single), t.width())) + "\n")
	}
	for _, d := range inOverviewOrder(r, ov) {
		t.device(&b, p, d, refs)
	}
	c := ov.Findings
	closing := fmt.Sprintf("%s, %s (%d critical, %d high, %d medium, %d low, %d info)", count(len(r.Devices), "device"),
		count(c.Total(), "finding"), c.Critical, c.High, c.Medium, c.Low, c.Info)
	if worst := lowest(ov); worst != nil {
		closing += fmt.Sprintf("; lowest score %s %d/100 (%s)", Term(worst.Name), *worst.Score, worst.Grade)
	}
	b.WriteString("\n" + t.wrap(p.bold, "", "  ", "summary: "+closing))
	_, err := io.WriteString(w, b.String())
	return err
}

func lowest(ov *result.Overview) *result.OverviewRow {
	var out *result.OverviewRow
	for i := range ov.Devices {
		row := &ov.Devices[i]
		if row.Score != nil && (out == nil || *row.Score < *out.Score) {
			out = row
		}
	}
	return out
}

func (t *Terminal) width() int { return max(t.opts.Width, 60) }

// overview writes the table of all devices: IoT first, then the
// unidentified ones, then infrastructure, computers and phones.
func (t *Terminal) overview(b *strings.Builder, p *palette, ov *result.Overview) {
	if len(ov.Devices) == 0 {
		return
	}
	nameW := max(12, t.width()-58)
	partial := false
	for _, group := range result.Groups {
		var rows []result.OverviewRow
		for _, row := range ov.Devices {
			if row.Group == group {
				rows = append(rows, row)
			}
		}
		if len(rows) == 0 {
			continue
		}
		b.WriteString("\n" + p.bold.Render(groupTitle(group, false)) + "\n")
		tb := table.New().Border(lipgloss.HiddenBorder()).Headers("DEVICE", "SCORE", "TYPE", "3RD", "UNDISCL", "PERSONAL", "C/H/M/L")
		tb.StyleFunc(func(row, col int) lipgloss.Style {
			s := p.r.NewStyle()
			if row == table.HeaderRow {
				return s.Inherit(p.dim)
			}
			if col == 1 && row >= 0 && row < len(rows) {
				return s.Inherit(p.grade(rows[row].Grade))
			}
			return s
		})
		for _, row := range rows {
			score := "-"
			if row.Score != nil {
				score = fmt.Sprintf("%s %d", row.Grade, *row.Score)
				if row.Partial {
					score += "*"
					partial = true
				}
			}
			typ := "?"
			if row.Type.Value != "" {
				typ = fmt.Sprintf("%s %.0f%%", row.Type.Value, 100*row.Type.Confidence)
			}
			f := row.Findings
			tb.Row(truncate(Term(row.Name), nameW), score, truncate(Term(typ), 12), fmt.Sprint(len(row.ThirdParties)),
				fmt.Sprint(len(row.Undisclosed)), truncate(Term(strings.Join(row.PersonalData, ", ")), 12),
				fmt.Sprintf("%d/%d/%d/%d", f.Critical, f.High, f.Medium, f.Low))
		}
		writeTable(b, tb)
	}
	if partial {
		b.WriteString(p.warn.Render("  * score on partial evidence: the capture held little payload") + "\n")
	}
}

func writeTable(b *strings.Builder, tb *table.Table) {
	for _, l := range strings.Split(tb.Render(), "\n") {
		if strings.TrimSpace(l) != "" {
			b.WriteString(" " + strings.TrimRight(l, " ") + "\n")
		}
	}
}

// wrap word-wraps s to the report width: first line after first, the
// others after rest, each line rendered in style st.
func (t *Terminal) wrap(st lipgloss.Style, first, rest, s string) string {
	var b strings.Builder
	for _, l := range wrapWords(s, t.width()-lipgloss.Width(first), t.width()-lipgloss.Width(rest)) {
		b.WriteString(first + st.Render(l) + "\n")
		first = rest
	}
	return b.String()
}

// wrapWords breaks s at spaces into lines of at most w1 (first) and w
// (others) columns; a word longer than a line is cut.
func wrapWords(s string, w1, w int) []string {
	w1, w = max(w1, 10), max(w, 10)
	var lines []string
	cur, limit := "", w1
	for _, word := range strings.Fields(s) {
		for lipgloss.Width(word) > limit && cur == "" {
			r := []rune(word)
			n := min(len(r), limit)
			lines = append(lines, string(r[:n]))
			word, limit = string(r[n:]), w
			if word == "" {
				break
			}
		}
		if word == "" {
			continue
		}
		switch {
		case cur == "":
			cur = word
		case lipgloss.Width(cur)+1+lipgloss.Width(word) <= limit:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur, limit = word, w
			if lipgloss.Width(cur) > limit {
				r := []rune(cur)
				lines = append(lines, string(r[:limit]))
				cur = string(r[limit:])
			}
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

func (t *Terminal) device(b *strings.Builder, p *palette, d *result.Device, refs *refs) {
	b.WriteString("\n")
	head := p.bold.Render(Term(deviceLabel(d)))
	if d.Score != nil {
		head += "  " + p.grade(d.Score.Grade).Render(fmt.Sprintf("%s %d/100", d.Score.Grade, d.Score.Value))
		if d.Score.Partial {
			head += p.warn.Render(" (partial evidence)")
		}
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
	b.WriteString(p.dim.Render(truncate("  "+strings.Join(id, "  "), t.width())) + "\n")
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
		v := truncate(Term(f.Value), t.width()/2)
		rest := truncate(fmt.Sprintf("%.0f%%  %s", 100*f.Confidence, ev), t.width()-11-lipgloss.Width(v))
		b.WriteString(fmt.Sprintf("  %-7s %s %s\n", name, v, p.dim.Render(rest)))
	}
	field("vendor", d.Identity.Vendor)
	field("type", d.Identity.Type)
	field("model", d.Identity.Model)
	if m := d.Identity.Module; m.Value != "" {
		field("module", result.Field{Value: m.Value + " (Wi-Fi module or chip maker, not the brand)", Confidence: m.Confidence, Evidence: m.Evidence})
	}
	if d.Identity.Infrastructure {
		b.WriteString(p.dim.Render("  network infrastructure (not an IoT device)") + "\n")
	}
	if l := classLine(&d.Identity); l != "" {
		b.WriteString(fmt.Sprintf("  %-7s %s\n", "class", p.dim.Render(truncate(Term(l), t.width()-10))))
	}
	if len(d.Identity.Apps) > 0 {
		var apps []string
		for _, a := range d.Identity.Apps {
			apps = append(apps, Term(a.Value))
		}
		b.WriteString(fmt.Sprintf("  %-7s %s %s\n", "runs", strings.Join(apps, ", "), p.dim.Render("apps: it contacts these vendors' clouds")))
	}
	for _, c := range d.Identity.Conflicts {
		b.WriteString(t.wrap(p.warn, "  ", "    ", fmt.Sprintf("conflict on %s: %s", c.Field, Term(strings.Join(c.Values, " vs ")))))
	}
	if d.Policy != nil {
		b.WriteString(t.wrap(p.dim, "  ", "    ", "checked against "+Term(d.Policy.File)))
	}
	if d.Score != nil && len(d.Score.Deductions) > 0 {
		b.WriteString(fmt.Sprintf("  score %d/100 (%s): 100", d.Score.Value, d.Score.Grade))
		for _, x := range d.Score.Deductions {
			b.WriteString(fmt.Sprintf(" -%d", x.Points))
		}
		b.WriteString("\n")
		for _, x := range d.Score.Deductions {
			b.WriteString(t.wrap(p.dim, fmt.Sprintf("    %4d  ", -x.Points), "          ", Term(x.Reason)))
		}
	}
	if fs := sortedFindings(d.Findings); len(fs) > 0 {
		b.WriteString("  findings:\n")
		for i, f := range fs {
			if i == maxTermFindings && !t.opts.All {
				b.WriteString(p.dim.Render(fmt.Sprintf("    ... and %d more (--all lists them)", len(fs)-i)) + "\n")
				break
			}
			text := Term(f.Title)
			if f.Destination != "" {
				text += " → " + Term(f.Destination)
			}
			if ref := refs.of(f.Evidence); ref != "" {
				text += "  [" + Term(ref) + "]"
			}
			sev := p.sev[f.Severity].Render(fmt.Sprintf("%-8s", f.Severity))
			lines := wrapWords(text, t.width()-13, t.width()-13)
			for j, l := range lines {
				if j == 0 {
					b.WriteString("    " + sev + " " + l + "\n")
				} else {
					b.WriteString("             " + p.dim.Render(l) + "\n")
				}
			}
			if f.PolicyQuote != "" && f.Severity != "info" {
				// The statement that decided it, to cite: wrapped, at most
				// three lines.
				ql := wrapWords(Term(f.PolicyRef+": “"+f.PolicyQuote+"”"), t.width()-13, t.width()-13)
				if len(ql) > 3 {
					ql = append(ql[:2], truncate(strings.Join(ql[2:], " "), t.width()-13))
				}
				for _, l := range ql {
					b.WriteString("             " + p.dim.Render(l) + "\n")
				}
			}
		}
	}
	orgs := organisations(d)
	if len(orgs) == 0 {
		return
	}
	nameWidth := max(14, t.width()-62)
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
		tb.Row(o.Party, truncate(Term(o.Org), 22), truncate(o.Category, 18), humanBytes(o.Bytes), truncate(Term(strings.Join(o.Names, ", ")), nameWidth))
	}
	writeTable(b, tb)
}

// refs cites evidence packets without repeating paths: when the whole
// result comes from one capture file, the file is named once at the top
// and each citation is just its packet numbers; with several, the inputs
// are numbered at the top and citations say "2: #130, #131".
type refs struct {
	single string
	index  map[string]int
}

func newRefs(r *result.Result) *refs {
	rf := &refs{index: map[string]int{}}
	for _, in := range r.Inputs {
		if _, ok := rf.index[in.Name]; !ok {
			rf.index[in.Name] = len(rf.index) + 1
		}
	}
	if len(rf.index) == 1 {
		rf.single = r.Inputs[0].Name
	}
	return rf
}

func (rf *refs) of(ev []result.Evidence) string {
	var parts []string
	last := "\x00"
	seen := map[string]bool{}
	for _, e := range ev {
		if e.Packet == 0 {
			continue
		}
		k := fmt.Sprintf("%s\x00%d", e.File, e.Packet)
		if seen[k] {
			continue
		}
		seen[k] = true
		num := fmt.Sprintf("#%d", e.Packet)
		if e.File != last {
			switch n, ok := rf.index[e.File]; {
			case e.File == rf.single:
			case ok:
				num = fmt.Sprintf("%d: %s", n, num)
			default:
				num = e.File + " " + num
			}
			last = e.File
		}
		parts = append(parts, num)
	}
	return strings.Join(parts, ", ")
}

func truncate(s string, n int) string {
	if lipgloss.Width(s) <= n || n < 4 {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > n {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// truncateLeft keeps the end of s within n columns, "…" in front.
func truncateLeft(s string, n int) string {
	if lipgloss.Width(s) <= n || n < 4 {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > n {
		r = r[1:]
	}
	return "…" + string(r)
}
