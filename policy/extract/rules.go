package extract

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/policy"
)

//go:embed rules.yaml
var rulesYAML []byte

// Rules are the extractor's lexicon and cues (rules.yaml).
type Rules struct {
	Data          map[string][]string `yaml:"data"`
	Actors        map[string][]string `yaml:"actors"`
	FirstParty    []string            `yaml:"first_party"`
	User          []string            `yaml:"user"`
	Verbs         map[string][]string `yaml:"verbs"`
	UserVerbs     []string            `yaml:"user_verbs"`
	Negation      []string            `yaml:"negation"`
	Exceptions    []string            `yaml:"exceptions"`
	NotStatements []string            `yaml:"not_statements"`
	NotPersonal   []string            `yaml:"not_personal"`
	// NotPersonalPhrases anywhere in a sentence make "information" in it
	// no personal data.
	NotPersonalPhrases []string            `yaml:"not_personal_phrases"`
	Ignore             []string            `yaml:"ignore"`
	WeakData           []string            `yaml:"weak_data"`
	Encryption         []string            `yaml:"encryption"`
	InTransit          []string            `yaml:"in_transit"`
	Modality           map[string][]string `yaml:"modality"`
}

// Term kinds of the lexicon.
const (
	kindData  = "data"
	kindActor = "actor"
	kindFirst = "first"
	kindUser  = "user"
	kindOrg   = "org"
	kindNone  = "none"
)

type term struct {
	kind  string
	value string // data type, actor key, organisation name
}

// lexicon is the compiled rules: phrases as stemmed word sequences.
type lexicon struct {
	rules     *Rules
	phrases   map[string]term // stemmed words joined by spaces
	orgs      map[string]term // organisation names and aliases, stemmed
	lowerOrgs map[string]bool // names written in lower case ("ecobee"): matched in any case
	weak      map[string]bool // data phrases that need "your" or a list around them
	maxWords  int
	verbs     map[string]string // word -> action
	multiVerb map[string]string // "make available" -> share
	userVerbs map[string]bool
	negation  map[string]bool
	modality  map[string]string
}

// ParseRules reads rules in the layout of rules.yaml and checks every data
// type and actor against the policy package's vocabulary.
func ParseRules(data []byte) (*Rules, error) {
	var r Rules
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("extract: rules: %w", err)
	}
	for dt := range r.Data {
		if !validData(dt) {
			return nil, fmt.Errorf("extract: rules: %q is not a data type of the ontology", dt)
		}
	}
	for a := range r.Actors {
		if !validActor(a) {
			return nil, fmt.Errorf("extract: rules: %q is neither a category nor an entity of declarations", a)
		}
	}
	for act := range r.Verbs {
		if act != ActionCollect && act != ActionShare && act != ActionSell {
			return nil, fmt.Errorf("extract: rules: unknown action %q", act)
		}
	}
	return &r, nil
}

func validData(s string) bool {
	for _, t := range policy.DataTypes() {
		if t == s {
			return true
		}
	}
	return false
}

var entities = map[string]bool{policy.EntityThirdParties: true, policy.EntityPartners: true, policy.EntityServiceProviders: true, policy.EntityAffiliates: true}

func validActor(s string) bool { return entities[s] || policy.CanonicalCategory(s) != "" }

var (
	defaultLex     *lexicon
	defaultLexOnce sync.Once
)

// defaultLexicon compiles the embedded rules with the embedded knowledge
// base; a failure is a bug the package tests catch.
func defaultLexicon() *lexicon {
	defaultLexOnce.Do(func() {
		r, err := ParseRules(rulesYAML)
		if err != nil {
			panic(err.Error())
		}
		defaultLex = compile(r, fingerprints.DefaultKB())
	})
	return defaultLex
}

func compile(r *Rules, kb *fingerprints.KB) *lexicon {
	lx := &lexicon{rules: r, phrases: map[string]term{}, orgs: map[string]term{}, lowerOrgs: map[string]bool{}, weak: map[string]bool{}, verbs: map[string]string{}, multiVerb: map[string]string{},
		userVerbs: map[string]bool{}, negation: map[string]bool{}, modality: map[string]string{}}
	add := func(m map[string]term, phrase string, t term) {
		ws := stemWords(phrase)
		if len(ws) == 0 {
			return
		}
		k := strings.Join(ws, " ")
		if _, dup := m[k]; !dup {
			m[k] = t
		}
		lx.maxWords = max(lx.maxWords, len(ws))
	}
	// Sorted, so that a phrase listed under two keys resolves the same way
	// every run.
	for _, k := range sortedKeys(r.Data) {
		add(lx.phrases, k, term{kindData, k})
		for _, p := range r.Data[k] {
			add(lx.phrases, p, term{kindData, k})
		}
	}
	for _, k := range sortedKeys(r.Actors) {
		add(lx.phrases, k, term{kindActor, k})
		for _, p := range r.Actors[k] {
			add(lx.phrases, p, term{kindActor, k})
		}
	}
	for _, p := range r.WeakData {
		lx.weak[strings.Join(stemWords(p), " ")] = true
	}
	for _, p := range r.Ignore {
		ws := stemWords(p)
		lx.phrases[strings.Join(ws, " ")] = term{kindNone, ""}
		lx.maxWords = max(lx.maxWords, len(ws))
	}
	for _, p := range r.FirstParty {
		add(lx.phrases, p, term{kindFirst, ""})
	}
	for _, p := range r.User {
		add(lx.phrases, p, term{kindUser, ""})
	}
	if kb != nil {
		for _, o := range kb.Orgs() {
			if o.Listed {
				continue // thousands of ad-tech names from lists ("Index", "Answers") would name everything
			}
			for _, n := range append([]string{o.Name}, o.Aliases...) {
				// "Signify (Philips Hue)": both the name and the bracket.
				for _, part := range strings.FieldsFunc(n, func(r rune) bool { return r == '(' || r == ')' }) {
					// "Inc" alone, or a two-letter alias, would name
					// everything.
					if len(fingerprints.NormalizeName(part)) >= 3 {
						add(lx.orgs, part, term{kindOrg, o.Name})
					}
				}
				if strings.ToLower(n) == n {
					lx.lowerOrgs[strings.Join(stemWords(n), " ")] = true
				}
			}
		}
	}
	for act, vs := range r.Verbs {
		for _, v := range vs {
			if strings.Contains(v, " ") {
				lx.multiVerb[v] = act
			} else {
				lx.verbs[v] = act
			}
		}
	}
	for _, v := range r.UserVerbs {
		lx.userVerbs[v] = true
	}
	for _, v := range r.Negation {
		lx.negation[v] = true
	}
	for m, ws := range r.Modality {
		for _, w := range ws {
			lx.modality[w] = m
		}
	}
	return lx
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// token is one word (or punctuation mark) of a sentence.
type token struct {
	word  string // lower case
	stem  string // plural folded
	punct bool
	upper bool // the original started with a capital
}

// tokenize splits on anything but letters and digits; punctuation that
// ends a clause (, ; : ( )) becomes a token of its own.
func tokenize(s string) []token {
	var out []token
	var w []rune
	upper := false
	emit := func() {
		if len(w) > 0 {
			lw := strings.ToLower(string(w))
			out = append(out, token{word: lw, stem: stem(lw), upper: upper})
			w = w[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(w) == 0 {
				upper = unicode.IsUpper(r)
			}
			w = append(w, r)
		case r == ',' || r == ';' || r == ':' || r == '(' || r == ')':
			emit()
			out = append(out, token{word: string(r), stem: string(r), punct: true})
		default:
			emit()
		}
	}
	emit()
	return out
}

// stem folds English plurals: "parties" -> "party", "addresses" ->
// "address", "providers" -> "provider".
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 4 && strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

func stemsOf(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.stem
	}
	return out
}

func stemWords(s string) []string {
	var out []string
	for _, t := range tokenize(s) {
		if !t.punct {
			out = append(out, t.stem)
		}
	}
	return out
}

// mention is a lexicon phrase found in a sentence: tokens [from, to).
type mention struct {
	term
	from, to int
}

// mentions finds lexicon phrases, longest first, left to right.
// Organisation names must be capitalised in the text ("Ring", not "ring");
// first holds the policy's own names (stemmed words), which are the
// first party. A data phrase inside a product name ("Ring Video
// Doorbell") is no data.
func (lx *lexicon) mentions(toks []token, first ...map[string]bool) []mention {
	var out []mention
	for i := 0; i < len(toks); {
		best, bestLen := term{}, 0
		for n := min(lx.maxWords, len(toks)-i); n >= 1; n-- {
			ws := make([]string, 0, n)
			ok := true
			for _, t := range toks[i : i+n] {
				if t.punct {
					ok = false
					break
				}
				ws = append(ws, t.stem)
			}
			if !ok {
				continue
			}
			k := strings.Join(ws, " ")
			if len(first) > 0 && first[0][k] && (toks[i].upper || lx.lowerOrgs[k]) {
				best, bestLen = term{kindFirst, ""}, n
				break
			}
			if t, ok := lx.orgs[k]; ok && (toks[i].upper || lx.lowerOrgs[k]) {
				best, bestLen = t, n
				break
			}
			if t, ok := lx.phrases[k]; ok {
				if t.kind == kindData && i > 0 && toks[i].upper && i+n < len(toks) && toks[i+n].upper && !toks[i-1].punct {
					continue // a product name
				}
				best, bestLen = t, n
				break
			}
		}
		if bestLen == 0 {
			i++
			continue
		}
		// "third party advertising partners": "third party" is an
		// adjective of the recipient that follows.
		if n := len(out); n > 0 && best.kind == kindActor && best.value != policy.EntityThirdParties && out[n-1].kind == kindActor &&
			out[n-1].value == policy.EntityThirdParties && out[n-1].to == i {
			out[n-1] = mention{best, out[n-1].from, i + bestLen}
			i += bestLen
			continue
		}
		// A weak data word ("email") is data only in a list or after
		// "your": "read our emails" is no e-mail address.
		if best.kind == kindData && lx.weak[strings.Join(stemsOf(toks[i:i+bestLen]), " ")] {
			prev := ""
			if i > 0 {
				prev = toks[i-1].word
			}
			if prev != "your" && prev != "," && prev != "and" && prev != "or" && prev != "(" {
				best = term{kindNone, ""}
			}
		}
		// "Google Analytics": a category word right after an organisation
		// is part of its product's name.
		if n := len(out); n > 0 && best.kind == kindActor && !entities[best.value] && out[n-1].kind == kindOrg && out[n-1].to == i {
			out[n-1].to = i + bestLen
			i += bestLen
			continue
		}
		out = append(out, mention{best, i, i + bestLen})
		i += bestLen
	}
	return out
}
