package extract

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/policy"
)

// Actions a statement can state.
const (
	ActionCollect = "collect"
	ActionShare   = "share"
	ActionSell    = "sell"
)

// Actor kinds.
const (
	ActorFirst    = "first party"
	ActorOrg      = "organization"
	ActorCategory = "category"
	ActorEntity   = "entity"
)

// Actor is who collects or receives data: the first party, a named
// organisation of the knowledge base, a category (advertising partners)
// or a generic entity (third parties, service providers).
type Actor struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Key is the actor's comparable name: "first party", "org:Google", a
// category folded to tattle's destination category ("advertisers" and
// "advertising partners" are both "category:advertising"), or an entity.
func (a Actor) Key() string {
	switch a.Kind {
	case ActorFirst:
		return ActorFirst
	case ActorOrg:
		return "org:" + fingerprints.NormalizeName(a.Name)
	case ActorCategory:
		return "category:" + policy.CanonicalCategory(a.Name)
	}
	return a.Name
}

func (a Actor) String() string {
	if a.Kind == ActorFirst {
		return ActorFirst
	}
	return a.Name
}

// Statement is one thing a policy sentence says.
type Statement struct {
	Action   string   `json:"action"`
	Negated  bool     `json:"negated,omitempty"`
	Modality string   `json:"modality"`
	Actors   []Actor  `json:"actors"`
	Data     []string `json:"data"`
	Sentence string   `json:"sentence"`
	// LeadIn is the sentence that introduces a list item ("We collect:").
	LeadIn   string   `json:"lead_in,omitempty"`
	Line     int      `json:"line"`
	Headings []string `json:"headings,omitempty"`
	Index    int      `json:"index"` // sentence number within its section
	// FromHeading marks a statement whose action comes from the heading.
	FromHeading bool `json:"from_heading,omitempty"`
}

// Label is the action with its negation: "collect", "not share", ...
func (s Statement) Label() string {
	if s.Negated {
		return "not " + s.Action
	}
	return s.Action
}

// Location is where the sentence stands: "file:line", with the heading
// path and sentence number when there are headings.
func (s Statement) Location(file string) string {
	return fmt.Sprintf("%s:%d", file, s.Line)
}

// Section is the heading path and sentence number: "Sharing > Advertising, sentence 2".
func (s Statement) Section() string {
	if len(s.Headings) == 0 {
		return fmt.Sprintf("sentence %d", s.Index)
	}
	return fmt.Sprintf("%s, sentence %d", strings.Join(s.Headings, " > "), s.Index)
}

// Triple is one (action, actor, data type) of a statement, the unit of
// evaluation.
type Triple struct{ Action, Actor, Data string }

// Triples expands a statement: one per actor and data type.
func (s Statement) Triples() []Triple {
	var out []Triple
	for _, a := range s.Actors {
		for _, d := range s.Data {
			out = append(out, Triple{s.Label(), a.Key(), d})
		}
	}
	return out
}

// Result is what the extractor read from one policy.
type Result struct {
	File       string      `json:"file"`
	Format     string      `json:"format"`
	Vendor     string      `json:"vendor,omitempty"`
	FirstParty []string    `json:"first_party,omitempty"`
	Domains    []string    `json:"domains,omitempty"`
	Statements []Statement `json:"statements"`
	// Encryption lists the sentences that claim encryption in transit.
	Encryption []Statement `json:"encryption,omitempty"`
	Sentences  int         `json:"sentences"`
	Warnings   []string    `json:"warnings,omitempty"`
}

// Options tune extraction.
type Options struct {
	// Vendor names the first party when the text does not say it clearly.
	Vendor string
	// KB resolves organisation names; nil is the embedded knowledge base.
	KB *fingerprints.KB
}

// Extract reads a privacy policy (HTML, Markdown, plain text, or PDF with
// pdftotext) and returns its statements. A text with no statement is no
// error: the result carries a warning.
func Extract(name string, data []byte, opts Options) (*Result, error) {
	name = strings.ToValidUTF8(name, "\uFFFD")
	blocks, format, err := readBlocks(name, data)
	if err != nil {
		return nil, err
	}
	lx := defaultLexicon()
	kb := opts.KB
	if kb == nil {
		kb = fingerprints.DefaultKB()
	} else {
		lx = compile(lx.rules, kb)
	}
	sents := sentencesOf(blocks)
	res := &Result{File: name, Format: format, Sentences: len(sents)}
	res.Vendor, res.FirstParty = findVendor(blocks, sents, lx, kb, opts.Vendor)
	res.Domains = findDomains(blocks, res.FirstParty)
	first := map[string]bool{}
	for _, f := range res.FirstParty {
		first[fingerprints.NormalizeName(f)] = true
		first[strings.Join(stemWords(f), " ")] = true
	}
	for _, s := range sents {
		res.Statements = append(res.Statements, lx.statements(s, first)...)
		if lx.encryptionClaim(s.text) {
			res.Encryption = append(res.Encryption, Statement{Sentence: s.text, Line: s.line, Headings: s.headings, Index: s.index, LeadIn: s.leadIn})
		}
	}
	switch {
	case len(sents) == 0:
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no text found", name))
	case len(res.Statements) == 0:
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no statement of collection or sharing found in %d sentences (is it a privacy policy?)", name, len(sents)))
	}
	if res.Vendor == "" && len(res.Statements) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: the vendor is not named clearly; give it with --vendor", name))
	}
	return res, nil
}

var (
	// "Roku, Inc. ("Roku", "we")": the name before the brackets.
	weQuote = regexp.MustCompile(`([A-Z][\p{L}0-9&.'\- ]{1,60}?)(?:,? (?:Inc|LLC|Ltd|Limited|Corp|Corporation|GmbH|B\.V|AG|S\.A|plc|Pty Ltd|DAC)\.?)?,?\s*\(\s*(?:together |collectively |hereinafter )?(?:referred to as )?,?\s*(?:["“'][^"”'()]{1,30}["”'],?\s*(?:or\s+)?)?(?:"|“|')?(?:we|us|our|the company)\b`)
	// "(together "Blink," "we" or "us")": the quoted name in them.
	weQuoted   = regexp.MustCompile(`\([^()]{0,60}?["“']([\p{L}0-9&.'\- ]{2,40}?),?["”'],?\s*(?:or\s+)?["“']?(?:we|us|our)\b`)
	titleWords = regexp.MustCompile(`(?i)\b(?:additional |global |online |customer |consumer |website )?(?:privacy|cookie|data protection)(?: and cookie)? (?:policy|notice|statement|center|centre)\b|\blegal\b|\bprivacy\b`)
	titleSep   = regexp.MustCompile(`\s*[|«»–—:]\s*|\s+-\s+`)
)

var genericNames = map[string]bool{"we": true, "us": true, "our": true, "company": true, "the company": true, "group": true, "the group": true,
	"you": true, "your": true, "policy": true, "services": true, "service": true, "site": true, "sites": true, "privacy": true, "": true}

// findVendor names the first party: the name a policy gives itself
// ("Roku, Inc. ("Roku", "we")"), the organisation of the knowledge base
// its title names, else the one it names most often; the caller's name
// comes first.
func findVendor(blocks []block, sents []sentence, lx *lexicon, kb *fingerprints.KB, given string) (string, []string) {
	var names []string
	vendor := ""
	addName := func(n string) {
		n = strings.Trim(strings.TrimSpace(n), ",.")
		n = strings.TrimPrefix(strings.TrimPrefix(n, "The "), "the ")
		// "Ubiquiti Inc. and its subsidiaries": the name only.
		for _, cut := range []string{" and its ", " and our ", ", its ", " and their ", " together with "} {
			if i := strings.Index(n, cut); i > 0 {
				n = n[:i]
			}
		}
		if genericNames[strings.ToLower(n)] {
			return
		}
		if w := strings.Fields(n); len(w) == 0 || len(w) > 6 || fingerprints.NormalizeName(n) == "" {
			return
		}
		for _, x := range names {
			if strings.EqualFold(x, n) {
				return
			}
		}
		names = append(names, n)
	}
	resolve := func(n string) bool {
		o, ok := kb.OrgByName(n)
		if !ok {
			return false
		}
		if vendor == "" {
			vendor = o.Name
		}
		addName(o.Name)
		if o.Parent != "" {
			if p, ok := kb.Org(o.Parent); ok {
				addName(p.Name)
			}
		}
		return true
	}
	if given != "" {
		addName(given)
		vendor = given
		resolve(given)
	}
	found := false
	for _, s := range sents[:min(len(sents), 60)] {
		for _, re := range []*regexp.Regexp{weQuoted, weQuote} {
			if m := re.FindStringSubmatch(s.text); m != nil && !genericNames[strings.ToLower(strings.TrimSpace(m[1]))] {
				before := len(names)
				addName(m[1])
				resolve(m[1])
				found = len(names) > before
				break
			}
		}
		if found {
			break
		}
	}
	// The page title: "Privacy Policy | Blink", "privacy « ecobee",
	// "Canary Privacy Policy": the first heading that names a policy.
	if vendor == "" {
		title := ""
		for _, b := range blocks[:min(len(blocks), 12)] {
			if b.heading && titleWords.MatchString(b.text) {
				title = b.text
				break
			}
		}
		for _, part := range titleSep.Split(title, -1) {
			if resolve(part) {
				break
			}
		}
		if vendor == "" && len(names) == 0 {
			for _, part := range titleSep.Split(title, -1) {
				rest := strings.TrimSpace(titleWords.ReplaceAllString(part, ""))
				if w := strings.Fields(rest); len(w) >= 1 && len(w) <= 3 && !genericNames[strings.ToLower(rest)] {
					addName(rest)
					break
				}
			}
		}
	}
	if len(names) == 0 {
		count := map[string]int{}
		for _, b := range blocks {
			for _, m := range lx.mentions(tokenize(b.text)) {
				if m.kind == kindOrg {
					count[m.value]++
				}
			}
		}
		best, bestN := "", 2
		for _, o := range sortedKeys(count) {
			if count[o] > bestN {
				best, bestN = o, count[o]
			}
		}
		if best != "" {
			resolve(best)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	if vendor == "" {
		vendor = names[0]
	}
	return vendor, names
}

var domainRe = regexp.MustCompile(`(?i)\b(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:com|net|org|io|co|tv|eu|de|uk|au|nz|ca|cn|jp|fr|it|es|nl|me|us|info|biz|is|ie|mi|xyz|app|cloud|home))\b`)

// findDomains lists the web domains in the text that carry a first-party
// name ("roku.com" for Roku).
func findDomains(blocks []block, names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range blocks {
		for _, m := range domainRe.FindAllStringSubmatch(b.text, -1) {
			d := strings.ToLower(m[1])
			labels := strings.Split(d, ".")
			if len(labels) < 2 {
				continue
			}
			reg := strings.Join(labels[max(0, len(labels)-2):], ".")
			if len(labels) >= 3 && (labels[len(labels)-2] == "co" || labels[len(labels)-2] == "com") {
				reg = strings.Join(labels[len(labels)-3:], ".")
			}
			owner := strings.ReplaceAll(strings.Split(reg, ".")[0], "-", "")
			for _, n := range names {
				for _, w := range strings.Fields(fingerprints.NormalizeName(n)) {
					if len(w) >= 3 && strings.Contains(owner, w) && !seen[reg] {
						seen[reg] = true
						out = append(out, reg)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// context is what a heading path says: an action and actors.
type headingContext struct {
	action  string
	negated bool
	actors  []Actor
}

func (lx *lexicon) heading(hs []string, first map[string]bool) headingContext {
	var hc headingContext
	for _, h := range hs {
		toks := tokenize(h)
		ms := lx.mentions(toks)
		covered := coveredSet(ms)
		for i, t := range toks {
			if covered[i] {
				continue
			}
			if a, ok := lx.verbs[t.word]; ok {
				hc.action = a
				hc.negated = false
				for j := max(0, i-3); j < i; j++ {
					if lx.negation[toks[j].word] {
						hc.negated = true
					}
				}
			}
		}
		var actors []Actor
		for _, m := range ms {
			if a, ok := actorOf(m, first); ok && a.Kind != ActorFirst {
				actors = append(actors, a)
			}
		}
		if len(actors) > 0 {
			hc.actors = actors
		}
	}
	return hc
}

func coveredSet(ms []mention) map[int]bool {
	c := map[int]bool{}
	for _, m := range ms {
		for i := m.from; i < m.to; i++ {
			c[i] = true
		}
	}
	return c
}

func actorOf(m mention, first map[string]bool) (Actor, bool) {
	switch m.kind {
	case kindFirst:
		return Actor{Kind: ActorFirst}, true
	case kindOrg:
		if first[fingerprints.NormalizeName(m.value)] {
			return Actor{Kind: ActorFirst}, true
		}
		return Actor{Kind: ActorOrg, Name: m.value}, true
	case kindActor:
		if entities[m.value] {
			return Actor{Kind: ActorEntity, Name: m.value}, true
		}
		return Actor{Kind: ActorCategory, Name: m.value}, true
	}
	return Actor{}, false
}

// verbAt is an action verb found in a sentence.
type verbAt struct {
	action string
	word   string
	pos    int
	end    int
}

var prepositions = map[string]bool{"by": true, "to": true, "for": true, "in": true, "on": true, "with": true, "as": true, "only": true, "of": true}

// verbLead are the words after which an -ing word is a verb: pronouns,
// auxiliaries, prepositions, conjunctions, adverbs of the kind policies use.
var verbLead = map[string]bool{"we": true, "they": true, "you": true, "it": true, "is": true, "are": true, "be": true, "been": true, "was": true,
	"were": true, "am": true, "not": true, "also": true, "by": true, "for": true, "of": true, "and": true, "or": true, "to": true, "in": true,
	"when": true, "while": true, "after": true, "before": true, "without": true, "from": true, "about": true, "on": true, "as": true,
	"including": true, "include": true, "includes": true, "with": true, "automatically": true, "actively": true, "continue": true,
	"start": true, "stop": true, "begin": true, "keep": true, "may": true, "will": true, "can": true, "then": true, "us": true}

func mentionEndingAt(ms []mention, pos int) *mention {
	for i := range ms {
		if ms[i].to == pos {
			return &ms[i]
		}
	}
	return nil
}

// weakShare verbs say "share" only with a named recipient: "provide" in
// "we provide our services" is no sharing.
var weakShare = map[string]bool{"provide": true, "provides": true, "provided": true, "providing": true, "give": true, "gives": true,
	"gave": true, "given": true, "giving": true, "send": true, "sends": true, "sent": true, "sending": true, "pass": true, "passed": true,
	"passes": true, "report": true, "reported": true, "release": true, "released": true, "releases": true, "transmit": true,
	"transmits": true, "transmitted": true, "transmitting": true, "sync": true, "reveal": true, "revealed": true, "furnish": true, "furnished": true}

var beWords = map[string]bool{"be": true, "is": true, "are": true, "was": true, "were": true, "been": true, "being": true, "get": true, "gets": true}

func (lx *lexicon) hasPhrase(words string, list []string) bool {
	for _, p := range list {
		if strings.Contains(words, " "+p+" ") {
			return true
		}
	}
	return false
}

// statements reads one sentence.
func (lx *lexicon) statements(s sentence, first map[string]bool) []Statement {
	text := s.text
	if strings.HasSuffix(text, "?") || len(text) > 2000 {
		return nil
	}
	toks := tokenize(text)
	var words strings.Builder
	words.WriteString(" ")
	for _, t := range toks {
		words.WriteString(t.word + " ")
	}
	w := words.String()
	if lx.hasPhrase(w, lx.rules.NotStatements) {
		return nil
	}
	ms := lx.mentions(toks, first)
	// Data named as not personal ("aggregated information") is dropped,
	// and so is a statement about nothing else.
	notPersonal := false
	kept := ms[:0:0]
	for _, m := range ms {
		if m.kind == kindData && lx.notPersonal(toks, m.from) {
			notPersonal = true
			continue
		}
		kept = append(kept, m)
	}
	ms = kept
	covered := coveredSet(ms)
	// Verbs: single words not inside a phrase of the lexicon ("log data"
	// is data, not logging), and multi-word verbs.
	var verbs []verbAt
	for i, t := range toks {
		if covered[i] || t.punct {
			continue
		}
		if i+1 < len(toks) {
			if a, ok := lx.multiVerb[t.word+" "+toks[i+1].word]; ok {
				verbs = append(verbs, verbAt{a, t.word, i, i + 2})
				continue
			}
		}
		if a, ok := lx.verbs[t.word]; ok {
			verbs = append(verbs, verbAt{a, t.word, i, i + 1})
			continue
		}
		// "use your IP address": "use" collects when data follows it.
		if (t.word == "use" || t.word == "uses" || t.word == "used") && i+1 < len(toks) && !prepositions[toks[i+1].word] {
			for _, m := range ms {
				if m.kind == kindData && m.from > i && m.from <= i+3 && !toks[i+1].punct {
					verbs = append(verbs, verbAt{ActionCollect, t.word, i, i + 1})
					break
				}
			}
		}
	}
	// "(but not your name or email address)": data the statement excludes.
	excluded := map[int]bool{}
	for i := range toks {
		cue := 0
		switch {
		case toks[i].word == "but" && i+1 < len(toks) && toks[i+1].word == "not":
			cue = 2
		case toks[i].word == "not" && i+1 < len(toks) && toks[i+1].word == "including":
			cue = 2
		case toks[i].word == "excluding":
			cue = 1
		}
		if cue == 0 {
			continue
		}
		for j := i + cue; j < len(toks) && toks[j].word != ")" && toks[j].word != ";"; j++ {
			excluded[j] = true
		}
	}
	dataIn := func(from, to int, ex bool) []string {
		var out []string
		for _, m := range ms {
			if m.kind == kindData && m.from >= from && m.from < to && excluded[m.from] == ex {
				out = append(out, m.value)
			}
		}
		return narrowest(out)
	}
	data := dataIn(0, len(toks), false)
	// "non-personal information including environmental data": what
	// follows the phrase in its clause is no personal data either.
	for _, p := range lx.rules.NotPersonalPhrases {
		ws := strings.Fields(p)
		for i := 0; i+len(ws) <= len(toks); i++ {
			match := true
			for k, x := range ws {
				if toks[i+k].word != x {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			notPersonal = true
			kept := ms[:0:0]
			for _, m := range ms {
				if m.kind == kindData && m.from >= i && !clauseBreak(toks, i, m.from) {
					continue
				}
				kept = append(kept, m)
			}
			ms = kept
		}
	}
	covered = coveredSet(ms)
	data = dataIn(0, len(toks), false)
	if len(data) == 0 && notPersonal {
		return nil
	}
	hc := lx.heading(s.headings, first)
	mk := func(action string, neg bool, modality string, actors []Actor) Statement {
		return Statement{Action: action, Negated: neg, Modality: modality, Actors: dedupActors(actors), Data: append([]string(nil), data...),
			Sentence: text, LeadIn: s.leadIn, Line: s.line, Headings: s.headings, Index: s.index}
	}
	var out []Statement
	// fromContext reads a sentence with no verb of its own, or whose
	// verbs say nothing, from its heading: "Device information, such as
	// ..." under "Information We Collect".
	fromContext := func() []Statement {
		ctx := hc
		if ctx.action == "" || ctx.negated {
			return nil
		}
		// The sentence opens with what it is about: "Device information,
		// such as ...", "Advertising partners. ..." (not "Acme is ...").
		startsWith := false
		for _, m := range ms {
			if m.kind == kindData || m.kind == kindActor || m.kind == kindOrg {
				startsWith = m.from <= 2
				break
			}
		}
		if (!s.item || !s.first) && !startsWith && (ctx.action != ActionCollect || len(data) < 2) {
			return nil
		}
		var actors []Actor
		for _, m := range ms {
			if a, ok := actorOf(m, first); ok && a.Kind != ActorFirst {
				actors = append(actors, a)
			}
		}
		switch ctx.action {
		case ActionCollect:
			if len(data) == 0 || len(actors) > 0 {
				return nil
			}
			st := mk(ActionCollect, false, "does", []Actor{{Kind: ActorFirst}})
			st.FromHeading = true
			return []Statement{st}
		default:
			if len(actors) == 0 {
				return nil
			}
			if len(data) == 0 {
				data = []string{policy.PersonalInformation}
			}
			st := mk(ctx.action, false, "does", actors)
			st.FromHeading = true
			return []Statement{st}
		}
	}
	if len(verbs) == 0 {
		if s.leadIn != "" && s.first {
			// A list item after "We, and our partners, collect:" reads as
			// the end of that sentence.
			// Only the lead-in's last clause introduces the list: "We do not
			// sell your data, and we limit disclosure as listed below:".
			lead := s.leadIn
			for _, cut := range []string{"; ", " and we ", ", and we "} {
				if i := strings.LastIndex(lead, cut); i > 0 {
					lead = lead[i+len(cut):]
				}
			}
			v := sentence{text: lead + " " + s.text, line: s.line, index: s.index, headings: s.headings}
			if sts := lx.statements(v, first); len(sts) > 0 {
				for i := range sts {
					sts[i].Sentence, sts[i].LeadIn, sts[i].FromHeading = s.text, s.leadIn, true
				}
				return sts
			}
		}
		return fromContext()
	}
	exception := lx.hasPhrase(w, lx.rules.Exceptions)
	// Verbs whose subject is the user ("if you provide ...") do not cut the
	// sentence into clauses for the data of the others.
	userVerb := make([]bool, len(verbs))
	for vi, v := range verbs {
		for _, m := range ms {
			if m.to <= v.pos && m.kind != kindData && m.kind != kindNone && !clauseBreak(toks, m.to, v.pos) {
				userVerb[vi] = m.kind == kindUser
			}
		}
	}
	bounds := func(a, b int) bool { return !coordinated(toks, verbs[a].end, verbs[b].pos) }
	allData := data
	var prev *verbAt
	prevNeg, prevSubj := false, -1
	for vi := range verbs {
		v := verbs[vi]
		// Subject: the nearest actor, first-party or user word to the left
		// within the clause.
		subj := -1
		var subjTerm mention
		subjIdx := -1
		for mi, m := range ms {
			if m.to <= v.pos && m.kind != kindData && m.kind != kindNone {
				if !clauseBreak(toks, m.to, v.pos) {
					subj, subjTerm, subjIdx = m.from, m, mi
				}
			}
		}
		// "We, and our third party partners, collect": every actor of a
		// coordinated subject.
		var subjects []mention
		if subjIdx >= 0 {
			subjects = append(subjects, subjTerm)
			for mi := subjIdx - 1; mi >= 0; mi-- {
				m := ms[mi]
				// "A, B and C": the join nearest the verb needs its
				// conjunction, those before it may be commas.
				if m.kind == kindData || m.kind == kindNone || m.kind == kindUser || !conjoined(toks, m.to, subjects[len(subjects)-1].from, len(subjects) > 1) {
					break
				}
				subjects = append(subjects, m)
			}
		}
		neg := negatedBefore(lx, toks, v.pos, max(subj, 0))
		// Coordinated verbs share subject and negation: "sell, rent or share".
		if prev != nil && coordinated(toks, prev.end, v.pos) {
			neg = neg || prevNeg
			if subj < 0 || subj < prevSubj {
				subj = prevSubj
				for _, m := range ms {
					if m.from == subj {
						subjTerm = m
					}
				}
			}
		}
		prev, prevNeg, prevSubj = &verbs[vi], neg, subj
		passive := v.pos > 0 && (beWords[toks[v.pos-1].word] || (v.pos > 1 && beWords[toks[v.pos-2].word]))
		if !passive && v.pos > 0 && covered[v.pos-1] && strings.HasSuffix(v.word, "ed") {
			for _, m := range ms {
				if m.to == v.pos && m.kind == kindData {
					passive = true // "information collected by ..."
				}
			}
		}
		if passive {
			subj, subjects = -1, nil
		}
		modality := "does"
		for j := max(0, v.pos-4); j < v.pos; j++ {
			if m, ok := lx.modality[toks[j].word]; ok {
				modality = m
			}
		}
		if neg && exception {
			continue // "we do not share ... except": a conditional
		}
		if subj < 0 && !passive && strings.HasSuffix(v.word, "ing") {
			continue // a gerund with no subject: "sharing clips may affect"
		}
		if strings.HasSuffix(v.word, "ing") && v.pos > 0 && !toks[v.pos-1].punct && !verbLead[toks[v.pos-1].word] {
			// A noun: "credit card processing", "the sharing of", "payment
			// processing" (after a pronoun, an auxiliary, "to" or "by" it is
			// a verb).
			if m := mentionEndingAt(ms, v.pos); m == nil || (m.kind != kindFirst && m.kind != kindUser) {
				continue
			}
		}
		// The verb's data: what stands in its clause, between the verbs
		// around it, else anything the sentence names ("... and share it").
		from, to := 0, len(toks)
		for pj := vi - 1; pj >= 0; pj-- {
			if !userVerb[pj] && bounds(pj, pj+1) {
				from = verbs[pj].end
				break
			}
		}
		for nj := vi + 1; nj < len(verbs); nj++ {
			if !userVerb[nj] && bounds(nj-1, nj) {
				to = verbs[nj].pos
				break
			}
		}
		for j := v.pos - 1; j >= from; j-- {
			if toks[j].word == ";" {
				from = j + 1
				break
			}
		}
		for j := v.end; j < to; j++ {
			if toks[j].word == ";" {
				to = j
				break
			}
		}
		data = dataIn(from, to, false)
		if len(data) == 0 {
			data = allData
		} else if len(data) == 1 && data[0] == policy.PersonalInformation && !neg &&
			(strings.Contains(w, " such as ") || strings.Contains(w, " including ") || strings.Contains(w, " e g ")) {
			// "we may collect certain types of your data in order to
			// provide the services, such as videos": the list, in the same
			// clause, names what the umbrella term holds.
			cf, ct := 0, len(toks)
			for j := v.pos - 1; j >= 0; j-- {
				if toks[j].word == ";" {
					cf = j + 1
					break
				}
			}
			for j := v.end; j < len(toks); j++ {
				if toks[j].word == ";" {
					ct = j
					break
				}
			}
			data = dataIn(cf, ct, false)
		}
		// "collect information about you": information in general.
		if len(data) == 0 && !notPersonal {
			for j := v.end; j < min(len(toks), v.end+4); j++ {
				if toks[j].word == "information" || toks[j].word == "data" {
					data = []string{policy.PersonalInformation}
				}
			}
		}
		exData := dataIn(from, to, true)
		// Recipients: actors to the right of the verb, up to the next verb
		// of a different clause; not those after "from".
		var right []Actor
		var by []Actor
		limit := len(toks)
		for nj := vi + 1; nj < len(verbs); nj++ {
			nv := verbs[nj]
			// "share information collected from the device with X": a
			// participle after its data is no new clause.
			reduced := nv.pos > 0 && covered[nv.pos-1] && strings.HasSuffix(nv.word, "ed")
			if !reduced && !coordinated(toks, verbs[nj-1].end, nv.pos) {
				limit = nv.pos
				break
			}
		}
		for _, m := range ms {
			if m.from < v.end || m.from >= limit {
				continue
			}
			a, ok := actorOf(m, first)
			if !ok {
				continue
			}
			// The preposition before the actor, past determiners and
			// other actors: "from Roku and its partners".
			prevWord := ""
			for j := m.from - 1; j >= v.end; j-- {
				wd := toks[j].word
				if covered[j] || wd == "our" || wd == "the" || wd == "its" || wd == "their" || wd == "other" || wd == "and" || wd == "or" || wd == "," || wd == "certain" || wd == "some" || wd == "any" {
					continue
				}
				prevWord = wd
				break
			}
			switch prevWord {
			case "from", "about":
				continue
			case "by":
				if m.from-v.end <= 3 {
					by = append(by, a) // "collected by Google"
					continue
				}
			}
			if a.Kind == ActorFirst {
				continue
			}
			if m.kind == kindUser {
				continue
			}
			right = append(right, a)
		}
		subjActor, hasSubj := Actor{}, false
		if subj >= 0 {
			subjActor, hasSubj = actorOf(subjTerm, first)
			if subjTerm.kind == kindUser {
				hasSubj = false
			}
		}
		userSubj := subj >= 0 && subjTerm.kind == kindUser
		// "X provides us with your name": we collect what others give us.
		toUs := v.action == ActionShare && v.end < len(toks) && toks[v.end].word == "us"
		switch {
		case toUs && !userSubj:
			if neg || len(data) == 0 {
				continue
			}
			out = append(out, mk(ActionCollect, false, modality, []Actor{{Kind: ActorFirst}}))
		case userSubj && lx.userVerbs[v.word]:
			// "information you provide to us", "you give us your name":
			// the first party collects.
			toUs := false
			for j := v.end; j < min(len(toks), v.end+3); j++ {
				if toks[j].word == "us" {
					toUs = true
				}
			}
			for _, m := range ms {
				if m.kind == kindData && m.to == subj {
					toUs = true
				}
			}
			if neg || len(data) == 0 || len(right) > 0 || !toUs {
				continue
			}
			out = append(out, mk(ActionCollect, false, modality, []Actor{{Kind: ActorFirst}}))
		case userSubj:
			continue
		case v.action == ActionCollect:
			actor := Actor{Kind: ActorFirst}
			switch {
			case passive && len(by) > 0:
				actor = by[0]
			case hasSubj && len(subjects) > 1:
				if len(data) == 0 {
					continue
				}
				var as []Actor
				for _, m := range subjects {
					if a, ok := actorOf(m, first); ok {
						as = append(as, a)
					}
				}
				out = append(out, mk(ActionCollect, neg, modality, as))
				continue
			case hasSubj:
				actor = subjActor
			case !passive && subj < 0 && len(hc.actors) > 0 && hc.action == "":
				// "These features may collect your IP address" under
				// "Social Media Features".
				actor = hc.actors[0]
			}
			if len(data) == 0 {
				continue
			}
			out = append(out, mk(ActionCollect, neg, modality, []Actor{actor}))
			if len(exData) > 0 && !neg {
				// "... collect your IP address (but not your name)"
				st := mk(ActionCollect, true, modality, []Actor{actor})
				st.Data = exData
				out = append(out, st)
			}
		default: // share, sell
			if hasSubj && subjActor.Kind != ActorFirst {
				continue // others' sharing is not the vendor's statement
			}
			recips := right
			if len(recips) == 0 && !passive {
				recips = nil
			}
			if weakShare[v.word] && v.end < len(toks) && (toks[v.end].word == "you" || toks[v.end].word == "it") {
				continue // "send you emails", "provide you with"
			}
			if len(recips) == 0 {
				if weakShare[v.word] {
					continue
				}
				recips = hc.actors
			}
			if len(recips) == 0 {
				recips = []Actor{{Kind: ActorEntity, Name: policy.EntityThirdParties}}
			}
			st := mk(v.action, neg, modality, recips)
			if len(st.Data) == 0 {
				if !strings.Contains(w, " information ") && !strings.Contains(w, " data ") && !strings.Contains(w, " it ") && !strings.Contains(w, " them ") {
					continue
				}
				st.Data = []string{policy.PersonalInformation}
			}
			out = append(out, st)
		}
	}
	if len(out) == 0 && s.item {
		return fromContext() // "Third parties as required to satisfy any law ..."
	}
	return mergeStatements(out)
}

// encryptionClaim says whether a sentence claims encryption in transit:
// "We use encryption to protect your information in transit."
func (lx *lexicon) encryptionClaim(text string) bool {
	toks := tokenize(text)
	var b strings.Builder
	b.WriteString(" ")
	enc := false
	for i, t := range toks {
		b.WriteString(t.word + " ")
		if slices.Contains(lx.rules.Encryption, t.word) {
			enc = true
			if negatedBefore(lx, toks, i, 0) {
				return false
			}
		}
	}
	w := b.String()
	return enc && lx.hasPhrase(w, lx.rules.InTransit) && !lx.hasPhrase(w, lx.rules.NotStatements) && !strings.HasSuffix(text, "?")
}

// notPersonal says whether the words before a data phrase make it no
// personal data: "aggregated", "non-personal", "anonymous".
func (lx *lexicon) notPersonal(toks []token, pos int) bool {
	for j := max(0, pos-3); j < pos; j++ {
		w := toks[j].word
		if j+1 < pos {
			if slices.Contains(lx.rules.NotPersonal, w+" "+toks[j+1].word) {
				return true
			}
		}
		if slices.Contains(lx.rules.NotPersonal, w) {
			return true
		}
	}
	return false
}

// conjoined says whether two mentions are joined by a conjunction, with
// only commas and determiners besides: "We, and our partners" (not
// "Facebook or Google, we", where the comma ends a clause).
func conjoined(toks []token, from, to int, commaEnough bool) bool {
	conj := false
	for i := from; i < to; i++ {
		switch toks[i].word {
		case "and", "or":
			conj = true
		case ",":
			conj = conj || commaEnough
		case "our", "the", "its", "other", "their", "as", "well":
		default:
			return false
		}
	}
	return conj
}

// clauseBreak says whether a clause ends between two token positions.
func clauseBreak(toks []token, from, to int) bool {
	for i := from; i < to && i < len(toks); i++ {
		switch toks[i].word {
		case ";", ":", "(", ")", "which", "who", "that", "when", "if", "where", "while", "because", "but":
			return true
		}
	}
	return false
}

// negatedBefore looks for a negation cue in the few words before a verb,
// after its subject: "we do not sell", "we will never share".
func negatedBefore(lx *lexicon, toks []token, pos, from int) bool {
	for j := max(from, pos-4); j < pos; j++ {
		if toks[j].punct {
			continue
		}
		if lx.negation[toks[j].word] {
			return true
		}
	}
	return false
}

// coordinated says whether only conjunctions and commas stand between two
// verbs: "sell, rent, or share".
func coordinated(toks []token, from, to int) bool {
	if to-from > 3 {
		return false
	}
	for i := from; i < to; i++ {
		switch toks[i].word {
		case ",", "or", "and", "otherwise", "nor":
		default:
			return false
		}
	}
	return to > from
}

// narrowest drops the umbrella "personal information" when the sentence
// names something narrower: "personal information, such as your name and
// email address" is the name and the email address.
func narrowest(data []string) []string {
	var out []string
	for _, d := range data {
		if d == policy.PersonalInformation && len(data) > 1 {
			broader := false
			for _, e := range data {
				if e != d {
					broader = true
				}
			}
			if broader {
				continue
			}
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func dedupActors(as []Actor) []Actor {
	var out []Actor
	seen := map[string]bool{}
	for _, a := range as {
		if !seen[a.Key()] {
			seen[a.Key()] = true
			out = append(out, a)
		}
	}
	return out
}

// mergeStatements joins statements of one sentence with the same action,
// negation and actors.
func mergeStatements(in []Statement) []Statement {
	var out []Statement
	for _, s := range in {
		merged := false
		for i := range out {
			if out[i].Label() == s.Label() && actorsKey(out[i].Actors) == actorsKey(s.Actors) {
				for _, d := range s.Data {
					if !slices.Contains(out[i].Data, d) {
						out[i].Data = append(out[i].Data, d)
					}
				}
				merged = true
			}
		}
		if !merged {
			out = append(out, s)
		}
	}
	return out
}

func actorsKey(as []Actor) string {
	var ks []string
	for _, a := range as {
		ks = append(ks, a.Key())
	}
	sort.Strings(ks)
	return strings.Join(ks, "|")
}
