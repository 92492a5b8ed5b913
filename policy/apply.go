package policy

import (
	"github.com/tattle-audit/tattle/result"
)

// Apply checks every device of a result against the declaration that
// applies to it (if any), adds the disclosure findings, and scores every
// device.
func Apply(res *result.Result, decls []*Declaration) {
	for i := range res.Devices {
		dev := &res.Devices[i]
		if d := Match(decls, dev); d != nil {
			dev.Policy = &result.PolicySummary{File: d.File, Vendor: d.Vendor, URL: d.PolicyURL, Date: d.PolicyDate, Matched: matchReason(d, dev)}
			dev.Findings = append(dev.Findings, Check(d, dev)...)
			dev.Findings = result.MergeFindings(dev.Findings, 10)
		}
		dev.Score = Score(dev)
		dev.Score.Partial = res.Stats.PayloadStripped()
	}
}

func matchReason(d *Declaration, dev *result.Device) string {
	switch s := matchScore(d, dev); {
	case s >= 10:
		return "device"
	case s >= 8:
		return "model"
	case s >= 6:
		return "oui"
	case s >= 4:
		return "vendor and type"
	case s >= 3:
		return "vendor"
	}
	return "type"
}

// Unused lists the declarations that applied to no device of a result, so
// the caller can warn: a policy given but matched to nothing (a MUD file
// without mfg-name, a vendor spelt differently) checks nothing.
func Unused(res *result.Result, decls []*Declaration) []*Declaration {
	used := map[*Declaration]bool{}
	for i := range res.Devices {
		if d := Match(decls, &res.Devices[i]); d != nil {
			used[d] = true
		}
	}
	var out []*Declaration
	for _, d := range decls {
		if !used[d] {
			out = append(out, d)
		}
	}
	return out
}
