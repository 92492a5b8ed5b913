// Command gencaptures writes every capture the project commits: the demo
// (internal/demo/home.pcapng) and the test captures in testdata/. Run it
// from the module root:
//
//	go run ./internal/gen/cmd/gencaptures
//
// Output is byte-for-byte reproducible; TestCommittedCapturesAreFresh
// fails when a committed file drifts from the generator.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tattle-audit/tattle/internal/gen"
)

func main() {
	root := flag.String("root", ".", "module root")
	flag.Parse()
	for name, f := range gen.Files() {
		data, err := f()
		if err != nil {
			fmt.Fprintf(os.Stderr, "gencaptures: %s: %v\n", name, err)
			os.Exit(1)
		}
		path := filepath.Join(*root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "gencaptures:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gencaptures:", err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%d bytes\n", path, len(data))
	}
}
