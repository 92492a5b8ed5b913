package result_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/result"
)

// BenchmarkRedactDemo redacts the demo result: a deep copy with personal
// data replaced (Redact), and in place on a copy made with the timer
// stopped (RedactInPlace, as the scan command does).
func BenchmarkRedactDemo(b *testing.B) {
	key := []byte("tattle bench key")
	name, data := demo.Capture()
	src, err := capture.OpenReader(name, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	res, err := audit.Scan(src, audit.Config{Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("copy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := result.Redact(res, key); !r.Redacted {
				b.Fatal("not redacted")
			}
		}
	})
	raw, err := json.Marshal(res)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("in-place", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			var c result.Result // an unredacted copy
			if err := json.Unmarshal(raw, &c); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			result.RedactInPlace(&c, key)
		}
	})
}

// BenchmarkRedactFile redacts in place the unredacted JSON result named by
// $TATTLE_BENCH_RESULT (made with scan --show-personal-data), as the scan
// command does: a large capture's result, which the demo is not.
func BenchmarkRedactFile(b *testing.B) {
	name := os.Getenv("TATTLE_BENCH_RESULT")
	if name == "" {
		b.Skip("TATTLE_BENCH_RESULT not set")
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("tattle bench key")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		var c result.Result
		if err := json.Unmarshal(raw, &c); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		result.RedactInPlace(&c, key)
	}
}
