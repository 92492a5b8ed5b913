// Command tattle audits what connected devices say on the network and to
// whom. See README.md.
package main

import "os"

func main() {
	os.Exit(int(Main(os.Args[1:], SystemIO())))
}
