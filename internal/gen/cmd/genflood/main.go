// Command genflood writes one of the flood captures of internal/gen (for
// the memory figures of docs/benchmarks.md) to a file or stdout:
//
//	go run ./internal/gen/cmd/genflood -kind dhcp -n 100000 > dhcp.pcapng
//
// Kinds: dhcp (n DHCP clients), mac (n devices with their own MAC and
// IP), tuple (one device, n distinct 5-tuples).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tattle-audit/tattle/internal/gen"
)

func main() {
	kind := flag.String("kind", "dhcp", "dhcp, mac or tuple")
	n := flag.Int("n", 100000, "clients, devices or 5-tuples")
	flag.Parse()
	floods := map[string]func(io.Writer, int) error{"dhcp": gen.DHCPFlood, "mac": gen.MACFlood, "tuple": gen.TupleFlood}
	f := floods[*kind]
	if f == nil {
		fmt.Fprintf(os.Stderr, "genflood: unknown kind %q (dhcp, mac, tuple)\n", *kind)
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	err := f(w, *n)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genflood:", err)
		os.Exit(1)
	}
}
