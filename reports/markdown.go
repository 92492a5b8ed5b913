package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/tattle-audit/tattle/result"
)

// Markdown is the report for issue trackers and pull-request comments.
type Markdown struct{}

func (Markdown) Render(w io.Writer, r *result.Result) error {
	var b strings.Builder
	b.WriteString("# tattle report\n\n")
	fmt.Fprintf(&b, "%d packets, %d flows, %d devices.", r.Stats.Packets, r.Stats.Flows, len(r.Devices))
	if r.Redacted {
		b.WriteString(" Personal data is redacted.")
	}
	b.WriteString("\n\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(&b, "- input `%s`: %s, %d packets", strings.ReplaceAll(Term(in.Name), "`", "'"), MD(in.Format), in.Packets)
		if in.Error != "" {
			fmt.Fprintf(&b, " (damaged: %s)", MD(in.Error))
		}
		b.WriteString("\n")
	}
	for i := range r.Devices {
		d := &r.Devices[i]
		fmt.Fprintf(&b, "\n## %s\n\n", MD(deviceLabel(d)))
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
		if d.Score != nil {
			fmt.Fprintf(&b, "- score: **%s** (%d/100)\n", d.Score.Grade, d.Score.Value)
		}
		if d.Policy != nil {
			fmt.Fprintf(&b, "- declaration: %s\n", MD(d.Policy.File))
		}
		if fs := sortedFindings(d.Findings); len(fs) > 0 {
			b.WriteString("\n| severity | finding | destination | evidence | declaration |\n|---|---|---|---|---|\n")
			for _, f := range fs {
				decl := ""
				if f.Disclosure != "" {
					decl = f.Disclosure + " — " + MD(f.PolicyRef)
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
