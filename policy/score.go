package policy

import (
	"fmt"
	"sort"

	"github.com/tattle-audit/tattle/result"
)

// The score starts at 100 and loses points per finding, by class, each
// class capped so no single kind of problem decides the score alone. The
// table is the documented formula (docs/policy.md); every deduction names
// the findings that caused it.
var scoreClasses = []struct {
	name   string
	points int // per distinct finding
	cap    int
}{
	{result.ClassContradicted, 25, 50},
	{result.ClassCredentials, 25, 25},
	{result.ClassOmitted, 15, 45},
	{result.ClassPersonal, 10, 30},
	{result.ClassMUD, 10, 30},
	{result.ClassTrackers, 5, 20},
	{result.ClassCleartext, 5, 15},
	{result.ClassTLS, 5, 15},
	{result.ClassAmbiguous, 5, 10},
	{result.ClassVague, 2, 10},
	{result.ClassThirdParty, 2, 10},
}

// Grade turns a score into a letter: A 90+, B 80+, C 65+, D 50+, F below.
func Grade(v int) string {
	switch {
	case v >= 90:
		return "A"
	case v >= 80:
		return "B"
	case v >= 65:
		return "C"
	case v >= 50:
		return "D"
	}
	return "F"
}

// Score computes a device's score from its findings. Findings of severity
// info (local announcements, clear disclosures) cost nothing; omitted
// disclosures cost only when their severity is high (third parties).
func Score(dev *result.Device) *result.Score {
	byKind := map[string][]string{}
	for _, f := range dev.Findings {
		if f.Severity == result.SeverityInfo {
			continue
		}
		if f.Kind == KindOmitted && f.Severity != result.SeverityHigh {
			continue
		}
		byKind[f.Kind] = append(byKind[f.Kind], f.ID)
	}
	byClass := map[string][]string{}
	for k, ids := range byKind {
		if c := result.Kinds[k].Class; c != result.ClassNone {
			byClass[c] = append(byClass[c], ids...)
		}
	}
	s := &result.Score{Value: 100, Deductions: []result.Deduction{}}
	for _, c := range scoreClasses {
		ids := byClass[c.name]
		if len(ids) == 0 {
			continue
		}
		sort.Strings(ids)
		pts := min(c.points*len(ids), c.cap)
		s.Value -= pts
		s.Deductions = append(s.Deductions, result.Deduction{Points: pts, Reason: fmt.Sprintf("%s: %d × %d points (at most %d)", c.name, len(ids), c.points, c.cap), Finding: ids})
	}
	s.Value = max(s.Value, 0)
	s.Grade = Grade(s.Value)
	return s
}
