// Command tattle audits what connected devices say on the network and to
// whom. See README.md.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
)

func main() {
	// A soft memory limit that follows the live heap (memlimit.go).
	// GOMEMLIMIT in the environment overrides it.
	startMemoryLimit()
	// Under that limit, collecting half as often as by default costs no
	// memory that matters and saves a core's worth of marking on long
	// scans. GOGC in the environment overrides it.
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(200)
	}
	// TATTLE_CPUPROFILE=FILE writes a CPU profile of the run (for
	// docs/benchmarks.md; read it with go tool pprof).
	if path := os.Getenv("TATTLE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "tattle: TATTLE_CPUPROFILE: %v\n", err)
			os.Exit(int(ExitUsage))
		}
		code := Main(os.Args[1:], SystemIO())
		pprof.StopCPUProfile()
		f.Close()
		writeMemProfile()
		os.Exit(int(code))
	}
	code := Main(os.Args[1:], SystemIO())
	writeMemProfile()
	os.Exit(int(code))
}

// writeMemProfile writes a heap profile at the end of the run to the file
// TATTLE_MEMPROFILE names, if it names one (with or without
// TATTLE_CPUPROFILE, so that one run gives both).
func writeMemProfile() {
	if path := os.Getenv("TATTLE_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
}
