package policy

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// Disclosure labels.
const (
	Clear        = "clear"
	Vague        = "vague"
	Omitted      = "omitted"
	Incorrect    = "incorrect"
	Ambiguous    = "ambiguous"
	Unclassified = "unclassified"
)

// Finding kinds of the policy stage (described in result.Kinds).
const (
	KindClear        = result.KindDisclosureClear
	KindVague        = result.KindDisclosureVague
	KindOmitted      = result.KindDisclosureOmitted
	KindIncorrect    = result.KindDisclosureIncorrect
	KindAmbiguous    = result.KindDisclosureAmbiguous
	KindUnclassified = result.KindDisclosureUnclassified
	KindMUD          = result.KindMUDViolation
	KindEncryption   = result.KindEncryptionContradicted
)

// norm is the knowledge base's name normaliser (lower case, punctuation
// and legal suffixes such as "LLC" dropped), so a declared organisation
// and an observed one compare as the knowledge base compares them.
func norm(s string) string { return fingerprints.NormalizeName(s) }

// sameOrg compares a declared organisation name with an observed one:
// equal after normalising, or one the start of the other ("Google" and
// "Google LLC").
func sameOrg(declared, observed string) bool {
	a, b := norm(declared), norm(observed)
	if a == "" || b == "" {
		return false
	}
	return a == b || strings.HasPrefix(b, a+" ") || strings.HasPrefix(a, b+" ")
}

// Match picks the declaration that applies to a device, the most
// specific first: model, then OUI, then vendor and type together, then
// vendor. It returns nil when none applies.
func Match(decls []*Declaration, dev *result.Device) *Declaration {
	var best *Declaration
	bestScore := 0
	for _, d := range decls {
		s := matchScore(d, dev)
		if s > bestScore {
			best, bestScore = d, s
		}
	}
	return best
}

func matchScore(d *Declaration, dev *result.Device) int {
	for _, m := range d.Devices {
		if dev.MAC != "" && strings.EqualFold(m, dev.MAC) {
			return 10 // bound by the user: ahead of every rule
		}
	}
	a := d.AppliesTo
	score := 0
	for _, m := range a.Models {
		if dev.Identity.Model.Value != "" && strings.Contains(norm(dev.Identity.Model.Value), norm(m)) {
			score = max(score, 8)
		}
	}
	for _, o := range a.OUIs {
		if dev.MAC != "" && strings.HasPrefix(strings.ToLower(dev.MAC), strings.ToLower(o)) {
			score = max(score, 6)
		}
	}
	vendorOK := false
	for _, v := range a.Vendors {
		if sameOrg(v, dev.Identity.Vendor.Value) || sameOrg(v, dev.OUIVendor) {
			vendorOK = true
		}
	}
	typeOK := false
	for _, t := range a.Types {
		if t == dev.Identity.Type.Value {
			typeOK = true
		}
	}
	switch {
	case vendorOK && typeOK:
		score = max(score, 4)
	case vendorOK && len(a.Types) == 0:
		score = max(score, 3)
	case typeOK && len(a.Vendors) == 0:
		score = max(score, 1)
	}
	if len(a.Models) > 0 && score < 8 && len(a.Vendors) == 0 && len(a.OUIs) == 0 {
		return 0 // a model-only declaration applies to that model only
	}
	return score
}

// flow is one observed (data type, recipient) pair.
type flow struct {
	dataType string
	dst      *result.Destination
	label    string // destination name or IP
	evidence []result.Evidence
}

// coverage is how one statement covers a flow.
type coverage struct {
	st          *Statement
	entityExact bool
	dataExact   bool
	negative    bool
}

func (d *Declaration) ref(line int) string {
	if line == 0 {
		return d.File
	}
	return fmt.Sprintf("%s:%d", d.File, line)
}

// recipientCovered says whether a statement's recipients include the
// destination, and whether by name (exact) or by a broader term.
func recipientCovered(st *Statement, dst *result.Destination, party string) (bool, bool) {
	for _, o := range st.Organizations {
		if sameOrg(o, dst.Organization) || (dst.Parent != "" && sameOrg(o, dst.Parent)) {
			return true, true
		}
	}
	for _, c := range st.Categories {
		if categoryAliases[strings.ToLower(c)] == dst.Category && dst.Category != "" {
			return true, false
		}
	}
	for _, e := range st.Entities {
		switch strings.ToLower(e) {
		case EntityAnyone:
			return true, false
		case EntityThirdParties, EntityPartners:
			if party == result.PartyThird || party == result.PartyUnclassified {
				return true, false
			}
		case EntityServiceProviders:
			if party == result.PartySupport {
				return true, false
			}
		case EntityAffiliates:
			if party == result.PartyFirst {
				return true, false
			}
		}
	}
	return false, false
}

func dataCovered(st *Statement, dataType string) (bool, bool) {
	if dataType == UnknownData {
		// tattle cannot see what encrypted traffic holds: a statement
		// that names the recipient covers it, whatever data it lists.
		return true, true
	}
	if len(st.Data) == 0 {
		// "We share information with X": any data, named only broadly.
		return true, dataType == UnknownData
	}
	for _, d := range st.Data {
		if ok, exact := dataCovers(d, dataType); ok {
			return true, exact || dataType == UnknownData
		}
	}
	return false, false
}

// Check holds a device's observed flows against a declaration and returns
// the disclosure findings.
func Check(d *Declaration, dev *result.Device) []result.Finding {
	if d.MUD {
		return checkMUD(d, dev)
	}
	var out []result.Finding
	flows := deviceFlows(dev)
	// A category is a service's, not its owner's: an organisation's
	// tracking hosts and its other hosts are separate findings.
	type key struct {
		org, data, label string
		tracker          bool
	}
	agg := map[key]*result.Finding{}
	ids := map[string]bool{}
	var order []key
	for _, f := range flows {
		party := f.dst.Party
		if d.isFirstPartyDomain(f.label) || d.isFirstPartyOrg(f.dst) {
			party = result.PartyFirst
		}
		label, line := Omitted, 0
		var cite *Statement
		switch party {
		case result.PartyUnclassified:
			label = Unclassified
		case result.PartyFirst:
			label, line, cite = d.checkCollection(f.dataType)
			if neg := d.negatives(f, party); len(neg) > 0 {
				label, cite = Incorrect, neg[0].st
				if label2 := strongest(d.positives(f, party, d.ThirdParties)); label2 != "" {
					label = Ambiguous
				}
			}
		default:
			pos := d.positives(f, party, d.ThirdParties)
			if party == result.PartySupport {
				pos = append(pos, d.positives(f, party, d.ServiceProviders)...)
			}
			neg := d.negatives(f, party)
			switch {
			case len(neg) > 0 && len(pos) > 0:
				label, cite = Ambiguous, neg[0].st
			case len(neg) > 0:
				label, cite = Incorrect, neg[0].st
			case len(pos) > 0:
				label = strongest(pos)
				cite = bestStatement(pos)
			}
		}
		ref := d.ref(line)
		if cite != nil {
			ref = d.stRef(cite)
		}
		org := f.dst.Organization
		if org == "" {
			org = f.label
		}
		k := key{org, f.dataType, label, trackerCategory(f.dst.Category)}
		if x := agg[k]; x != nil {
			if !strings.Contains(x.Destination, f.label) {
				x.Destination += ", " + f.label
			}
			if len(x.Evidence) < 10 {
				x.Evidence = append(x.Evidence, f.evidence...)
			}
			continue
		}
		fd := disclosureFinding(dev, party, org, f, label, ref)
		if cite != nil {
			fd.PolicyQuote = cite.Quote
		}
		if ids[fd.ID] {
			// the same organisation's other kind of service
			fd.ID = id(fd.Kind, dev.ID, org+"|"+f.dataType+"|"+f.dst.Category)
		}
		ids[fd.ID] = true
		agg[k] = &fd
		order = append(order, k)
	}
	for _, k := range order {
		out = append(out, *agg[k])
	}
	if e := d.Encryption; e != nil && e.InTransit {
		var ev []result.Evidence
		var names []string
		for _, f := range dev.Findings {
			if (f.Kind == result.KindCleartextProtocol || f.Kind == result.KindCleartextPersonal || f.Kind == result.KindCredentials) && f.Severity != result.SeverityInfo {
				ev = append(ev, f.Evidence...)
				if !slices.Contains(names, f.Destination) {
					names = append(names, f.Destination)
				}
			}
		}
		if len(ev) > 0 {
			out = append(out, result.Finding{
				ID: id(KindEncryption, dev.ID, d.File), Kind: KindEncryption, Severity: result.SeverityHigh,
				Title:      "Encryption claim contradicted",
				Message:    fmt.Sprintf("%s says data is encrypted in transit, but the device sends unencrypted traffic to %s.", d.Vendor, strings.Join(names, ", ")),
				Disclosure: Incorrect, PolicyRef: d.encRef(e), PolicyQuote: e.Quote, Evidence: capEvidence(ev),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func capEvidence(ev []result.Evidence) []result.Evidence {
	if len(ev) > 10 {
		return ev[:10]
	}
	return ev
}

func (d *Declaration) isFirstPartyDomain(name string) bool {
	for _, dom := range d.FirstParty.Domains {
		dom = strings.ToLower(strings.TrimPrefix(dom, "*."))
		if name == dom || strings.HasSuffix(name, "."+dom) {
			return true
		}
	}
	return false
}

func (d *Declaration) isFirstPartyOrg(dst *result.Destination) bool {
	for _, o := range d.FirstParty.Organizations {
		if sameOrg(o, dst.Organization) || (dst.Parent != "" && sameOrg(o, dst.Parent)) {
			return true
		}
	}
	return false
}

func (d *Declaration) encRef(e *Encryption) string {
	if e.Source != "" {
		return e.Source
	}
	return d.ref(e.Line)
}

// stRef is where a statement stands: its place in the policy text when
// the extractor recorded one, else its line in the declaration.
func (d *Declaration) stRef(st *Statement) string {
	if st.Source != "" {
		return st.Source
	}
	return d.ref(st.Line)
}

// checkCollection labels first-party collection of a data type, with the
// collection statement that decided it when there is one.
func (d *Declaration) checkCollection(dataType string) (string, int, *Statement) {
	if dataType == UnknownData {
		return Clear, d.firstLine, nil // talking to the vendor's own service is the product
	}
	best := Omitted
	var cite *Statement
	for _, c := range d.Collects {
		if ok, exact := dataCovers(c, dataType); ok {
			if exact {
				return Clear, d.collectsLine, nil
			}
			best = Vague
		}
	}
	for i := range d.Collection {
		st := &d.Collection[i]
		for _, c := range st.Data {
			if ok, exact := dataCovers(c, dataType); ok {
				if exact {
					return Clear, st.Line, st
				}
				if best != Vague || cite == nil {
					best, cite = Vague, st
				}
			}
		}
	}
	return best, d.collectsLine, cite
}

func (d *Declaration) positives(f flow, party string, list []Statement) []coverage {
	var out []coverage
	for i := range list {
		st := &list[i]
		re, rx := recipientCovered(st, f.dst, party)
		if !re {
			continue
		}
		dc, dx := dataCovered(st, f.dataType)
		if !dc {
			continue
		}
		out = append(out, coverage{st: st, entityExact: rx, dataExact: dx})
	}
	return out
}

func (d *Declaration) negatives(f flow, party string) []coverage {
	var out []coverage
	for i := range d.Never {
		st := &d.Never[i]
		re, _ := recipientCovered(st, f.dst, party)
		if !re {
			continue
		}
		// A negative statement about data only contradicts flows of that
		// data: "we never share your audio" says nothing of encrypted
		// traffic whose content tattle cannot see.
		if f.dataType == UnknownData && len(st.Data) > 0 {
			continue
		}
		if dc, _ := dataCovered(st, f.dataType); !dc {
			continue
		}
		out = append(out, coverage{st: st, negative: true})
	}
	return out
}

func strongest(cs []coverage) string {
	if len(cs) == 0 {
		return ""
	}
	for _, c := range cs {
		if c.entityExact && c.dataExact {
			return Clear
		}
	}
	return Vague
}

func bestStatement(cs []coverage) *Statement {
	for _, c := range cs {
		if c.entityExact && c.dataExact {
			return c.st
		}
	}
	return cs[0].st
}

// deviceFlows lists the (data type, recipient) pairs a device shows: the
// personal data found in its cleartext traffic, and for every internet
// destination the data tattle cannot see.
func deviceFlows(dev *result.Device) []flow {
	var out []flow
	byLabel := map[string]*result.Destination{}
	for i := range dev.Destinations {
		dst := &dev.Destinations[i]
		if dst.Local || dst.BytesOut == 0 {
			continue
		}
		label := dst.Name
		if label == "" {
			label = dst.IP
		}
		if _, dup := byLabel[label]; dup {
			continue
		}
		byLabel[label] = dst
		out = append(out, flow{dataType: UnknownData, dst: dst, label: label,
			evidence: []result.Evidence{dst.NameEvidence()}})
	}
	for _, f := range dev.Findings {
		if f.Kind != "cleartext-personal-data" && f.Kind != "cleartext-credentials" {
			continue
		}
		dst, ok := byLabel[f.Destination]
		if !ok {
			continue
		}
		out = append(out, flow{dataType: f.DataType, dst: dst, label: f.Destination, evidence: f.Evidence})
	}
	return out
}

// trackerCategory reports the categories about watching users (as
// fingerprints.IsTracker; policy reads only the result model).
func trackerCategory(c string) bool {
	switch c {
	case "advertising", "analytics", "tracking", "data-broker":
		return true
	}
	return false
}

func id(kind, dev, subject string) string {
	h := sha1.Sum([]byte(kind + "\x00" + dev + "\x00" + subject))
	return kind + ":" + hex.EncodeToString(h[:6])
}

func disclosureFinding(dev *result.Device, party, org string, f flow, label, ref string) result.Finding {
	kind := map[string]string{Clear: KindClear, Vague: KindVague, Omitted: KindOmitted, Incorrect: KindIncorrect, Ambiguous: KindAmbiguous, Unclassified: KindUnclassified}[label]
	sev := map[string]string{Clear: result.SeverityInfo, Vague: result.SeverityLow, Omitted: result.SeverityHigh, Incorrect: result.SeverityCritical,
		Ambiguous: result.SeverityMedium, Unclassified: result.SeverityInfo}[label]
	if label == Omitted && party != result.PartyThird {
		sev = result.SeverityLow // an undeclared CDN or the vendor's own collection
	}
	who := fmt.Sprintf("%s (%s party", org, party)
	if f.dst.Category != "" {
		who += ", " + f.dst.Category
	}
	who += ")"
	var msg, title string
	switch label {
	case Clear:
		title = "Disclosed: " + org
		msg = fmt.Sprintf("The declaration names %s and %s.", who, f.dataType)
	case Vague:
		title = "Vaguely disclosed: " + org
		msg = fmt.Sprintf("%s receives %s; the declaration covers it only with a broader term.", who, f.dataType)
	case Omitted:
		title = "Undisclosed recipient: " + org
		msg = fmt.Sprintf("%s receives %s, and no statement of the declaration covers it.", who, f.dataType)
	case Incorrect:
		title = "Contradicts the declaration: " + org
		msg = fmt.Sprintf("%s receives %s, which the declaration says never happens.", who, f.dataType)
	case Ambiguous:
		title = "Ambiguous disclosure: " + org
		msg = fmt.Sprintf("%s receives %s; the declaration both allows and denies it.", who, f.dataType)
	case Unclassified:
		title = "Unclassified recipient: " + f.label
		msg = fmt.Sprintf("%s receives %s; tattle does not know who runs it, so the declaration cannot be checked for it.", f.label, f.dataType)
	}
	return result.Finding{
		ID: id(kind, dev.ID, org+"|"+f.dataType), Kind: kind, Severity: sev, Title: title, Message: msg,
		Destination: f.label, Organization: org, DataType: f.dataType, Disclosure: label, PolicyRef: ref,
		Evidence: capEvidence(f.evidence),
	}
}

// checkMUD reports contact outside a MUD profile.
func checkMUD(d *Declaration, dev *result.Device) []result.Finding {
	var out []result.Finding
	for _, dst := range dev.Destinations {
		if dst.Local {
			continue
		}
		name := dst.Name
		allowed := false
		for _, a := range d.AllowedDomains {
			if name != "" && (name == a || strings.HasSuffix(name, "."+a)) {
				allowed = true
			}
		}
		if allowed {
			continue
		}
		label := name
		if label == "" {
			label = dst.IP
		}
		out = append(out, result.Finding{
			ID: id(KindMUD, dev.ID, label), Kind: KindMUD, Severity: result.SeverityMedium,
			Title:       "Contact outside the MUD profile: " + label,
			Message:     fmt.Sprintf("The manufacturer's MUD file allows %d names; %s (%s:%d) is not among them.", len(d.AllowedDomains), label, dst.IP, dst.Port),
			Destination: label, Organization: dst.Organization, PolicyRef: d.File,
			Evidence: []result.Evidence{dst.NameEvidence()},
		})
	}
	return out
}
