package reports

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/tattle-audit/tattle/result"
)

// palette is the one place colours are chosen: adaptive colours for dark
// and light terminals, and plain styles when colour is off.
type palette struct {
	r                           *lipgloss.Renderer
	title, dim, bold, warn, bad lipgloss.Style
	good, third, first, support lipgloss.Style
	sev                         map[string]lipgloss.Style
}

func newPalette(w io.Writer, color bool) *palette {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	p := &palette{r: r}
	p.title = r.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd"))
	p.dim = r.NewStyle().Foreground(c("#6b7280", "#9ca3af"))
	p.bold = r.NewStyle().Bold(true)
	p.warn = r.NewStyle().Foreground(c("#b45309", "#fbbf24"))
	p.bad = r.NewStyle().Foreground(c("#b91c1c", "#f87171")).Bold(true)
	p.good = r.NewStyle().Foreground(c("#047857", "#34d399"))
	p.third = r.NewStyle().Foreground(c("#b91c1c", "#f87171"))
	p.first = r.NewStyle().Foreground(c("#047857", "#34d399"))
	p.support = r.NewStyle().Foreground(c("#4b5563", "#d1d5db"))
	p.sev = map[string]lipgloss.Style{
		"critical": p.bad, "high": p.bad, "medium": p.warn,
		"low": r.NewStyle().Foreground(c("#1d4ed8", "#93c5fd")), "info": p.dim,
	}
	return p
}

func (p *palette) party(s string) lipgloss.Style {
	switch s {
	case result.PartyThird, result.PartyUnclassified:
		return p.third
	case result.PartyFirst:
		return p.first
	}
	return p.support
}

func (p *palette) grade(g string) lipgloss.Style {
	switch g {
	case "A", "B":
		return p.good
	case "C":
		return p.warn
	}
	return p.bad
}
