// Package dissect holds tattle's protocol dissectors: small parsers that
// turn transport payloads into capture.Events. Default lists them all
// explicitly (no init-time registry), so the set that runs is visible in one
// place and tests can run any subset.
package dissect

import (
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/quic"
	"github.com/tattle-audit/tattle/capture/tlsx"
)

// Default returns a fresh set of all dissectors, in the order they run.
// Each call returns new instances: dissectors may keep per-scan state.
func Default() []capture.Dissector {
	return []capture.Dissector{
		NewDNS(),
		NewDHCP(),
		NewSSDP(),
		NewNTP(),
		tlsx.NewTLS(),
		quic.NewQUIC(),
		tlsx.NewDTLS(),
		tlsx.NewGQUIC(),
		NewHTTP(),
		NewCleartext(),
		NewKasa(),
		NewTuya(),
		NewNDP(),
	}
}
