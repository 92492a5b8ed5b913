package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("acme.yaml", "version: 1\nvendor: Acme\napplies_to: {vendors: [Acme]}\n")
	write("globex.md", "# Globex Privacy Policy\n\nGlobex Corp. (\"Globex\", \"we\") makes cameras.\n\nWe share video recordings with advertisers.\n")
	write("README.md", "# Notes\n\nWe share everything with everyone.\n")
	write("recipe.txt", "Mix flour and eggs.\n")
	decls, warns, err := Load([]string{dir}, Options{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var vendors []string
	for _, d := range decls {
		vendors = append(vendors, d.Vendor)
	}
	if strings.Join(vendors, ",") != "Acme,Globex" {
		t.Errorf("vendors %q, want Acme,Globex (README.md skipped, the recipe gives no declaration)", vendors)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "recipe.txt") {
		t.Errorf("warnings %q, want one about recipe.txt", warns)
	}
	g := decls[1]
	if len(g.ThirdParties) != 1 || g.ThirdParties[0].Source != filepath.Join(dir, "globex.md")+":5" {
		t.Errorf("globex statements %+v", g.ThirdParties)
	}
	if _, _, err := Load([]string{filepath.Join(dir, "missing.html")}, Options{}, ""); err == nil {
		t.Error("a missing file is no error")
	}
}

func TestCacheByContent(t *testing.T) {
	cache := t.TempDir()
	text := []byte("# Initech privacy\n\nWe collect your IP address and sell it to data brokers.\n")
	a, err := Cached("a.md", text, Options{Vendor: "Initech"}, cache)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d cache files, want 1", len(files))
	}
	// The same text under another name: the cached reading, cited by the
	// new name.
	b, err := Cached("b.md", text, Options{Vendor: "Initech"}, cache)
	if err != nil {
		t.Fatal(err)
	}
	if b.File != "b.md" || a.File != "a.md" || len(a.Statements) != len(b.Statements) || len(a.Statements) == 0 {
		t.Errorf("a %s %d, b %s %d", a.File, len(a.Statements), b.File, len(b.Statements))
	}
	if got := b.Declaration().Collection[0].Source; got != "b.md:3" {
		t.Errorf("source %q, want b.md:3", got)
	}
	// Another vendor is another key; a corrupt cache file is read again.
	if _, err := Cached("a.md", text, Options{Vendor: "Other"}, cache); err != nil {
		t.Fatal(err)
	}
	files, _ = filepath.Glob(filepath.Join(cache, "*.json"))
	if len(files) != 2 {
		t.Errorf("%d cache files, want 2", len(files))
	}
	for _, f := range files {
		os.WriteFile(f, []byte("{not json"), 0o644)
	}
	memCache.Range(func(k, _ any) bool { memCache.Delete(k); return true })
	c, err := Cached("c.md", text, Options{Vendor: "Initech"}, cache)
	if err != nil || len(c.Statements) != len(a.Statements) {
		t.Errorf("after a corrupt cache file: %v, %d statements", err, len(c.Statements))
	}
}
