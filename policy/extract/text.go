package extract

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Formats of policy text.
const (
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatText     = "text"
	FormatPDF      = "pdf"
)

// ErrNoPdftotext is returned for a PDF when pdftotext (poppler-utils) is
// not installed.
var ErrNoPdftotext = errors.New("extract: reading a PDF needs pdftotext (poppler-utils); install it or save the policy as HTML or text")

// ErrBinary is returned for input that is not text.
var ErrBinary = errors.New("extract: not a text document")

// block is one paragraph, list item, table row or heading of a policy,
// with the line it starts on and the headings above it.
type block struct {
	text     string
	line     int
	offsets  []int // where in text each source line's words start
	lines    []int // ... and that line's number
	headings []string
	heading  bool
	item     bool
}

// lineAt is the source line of a byte offset in the block's text.
func (b *block) lineAt(off int) int {
	line := b.line
	for i, o := range b.offsets {
		if o <= off {
			line = b.lines[i]
		}
	}
	return line
}

// Detect names the format of a policy from its name and content.
func Detect(name string, data []byte) string {
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("%PDF-")) {
		return FormatPDF
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm", ".xhtml":
		return FormatHTML
	case ".md", ".markdown":
		return FormatMarkdown
	case ".pdf":
		return FormatPDF
	case ".txt", ".text":
		return FormatText
	}
	head := bytes.ToLower(trimmed[:min(len(trimmed), 1024)])
	if bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<body")) {
		return FormatHTML
	}
	return FormatMarkdown // Markdown reads plain text well too
}

// checkText rejects binaries: NUL bytes or mostly invalid UTF-8.
func checkText(name string, data []byte) error {
	if i := bytes.IndexByte(data[:min(len(data), 8192)], 0); i >= 0 {
		return fmt.Errorf("%w: %s has a NUL byte at offset %d (a binary?)", ErrBinary, name, i)
	}
	bad := 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			bad++
			if bad > 16 && bad*20 > i {
				return fmt.Errorf("%w: %s is not UTF-8 text (invalid byte at offset %d)", ErrBinary, name, i)
			}
		}
		i += max(n, 1)
	}
	return nil
}

// pdfToText runs pdftotext, the one outside program the extractor uses; it
// reads the file and writes text to a pipe, nothing else.
func pdfToText(name string, data []byte) ([]byte, error) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, ErrNoPdftotext)
	}
	cmd := exec.Command(bin, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(data)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("extract: pdftotext %s: %w: %s", name, err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

var (
	mdHeading   = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	mdItem      = regexp.MustCompile(`^\s*(?:[-*+•·]|\(?[0-9]{1,3}[.)]|\(?[a-zA-Z][.)])\s+`)
	mdSetext    = regexp.MustCompile(`^\s{0,3}(=+|-+)\s*$`)
	mdImage     = regexp.MustCompile(`!\[[^\]]*\]\([^)]*\)`)
	mdLink      = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdRefLink   = regexp.MustCompile(`\[([^\]]*)\]\[[^\]]*\]`)
	htmlTag     = regexp.MustCompile(`<[^<>]{0,500}>`)
	mdEmphasis  = regexp.MustCompile("(\\*\\*|__|\\*|`)")
	boldOnly    = regexp.MustCompile(`^\s*(\*\*|__)([^*_]{2,120})(\*\*|__)\s*:?\s*$`)
	tableRule   = regexp.MustCompile(`^\s*\|?\s*:?-{3,}`)
	spaceRun    = regexp.MustCompile(`\s+`)
	letterStart = regexp.MustCompile(`^[\p{L}\p{N}"“(]`)
)

// cleanInline strips Markdown and leftover HTML from one line.
func cleanInline(s string) string {
	s = mdImage.ReplaceAllString(s, "")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdRefLink.ReplaceAllString(s, "$1")
	s = htmlTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = mdEmphasis.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "\\", "")
	return strings.TrimSpace(spaceRun.ReplaceAllString(s, " "))
}

// looksLikeHeading says whether a paragraph of one short line is a heading
// written without Markdown: few words, no final full stop, starting with
// a capital ("Information We Collect", "HOW WE SHARE DATA").
func looksLikeHeading(s string) bool {
	if s == "" || len(s) > 90 || strings.Count(s, " ") > 11 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	if last == '.' || last == ',' || last == ';' {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(first) || unicode.IsDigit(first)
}

// headingStack keeps the headings above the current block.
type headingStack struct {
	levels []int
	texts  []string
}

func (h *headingStack) push(level int, text string) {
	for len(h.levels) > 0 && h.levels[len(h.levels)-1] >= level {
		h.levels, h.texts = h.levels[:len(h.levels)-1], h.texts[:len(h.texts)-1]
	}
	h.levels, h.texts = append(h.levels, level), append(h.texts, text)
}

func (h *headingStack) path() []string { return append([]string(nil), h.texts...) }

var (
	blockTag   = regexp.MustCompile(`(?i)</?(?:p|div|ul|ol|table|tr|br|section|article|header|footer|blockquote|dl|dt|dd)\b[^<>]{0,300}>`)
	itemTag    = regexp.MustCompile(`(?i)<li\b[^<>]{0,300}>`)
	headOpen   = regexp.MustCompile(`(?i)<h([1-6])\b[^<>]{0,300}>`)
	headClose  = regexp.MustCompile(`(?i)</h[1-6]\s*>`)
	blockBreak = "\x00"
)

type vline struct {
	n    int
	text string
}

// virtualLines splits the source into lines, and lines that hold HTML
// block tags (crawled policies keep them: "Privacy Policy <p>We ...") at
// those tags, so that paragraphs, items and headings come apart; every
// piece keeps the number of its source line.
func virtualLines(data []byte) []vline {
	var out []vline
	for i, raw := range strings.Split(string(data), "\n") {
		raw = strings.TrimRight(raw, "\r")
		if !strings.Contains(raw, "<") {
			out = append(out, vline{i + 1, raw})
			continue
		}
		raw = headOpen.ReplaceAllStringFunc(raw, func(m string) string {
			return blockBreak + strings.Repeat("#", int(headOpen.FindStringSubmatch(m)[1][0]-'0')) + " "
		})
		raw = headClose.ReplaceAllString(raw, blockBreak)
		raw = itemTag.ReplaceAllString(raw, blockBreak+"- ")
		raw = blockTag.ReplaceAllString(raw, blockBreak)
		for j, piece := range strings.Split(raw, blockBreak) {
			if j > 0 {
				out = append(out, vline{i + 1, ""}) // a paragraph break
			}
			out = append(out, vline{i + 1, piece})
		}
	}
	return out
}

// readMarkdown splits Markdown (or plain text, or crawled text with HTML
// leftovers) into blocks, line by line.
func readMarkdown(data []byte) []block {
	var out []block
	var hs headingStack
	var cur *block
	flush := func() {
		if cur == nil {
			return
		}
		cur.text = strings.TrimSpace(cur.text)
		if cur.text != "" {
			if !cur.item && len(cur.offsets) == 1 && looksLikeHeading(cur.text) {
				hs.push(8, cur.text) // below every Markdown level and bold lines
				cur.heading = true
			}
			cur.headings = hs.path()
			if cur.heading {
				cur.headings = cur.headings[:max(0, len(cur.headings)-1)]
			}
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, vl := range virtualLines(data) {
		n, raw := vl.n, vl.text
		if m := mdHeading.FindStringSubmatch(raw); m != nil {
			flush()
			t := cleanInline(m[2])
			if t != "" {
				hs.push(len(m[1]), t)
				out = append(out, block{text: t, line: n, lines: []int{n}, offsets: []int{0}, heading: true, headings: hs.path()[:len(hs.texts)-1]})
			}
			continue
		}
		if cur != nil && !cur.item && len(cur.offsets) == 1 && mdSetext.MatchString(raw) {
			level := 1
			if strings.Contains(raw, "-") {
				level = 2
			}
			hs.push(level, cur.text)
			cur.heading = true
			cur.headings = hs.path()[:len(hs.texts)-1]
			out = append(out, *cur)
			cur = nil
			continue
		}
		if strings.TrimSpace(raw) == "" || tableRule.MatchString(raw) {
			flush()
			continue
		}
		if m := boldOnly.FindStringSubmatch(raw); m != nil && looksLikeHeading(strings.TrimSpace(m[2])) {
			flush()
			t := cleanInline(m[2])
			hs.push(7, t)
			out = append(out, block{text: t, line: n, lines: []int{n}, offsets: []int{0}, heading: true, headings: hs.path()[:len(hs.texts)-1]})
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(raw), "|") {
			flush()
			cells := strings.Split(strings.Trim(strings.TrimSpace(raw), "|"), "|")
			for j := range cells {
				cells[j] = cleanInline(cells[j])
			}
			t := strings.Trim(strings.Join(cells, "; "), "; ")
			if t != "" {
				out = append(out, block{text: t, line: n, lines: []int{n}, offsets: []int{0}, headings: hs.path(), item: true})
			}
			continue
		}
		if loc := mdItem.FindStringIndex(raw); loc != nil {
			flush()
			cur = &block{line: n, item: true}
			raw = raw[loc[1]:]
		}
		t := cleanInline(raw)
		if t == "" {
			continue
		}
		if cur == nil {
			cur = &block{line: n}
		}
		if cur.text != "" {
			cur.text += " "
		}
		cur.offsets = append(cur.offsets, len(cur.text))
		cur.lines = append(cur.lines, n)
		cur.text += t
	}
	flush()
	return out
}

// readHTML walks an HTML page: headings h1-h6, paragraphs, list items and
// table rows become blocks; scripts, styles and navigation are skipped.
// Lines are counted in the source so every block has one.
func readHTML(data []byte) []block {
	var out []block
	var hs headingStack
	z := html.NewTokenizer(bytes.NewReader(data))
	line := 1
	var text strings.Builder
	start, headingLevel, skip := 0, 0, 0
	item := false
	flush := func() {
		t := strings.TrimSpace(spaceRun.ReplaceAllString(text.String(), " "))
		text.Reset()
		if t != "" {
			b := block{text: t, line: start, lines: []int{start}, offsets: []int{0}, item: item}
			if headingLevel > 0 {
				hs.push(headingLevel, t)
				b.heading = true
				b.headings = hs.path()[:len(hs.texts)-1]
			} else {
				b.headings = hs.path()
			}
			out = append(out, b)
		}
		start = 0
	}
	for {
		tt := z.Next()
		raw := z.Raw()
		tokLine := line
		line += bytes.Count(raw, []byte("\n"))
		switch tt {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			if skip > 0 {
				continue
			}
			s := string(z.Text())
			if strings.TrimSpace(s) != "" && start == 0 {
				start = tokLine + strings.Count(s[:len(s)-len(strings.TrimLeft(s, " \t\r\n"))], "\n")
			}
			text.WriteString(s)
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "noscript", "svg", "template", "nav", "head", "button", "select":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			case "h1", "h2", "h3", "h4", "h5", "h6":
				flush()
				if tt == html.StartTagToken {
					headingLevel = int(tag[1] - '0')
				} else {
					headingLevel = 0
				}
				item = false
			case "p", "div", "li", "tr", "td", "th", "dt", "dd", "section", "article", "table", "ul", "ol", "blockquote", "main", "header", "footer", "aside", "br", "hr", "title":
				if tag == "td" || tag == "th" {
					text.WriteString("; ")
					if tt == html.StartTagToken {
						continue
					}
				}
				flush()
				item = tt == html.StartTagToken && (tag == "li" || tag == "dd" || tag == "tr")
				if tag == "title" {
					skip = map[bool]int{true: skip + 1, false: max(skip-1, 0)}[tt == html.StartTagToken]
				}
			}
		}
	}
}

// readBlocks reads a policy in any format into blocks.
func readBlocks(name string, data []byte) ([]block, string, error) {
	format := Detect(name, data)
	if format == FormatPDF {
		txt, err := pdfToText(name, data)
		if err != nil {
			return nil, format, err
		}
		data = txt
	}
	if err := checkText(name, data); err != nil {
		return nil, format, err
	}
	data = bytes.ToValidUTF8(data, []byte("\uFFFD")) // a few stray bytes: kept visible, never passed on invalid
	switch format {
	case FormatHTML:
		return readHTML(data), format, nil
	default:
		return readMarkdown(data), format, nil
	}
}

// sentence is one sentence of a block.
type sentence struct {
	text     string
	line     int
	index    int // 1-based within its section (under the same headings)
	headings []string
	item     bool
	first    bool   // the first sentence of its block
	leadIn   string // the sentence ending in ":" that introduces a list item
}

var abbreviations = map[string]bool{"e.g": true, "i.e": true, "inc": true, "ltd": true, "co": true, "corp": true,
	"mr": true, "ms": true, "mrs": true, "dr": true, "u.s": true, "no": true, "vs": true, "st": true, "llc": true, "jr": true,
	"sr": true, "u.k": true, "e.u": true, "approx": true, "dept": true, "fig": true, "incl": true, "cf": true, "al": true}

// splitSentences cuts a block's text at full stops, question and
// exclamation marks followed by space and a capital or digit, except after
// abbreviations and initials.
func splitSentences(s string) []int {
	starts := []int{0}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '"' || s[j] == ')' || s[j] == '\'' || strings.HasPrefix(s[j:], "”")) {
			if strings.HasPrefix(s[j:], "”") {
				j += len("”")
			} else {
				j++
			}
		}
		if j >= len(s) || s[j] != ' ' {
			continue
		}
		k := j + 1
		if k >= len(s) || !letterStart.MatchString(s[k:]) {
			continue
		}
		r, _ := utf8.DecodeRuneInString(s[k:])
		if unicode.IsLower(r) {
			continue
		}
		if c == '.' {
			w := i
			for w > 0 && s[w-1] != ' ' && s[w-1] != '(' {
				w--
			}
			word := strings.ToLower(strings.Trim(s[w:i], "\"'“("))
			if abbreviations[word] || (len(word) == 1 && unicode.IsLetter(rune(word[0]))) {
				continue
			}
		}
		starts = append(starts, k)
	}
	return starts
}

// sentencesOf splits blocks into sentences, numbering them within each
// section and joining list items to the sentence that introduces them.
func sentencesOf(blocks []block) []sentence {
	var out []sentence
	idx := 0
	prevPath := ""
	leadIn := ""
	for bi := range blocks {
		b := &blocks[bi]
		path := strings.Join(b.headings, "\x00")
		if b.heading {
			idx, leadIn = 0, ""
			continue
		}
		if path != prevPath {
			idx, prevPath = 0, path
		}
		if !b.item {
			leadIn = ""
		}
		starts := splitSentences(b.text)
		for i, st := range starts {
			end := len(b.text)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			t := strings.TrimSpace(b.text[st:end])
			if t == "" {
				continue
			}
			idx++
			s := sentence{text: t, line: b.lineAt(st), index: idx, headings: b.headings, item: b.item, first: i == 0}
			if b.item {
				s.leadIn = leadIn
			}
			out = append(out, s)
			if !b.item {
				if strings.HasSuffix(t, ":") {
					leadIn = t
				} else if i == len(starts)-1 {
					leadIn = ""
				}
			}
		}
	}
	return out
}
