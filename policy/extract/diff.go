package extract

import (
	"fmt"
	"sort"
	"strings"
)

// Change is a statement of one version whose meaning the other version
// lacks: the triples that are new (or gone), with the sentence.
type Change struct {
	Statement Statement
	File      string
	Triples   []Triple
}

// Diff is what changed between two versions of a policy.
type Diff struct {
	Old, New string
	Added    []Change
	Removed  []Change
	// Recipients and data types, per action ("share", "not sell", ...),
	// that one version names and the other does not.
	AddedRecipients, RemovedRecipients map[string][]string
	AddedData, RemovedData             map[string][]string
}

// Compare lists the statements added and removed between two versions of
// a policy, sentence by sentence: a sentence reworded without a change of
// meaning is no change; a sentence that adds a recipient or a data type is.
func Compare(old, cur *Result) *Diff {
	d := &Diff{Old: old.File, New: cur.File}
	d.Added = changes(cur, old)
	d.Removed = changes(old, cur)
	d.AddedRecipients, d.AddedData = vocabulary(cur, old)
	d.RemovedRecipients, d.RemovedData = vocabulary(old, cur)
	return d
}

func tripleSet(r *Result) map[Triple]bool {
	s := map[Triple]bool{}
	for _, st := range r.Statements {
		for _, t := range st.Triples() {
			s[t] = true
		}
	}
	return s
}

// changes are the statements of a whose triples b lacks.
func changes(a, b *Result) []Change {
	have := tripleSet(b)
	seen := map[Triple]bool{}
	var out []Change
	for _, st := range a.Statements {
		var ts []Triple
		for _, t := range st.Triples() {
			if !have[t] && !seen[t] {
				seen[t] = true
				ts = append(ts, t)
			}
		}
		if len(ts) > 0 {
			out = append(out, Change{Statement: st, File: a.File, Triples: ts})
		}
	}
	return out
}

// vocabulary lists, per action, the recipients and data types a names and
// b does not.
func vocabulary(a, b *Result) (map[string][]string, map[string][]string) {
	names := func(r *Result) (map[string]map[string]bool, map[string]map[string]bool) {
		rec, dat := map[string]map[string]bool{}, map[string]map[string]bool{}
		for _, st := range r.Statements {
			l := st.Label()
			if rec[l] == nil {
				rec[l], dat[l] = map[string]bool{}, map[string]bool{}
			}
			for _, ac := range st.Actors {
				rec[l][ac.String()] = true
			}
			for _, x := range st.Data {
				dat[l][x] = true
			}
		}
		return rec, dat
	}
	ar, ad := names(a)
	br, bd := names(b)
	minus := func(x, y map[string]map[string]bool) map[string][]string {
		out := map[string][]string{}
		for l, set := range x {
			for n := range set {
				if !y[l][n] {
					out[l] = append(out[l], n)
				}
			}
			sort.Strings(out[l])
		}
		for l, v := range out {
			if len(v) == 0 {
				delete(out, l)
			}
		}
		return out
	}
	return minus(ar, br), minus(ad, bd)
}

// Empty says whether the versions say the same.
func (d *Diff) Empty() bool { return len(d.Added) == 0 && len(d.Removed) == 0 }

// String lays the diff out for a terminal or a text file.
func (d *Diff) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", d.Old, d.New)
	if d.Empty() {
		b.WriteString("no statement added or removed\n")
		return b.String()
	}
	summary := func(sign, what string, m map[string][]string) {
		for _, l := range sortedKeys(m) {
			fmt.Fprintf(&b, "%s %s (%s): %s\n", sign, what, l, strings.Join(m[l], ", "))
		}
	}
	summary("+", "recipients", d.AddedRecipients)
	summary("-", "recipients", d.RemovedRecipients)
	summary("+", "data", d.AddedData)
	summary("-", "data", d.RemovedData)
	for _, set := range []struct {
		sign string
		cs   []Change
	}{{"+", d.Added}, {"-", d.Removed}} {
		for _, c := range set.cs {
			fmt.Fprintf(&b, "\n%s %s: %s\n", set.sign, c.Statement.Location(c.File), c.Statement.Describe())
			fmt.Fprintf(&b, "  %q\n", c.Statement.Sentence)
			var ts []string
			for _, t := range c.Triples {
				ts = append(ts, fmt.Sprintf("%s %s / %s", t.Action, t.Actor, t.Data))
			}
			fmt.Fprintf(&b, "  %s %s\n", map[string]string{"+": "new:", "-": "gone:"}[set.sign], strings.Join(ts, "; "))
		}
	}
	return b.String()
}
