package result

import (
	"fmt"

	"github.com/tattle-audit/tattle/internal/bigsort"
)

// MergeFindings sorts findings by ID and merges those with one ID: the
// same kind on one device and one named destination reached at several
// addresses is one finding (its ID is what baselines compare), with the
// evidence of each and a message that says how many addresses.
func MergeFindings(out []Finding, maxEvidence int) []Finding {
	bigsort.Slice(out, func(a, b *Finding) bool {
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return evidenceLess(a.Evidence, b.Evidence)
	})
	merged := out[:0]
	extra := 0
	for i := range out {
		if n := len(merged); n > 0 && merged[n-1].ID == out[i].ID {
			m := &merged[n-1]
			for _, e := range out[i].Evidence {
				if len(m.Evidence) < maxEvidence {
					m.Evidence = append(m.Evidence, e)
				}
			}
			extra++
			continue
		}
		if extra > 0 {
			merged[len(merged)-1].Message += fmt.Sprintf(" (%d more like it to the same destination at other addresses)", extra)
			extra = 0
		}
		merged = append(merged, out[i])
	}
	if extra > 0 {
		merged[len(merged)-1].Message += fmt.Sprintf(" (%d more like it to the same destination at other addresses)", extra)
	}
	return merged
}

func evidenceLess(a, b []Evidence) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := &a[i], &b[i]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Packet != y.Packet {
			return x.Packet < y.Packet
		}
	}
	return len(a) < len(b)
}
