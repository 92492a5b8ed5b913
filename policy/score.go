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
	kinds  []string
	points int // per distinct finding
	cap    int
}{
	{"disclosure contradicted by traffic", []string{KindIncorrect, KindEncryption}, 25, 50},
	{"credentials in cleartext", []string{"cleartext-credentials"}, 25, 25},
	{"third parties the declaration omits", []string{KindOmitted}, 15, 45},
	{"personal data in cleartext", []string{"cleartext-personal-data"}, 10, 30},
	{"contact outside the MUD profile", []string{KindMUD}, 10, 30},
	{"advertising, analytics and tracking contacts", []string{"tracker-contact"}, 5, 20},
	{"unencrypted traffic to the internet", []string{"cleartext-protocol"}, 5, 15},
	{"outdated TLS, weak cipher suites or bad certificates", []string{"weak-tls-version", "weak-tls-cipher", "weak-tls-used", "tls-certificate-self-signed", "tls-certificate-expired"}, 5, 15},
	{"ambiguous disclosures", []string{KindAmbiguous}, 5, 10},
	{"vague disclosures", []string{KindVague}, 2, 10},
	{"third parties (no declaration to check them against)", []string{"third-party-contact"}, 2, 10},
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
	s := &result.Score{Value: 100, Deductions: []result.Deduction{}}
	for _, c := range scoreClasses {
		var ids []string
		for _, k := range c.kinds {
			ids = append(ids, byKind[k]...)
		}
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
