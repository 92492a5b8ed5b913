package reports_test

import (
	"io"
	"testing"

	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

// BenchmarkRender renders the demo result, as scanned and checked
// against the example declarations, then redacted as a shared report is,
// in every format.
func BenchmarkRender(b *testing.B) {
	res := result.Redact(demoResult(b), testKey)
	for _, format := range reports.Formats {
		b.Run(format, func(b *testing.B) {
			rep, err := reports.New(format, reports.Options{Width: 100})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := rep.Render(io.Discard, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
