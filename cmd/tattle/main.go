// Command tattle audits what connected devices say on the network and to
// whom. See README.md.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	// tattle's working set is small and bounded (the flow table and the
	// per-device summaries); a soft limit makes the collector return
	// garbage from a long scan instead of letting the heap balloon.
	// GOMEMLIMIT in the environment overrides it.
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(180 << 20)
	}
	os.Exit(int(Main(os.Args[1:], SystemIO())))
}
