package policy

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tattle-audit/tattle/internal/schemagen"
	"github.com/tattle-audit/tattle/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the published schema")

// TestDeclarationSchema regenerates docs/schema/declaration.schema.json
// from the Declaration type, compares it with the committed file and
// validates every example declaration against it.
func TestDeclarationSchema(t *testing.T) {
	root := testutil.ModuleRoot(t)
	path := filepath.Join(root, "docs", "schema", "declaration.schema.json")
	schema, err := schemagen.Generate(Declaration{}, "https://github.com/tattle-audit/tattle/docs/schema/declaration.schema.json",
		"tattle privacy declaration (version 1)", schemagen.Doc{
			"Declaration.vendor":            "The vendor whose privacy policy this is.",
			"Declaration.collects":          "Data types the vendor says it collects itself.",
			"Declaration.service_providers": "Statements about processors that run the service (hosting, CDN, DNS, time).",
			"Declaration.third_parties":     "Statements about sharing with others: named organisations, categories, or generic entities.",
			"Declaration.never":             "Negative statements: data never shared with these recipients.",
			"Statement.entities":            "Generic recipients: third parties, partners, service providers, affiliates, anyone.",
			"Statement.categories":          "Recipient categories, e.g. advertising partners, analytics providers, data brokers.",
		})
	if err != nil {
		t.Fatal(err)
	}
	schema = append(schema, '\n')
	if *update {
		os.WriteFile(path, schema, 0o644)
	}
	committed, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(committed, schema) {
		t.Fatalf("%s is stale or missing (go test ./policy -update): %v", path, err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "examples", "policies", "*.yaml"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		doc, _ := json.Marshal(v)
		if err := schemagen.Validate(schema, doc); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	if schemagen.Validate(schema, []byte(`{"version":1,"vendor":"x","applies_to":{},"colour":"red"}`)) == nil {
		t.Error("schema accepts an unknown key")
	}
}
