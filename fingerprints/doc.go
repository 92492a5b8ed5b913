// Package fingerprints holds tattle's knowledge and the pure matchers over
// it: OUI registry, device identification rules, TLS client fingerprints
// (JA3, JA4), and the domain -> organisation -> category knowledge base.
//
// It is the leaf of the module: it imports nothing else of tattle's, so
// every matcher can be tested and fuzzed on plain values.
package fingerprints
