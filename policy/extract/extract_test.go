package extract

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/policy"
)

// TestDump prints what the extractor reads from one shared policy, for
// rule writing: TATTLE_DUMP=ring.md go test ./policy/extract -run TestDump -v
func TestDump(t *testing.T) {
	name := os.Getenv("TATTLE_DUMP")
	if name == "" {
		t.Skip("TATTLE_DUMP not set")
	}
	dir := testutil.SharedPolicies(t)
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Extract(name, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.Explain())
}

func TestHTML(t *testing.T) {
	page := `<!doctype html>
<html><head><title>Acme privacy</title><style>p { color: red }</style><script>var share = "we share everything with advertisers";</script></head>
<body><nav><a href="/">Home</a> We sell nothing here.</nav>
<h1>Acme Privacy Policy</h1>
<p>Acme Inc. ("Acme", "we") makes smart plugs.</p>
<h2>Information we share with advertising partners</h2>
<p>We share device identifiers
and usage information.</p>
<ul><li>We do <b>not</b> sell your personal information.</li></ul>
</body></html>`
	r, err := Extract("acme.html", []byte(page), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != FormatHTML || r.Vendor != "Acme" {
		t.Errorf("format %q vendor %q", r.Format, r.Vendor)
	}
	var got []string
	for _, s := range r.Statements {
		got = append(got, s.Location("acme.html")+" "+s.Describe())
	}
	want := []string{
		"acme.html:7 share device identifier, usage data with advertising partners",
		// The heading names the recipients the sentence leaves out.
		"acme.html:9 does not sell personal information to advertising partners",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if h := r.Statements[0].Headings; len(h) != 2 || h[1] != "Information we share with advertising partners" {
		t.Errorf("headings %q", h)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		err  error
		warn string
	}{
		{"binary.bin", []byte("\x7fELF\x02\x01\x01\x00\x00\x00binary"), ErrBinary, ""},
		{"latin1.txt", bytes.Repeat([]byte{0xe9, 0xe8, 0xff, 'a'}, 100), ErrBinary, ""},
		{"empty.md", nil, nil, "no text found"},
		{"blank.html", []byte("<html><body>  </body></html>"), nil, "no text found"},
		{"recipe.md", []byte("# Pancakes\n\nMix flour, eggs and milk. Fry in butter.\n"), nil, "no statement of collection or sharing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Extract(c.name, c.data, Options{})
			if c.err != nil {
				if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.name) {
					t.Fatalf("error %v, want %v naming the file", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Statements) != 0 || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], c.warn) {
				t.Errorf("statements %d, warnings %q", len(r.Statements), r.Warnings)
			}
			// The empty draft still lints.
			if diags := policy.Lint(c.name+".yaml", r.YAML()); len(diags) > 0 {
				t.Errorf("draft does not lint: %v", diags)
			}
		})
	}
}

func TestPDFNeedsPdftotext(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Extract("policy.pdf", []byte("%PDF-1.4\n%..."), Options{})
	if !errors.Is(err, ErrNoPdftotext) || !strings.Contains(err.Error(), "policy.pdf") {
		t.Fatalf("error %v, want ErrNoPdftotext naming the file", err)
	}
}

func TestSentences(t *testing.T) {
	text := "We collect data, e.g. your name. Acme Inc. is in the U.S. and it shares data. Why? Because! ok then."
	var got []string
	starts := splitSentences(text)
	for i, s := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		got = append(got, strings.TrimSpace(text[s:end]))
	}
	want := []string{"We collect data, e.g. your name.", "Acme Inc. is in the U.S. and it shares data.", "Why?", "Because! ok then."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("# Information we collect\n\n- Device identifiers\n\nWe do not sell your personal information to data brokers."), "p.md")
	f.Add([]byte("<html><h1>Privacy</h1><p>We share IP address with <b>Google</b>.</p><li>x</li></html>"), "p.html")
	f.Add([]byte("Acme (\"we\") may disclose your location (but not your name) to partners; we never rent it."), "p.txt")
	f.Add([]byte("| a | b |\n|---|---|\n| We collect | email |\n\nTitle\n=====\n**Bold heading**\n1) item"), "p.md")
	f.Add([]byte("<h2><li><p></h9><<>>&amp;&#0;"), "p.htm")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		if len(data) > 1<<16 {
			return
		}
		if strings.HasSuffix(strings.ToLower(name), ".pdf") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("%PDF-")) {
			return // pdftotext is not ours to fuzz
		}
		r, err := Extract(name, data, Options{})
		if err != nil {
			return
		}
		y := r.YAML()
		if diags := policy.Lint("fuzz.yaml", y); len(diags) > 0 {
			t.Fatalf("draft does not lint: %v\n%s", diags, y)
		}
		for _, s := range r.Statements {
			if s.Sentence == "" || s.Line < 1 || len(s.Actors) == 0 || len(s.Data) == 0 {
				t.Fatalf("incomplete statement %+v", s)
			}
		}
	})
}

// BenchmarkExtract reads the demo's policy page (about 2 KB) and, when
// present, the largest shared policy.
func BenchmarkExtract(b *testing.B) {
	root := testutil.ModuleRoot(b)
	page, err := os.ReadFile(filepath.Join(root, "examples", "policy-texts", "samsung-tv-privacy.md"))
	if err != nil {
		b.Fatal(err)
	}
	inputs := map[string][]byte{"demo-page": page}
	if big, err := os.ReadFile(filepath.Join(root, "..", "shared", "policies", "logitech.md")); err == nil {
		inputs["logitech"] = big
	}
	for _, name := range sortedKeys(inputs) {
		data := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := Extract(name+".md", data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
