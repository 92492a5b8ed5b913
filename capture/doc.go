// Package capture turns packets into observations.
//
// Data flows one way: a Source yields raw packets (pcap, pcapng, compressed
// files, directories, stdin, live interfaces); the Scanner decodes each one
// with a preallocated gopacket.DecodingLayerParser per link type, updates the
// flow table and hands transport payloads to the dissectors it is given (the
// usual list is dissect.Default). Dissectors emit Events (DNS answers, TLS
// ClientHellos, HTTP requests, DHCP, mDNS, SSDP, NTP) to a Sink; flows are
// handed to the Sink when they expire or when the scan ends, so memory grows
// with the number of live flows and never with the size of the capture.
//
// Nothing here prints or exits: problems are returned as errors or counted as
// notes on the flow they belong to.
package capture
