package extract

import (
	"fmt"
	"strings"
)

// Describe says in words what a statement means: "may share device
// identifier, ip address with advertising partners".
func (s Statement) Describe() string {
	var who []string
	for _, a := range s.Actors {
		who = append(who, a.String())
	}
	verb := s.Action
	if s.Negated {
		verb = "does not " + s.Action
	} else if s.Modality != "does" {
		verb = s.Modality + " " + s.Action
	}
	data := strings.Join(s.Data, ", ")
	switch {
	case s.Action == ActionCollect && len(s.Actors) == 1 && s.Actors[0].Kind == ActorFirst:
		return fmt.Sprintf("%s %s", verb, data)
	case s.Action == ActionCollect:
		return fmt.Sprintf("%s: %s %s", strings.Join(who, ", "), verb, data)
	}
	prep := "with"
	if s.Action == ActionSell {
		prep = "to"
	}
	return fmt.Sprintf("%s %s %s %s", verb, data, prep, strings.Join(who, ", "))
}

// Explain lays out what the extractor understood, statement by statement,
// beside the sentence, for a reader to check the draft.
func (r *Result) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %d sentences, %d statements\n", r.File, r.Format, r.Sentences, len(r.Statements))
	if r.Vendor != "" {
		fmt.Fprintf(&b, "vendor: %s", r.Vendor)
		if len(r.FirstParty) > 1 {
			fmt.Fprintf(&b, " (first party: %s)", strings.Join(r.FirstParty, ", "))
		}
		b.WriteString("\n")
	}
	if len(r.Domains) > 0 {
		fmt.Fprintf(&b, "first-party domains: %s\n", strings.Join(r.Domains, ", "))
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	for i, s := range r.Statements {
		fmt.Fprintf(&b, "\n%d. %s  [%s]\n", i+1, s.Location(r.File), s.Section())
		if s.LeadIn != "" {
			fmt.Fprintf(&b, "   after: %q\n", s.LeadIn)
		}
		fmt.Fprintf(&b, "   %q\n", s.Sentence)
		how := ""
		if s.FromHeading {
			how = " (action from the heading or the list's lead-in)"
		}
		fmt.Fprintf(&b, "   -> %s%s\n", s.Describe(), how)
	}
	return b.String()
}
