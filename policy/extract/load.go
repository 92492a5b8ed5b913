package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tattle-audit/tattle/policy"
)

// IsText says whether a file name is that of a policy text (not a YAML
// declaration or a MUD file).
func IsText(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".html", ".htm", ".xhtml", ".txt", ".text", ".pdf":
		return true
	}
	return false
}

var (
	memCache   sync.Map // content key -> *Result
	rulesKey   string
	rulesKeyMu sync.Once
)

// cacheKey names a policy text by its content, the vendor given, and the
// rules and knowledge that read it: a change of any gives a new key.
func cacheKey(data []byte, opts Options) string {
	rulesKeyMu.Do(func() {
		h := sha256.Sum256(rulesYAML)
		rulesKey = hex.EncodeToString(h[:8])
	})
	h := sha256.New()
	h.Write(data)
	fmt.Fprintf(h, "\x00%s\x00%s", opts.Vendor, rulesKey)
	if opts.KB != nil {
		fmt.Fprintf(h, "\x00kb:%s:%p", opts.KB.Date, opts.KB)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Cached is Extract with a cache by content hash: in memory, and in
// opts.CacheDir when it is set (a missing or unwritable cache only costs
// the time to extract again).
func Cached(name string, data []byte, opts Options, cacheDir string) (*Result, error) {
	key := cacheKey(data, opts)
	if r, ok := memCache.Load(key); ok {
		c := *r.(*Result)
		c.File = name
		return &c, nil
	}
	path := ""
	if cacheDir != "" && opts.KB == nil {
		path = filepath.Join(cacheDir, key+".json")
		if b, err := os.ReadFile(path); err == nil {
			var r Result
			if json.Unmarshal(b, &r) == nil {
				memCache.Store(key, &r)
				c := r
				c.File = name
				return &c, nil
			}
		}
	}
	r, err := Extract(name, data, opts)
	if err != nil {
		return nil, err
	}
	memCache.Store(key, r)
	if path != "" {
		if b, err := json.Marshal(r); err == nil && os.MkdirAll(cacheDir, 0o755) == nil {
			tmp := path + ".tmp"
			if os.WriteFile(tmp, b, 0o644) == nil {
				_ = os.Rename(tmp, path)
			}
		}
	}
	c := *r
	return &c, nil
}

// Load reads declarations (YAML, MUD) and policy texts from files and
// directories; a text becomes its extracted declaration. Warnings say
// what a caller should tell the user: texts with no statement, texts
// whose vendor is not named.
func Load(paths []string, opts Options, cacheDir string) ([]*policy.Declaration, []string, error) {
	var decls []*policy.Declaration
	var warnings []string
	for _, p := range paths {
		files, err := policy.Files(p, func(path, name string) bool {
			return policy.IsDeclarationFile(path) || (IsText(path) && !strings.EqualFold(name, "README.md"))
		})
		if err != nil {
			return nil, nil, fmt.Errorf("extract: %w", err)
		}
		for _, f := range files {
			if !IsText(f) {
				ds, err := policy.Load(f)
				if err != nil {
					return nil, nil, err
				}
				decls = append(decls, ds...)
				continue
			}
			d, w, err := LoadText(f, opts, cacheDir)
			if err != nil {
				return nil, nil, err
			}
			warnings = append(warnings, w...)
			if d != nil {
				decls = append(decls, d)
			}
		}
	}
	return decls, warnings, nil
}

// LoadText reads one policy text into a declaration; a text with no
// statement gives no declaration and a warning.
func LoadText(path string, opts Options, cacheDir string) (*policy.Declaration, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("extract: %w", err)
	}
	r, err := Cached(path, b, opts, cacheDir)
	if err != nil {
		return nil, nil, err
	}
	if len(r.Statements) == 0 {
		return nil, r.Warnings, nil
	}
	return r.Declaration(), r.Warnings, nil
}
