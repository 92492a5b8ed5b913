// Package demo embeds the built-in demo capture: a small smart home made
// by internal/gen (regenerate with `go generate ./internal/demo`).
package demo

import _ "embed"

//go:generate go run ../gen/cmd/gencaptures -demo home.pcapng

//go:embed home.pcapng
var home []byte

// Capture returns the demo capture's name and bytes.
func Capture() (string, []byte) { return "demo/home.pcapng", home }
