package policy

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/result"
)

// BenchmarkApply checks the demo result against the example declarations
// (matching, disclosure checks, scores). Apply changes the result, so each
// round starts from a fresh copy, made with the timer stopped.
func BenchmarkApply(b *testing.B) {
	name, data := demo.Capture()
	src, err := capture.OpenReader(name, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	res, err := audit.Scan(src, audit.Config{Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	decls, err := Load(filepath.Join("..", "examples", "policies"))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		b.Fatal(err)
	}
	matched := 0
	for _, d := range res.Devices {
		if Match(decls, &d) != nil {
			matched++
		}
	}
	if matched == 0 {
		b.Fatal("no demo device matches an example declaration: nothing would be checked")
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		var r result.Result
		if err := json.Unmarshal(raw, &r); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		Apply(&r, decls)
	}
}
