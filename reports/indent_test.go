package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var indentSamples = []string{
	`{}`, `[]`, `null`, `"x"`, `12.5e-3`, `true`,
	`{"a":1,"b":[1,2,{"c":"d"}],"e":{},"f":[],"g":null,"h":{"i":{"j":[[],[{}]]}}}`,
	`["a\"b","c\\","d\\\"e:{,}[]","\u003chtml\u003e","é"]`,
	`{"":"","k:{":[",",":"]}`,
	strings.Repeat("[", 40) + "1" + strings.Repeat("]", 40),
}

func TestAppendIndentMatchesIndent(t *testing.T) {
	for _, s := range indentSamples {
		for _, pi := range [][2]string{{"", "  "}, {"    ", "  "}, {">", "\t"}} {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(s), pi[0], pi[1]); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			got := appendIndent([]byte("keep:"), []byte(s), pi[0], pi[1])
			if string(got) != "keep:"+want.String() {
				t.Errorf("%s with %q %q:\n got  %q\n want %q", s, pi[0], pi[1], got[5:], want.String())
			}
		}
	}
}

func FuzzAppendIndent(f *testing.F) {
	for _, s := range indentSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			appendIndent(nil, in, "  ", "  ") // must not panic
			return
		}
		var compact, want bytes.Buffer
		if err := json.Compact(&compact, in); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&want, compact.Bytes(), "  ", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndent(nil, compact.Bytes(), "  ", "  "); string(got) != want.String() {
			t.Fatalf("%q:\n got  %q\n want %q", compact.Bytes(), got, want.String())
		}
	})
}
