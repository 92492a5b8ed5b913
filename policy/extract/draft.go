package extract

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tattle-audit/tattle/policy"
)

// UnknownVendor names the vendor of a policy that does not say who it is.
const UnknownVendor = "unknown vendor"

// isSupport says whether a recipient runs the service rather than
// receiving data for its own ends: processors and hosting.
func isSupport(a Actor) bool {
	if a.Kind == ActorEntity {
		return a.Name == policy.EntityServiceProviders
	}
	if a.Kind == ActorCategory {
		switch policy.CanonicalCategory(a.Name) {
		case "cloud", "cdn", "dns", "time", "payment":
			return true
		}
	}
	return false
}

func recipients(st *policy.Statement, actors []Actor) {
	for _, a := range actors {
		switch a.Kind {
		case ActorOrg:
			st.Organizations = appendNew(st.Organizations, a.Name)
		case ActorCategory:
			st.Categories = appendNew(st.Categories, a.Name)
		case ActorEntity:
			st.Entities = appendNew(st.Entities, a.Name)
		}
	}
}

func appendNew(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

// Declaration turns what was read into a declaration in tattle's format:
// first-party collection into `collection`, sharing (and collection by
// others) into `third_parties` or `service_providers`, negatives into
// `never`. Every statement keeps its sentence (quote) and place (source).
func (r *Result) Declaration() *policy.Declaration {
	vendor := r.Vendor
	if vendor == "" {
		vendor = UnknownVendor
	}
	d := &policy.Declaration{Version: 1, Vendor: vendor, File: r.File}
	// A policy that does not name its vendor applies to no device until
	// the user names it (--vendor) or binds it (devices:, --policy-for).
	d.AppliesTo.Vendors = []string{vendor}
	d.FirstParty.Organizations = append([]string(nil), r.FirstParty...)
	d.FirstParty.Domains = append([]string(nil), r.Domains...)
	if len(r.Encryption) > 0 {
		e := r.Encryption[0]
		d.Encryption = &policy.Encryption{InTransit: true, Quote: e.Sentence, Source: e.Location(r.File)}
	}
	for _, s := range r.Statements {
		st := policy.Statement{Data: append([]string(nil), s.Data...), Quote: s.Sentence, Source: s.Location(r.File), Action: s.Action, Modality: s.Modality}
		var others []Actor
		firstParty := false
		for _, a := range s.Actors {
			if a.Kind == ActorFirst {
				firstParty = true
			} else {
				others = append(others, a)
			}
		}
		if s.Negated && len(st.Data) == 1 && st.Data[0] == policy.PersonalInformation {
			// "We do not sell your personal information": any data. (A
			// never with data leaves encrypted traffic, whose content
			// tattle cannot see, unjudged; the umbrella term must not.)
			st.Data = nil
		}
		switch {
		case s.Negated && firstParty && s.Action == ActionCollect:
			if r.Vendor == "" {
				continue // a "never" about the first party needs its name
			}
			st.Organizations = append([]string(nil), r.FirstParty...)
			d.Never = append(d.Never, st)
		case s.Negated:
			recipients(&st, others)
			if len(others) > 0 {
				d.Never = append(d.Never, st)
			}
		case firstParty && s.Action == ActionCollect:
			d.Collection = append(d.Collection, st)
		case len(others) > 0:
			recipients(&st, others)
			support := true
			for _, a := range others {
				support = support && isSupport(a)
			}
			if support {
				d.ServiceProviders = append(d.ServiceProviders, st)
			} else {
				d.ThirdParties = append(d.ThirdParties, st)
			}
		}
	}
	return d
}

// comment makes a string safe for a YAML comment: valid UTF-8, one line.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// YAML writes the draft declaration, with a header saying where it came
// from and what to check.
func (r *Result) YAML() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Draft privacy declaration made by `tattle policy extract` from %s\n", comment(r.File))
	fmt.Fprintf(&b, "# (%s, %d sentences, %d statements). Every statement quotes its sentence\n", r.Format, r.Sentences, len(r.Statements))
	b.WriteString("# and says where it stands (source). Check it with `tattle policy explain`,\n")
	b.WriteString("# correct what tattle misread, and lint it with `tattle policy lint`.\n")
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "# warning: %s\n", comment(w))
	}
	var n yaml.Node
	_ = n.Encode(r.Declaration()) // a struct of strings always encodes
	flowLists(&n)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	_ = enc.Encode(&n)
	_ = enc.Close()
	return b.Bytes()
}

// flowLists writes lists of plain words on one line, as the examples do
// ("data: [device identifier, ip address]").
func flowLists(n *yaml.Node) {
	if n.Kind == yaml.SequenceNode {
		flow := len(n.Content) > 0
		for _, c := range n.Content {
			flow = flow && c.Kind == yaml.ScalarNode && len(c.Value) < 60
		}
		if flow {
			n.Style = yaml.FlowStyle
			return
		}
	}
	for _, c := range n.Content {
		flowLists(c)
	}
}
