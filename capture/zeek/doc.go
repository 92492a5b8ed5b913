// Package zeek reads Zeek's logs — conn, dns, dhcp, ssl (with x509 and the
// ssl-log-ext and JA4 fields), http, ftp, ntp, software; TSV with a #fields header or
// JSON lines, plain or gzip, recognised by content — and hands a
// capture.Sink the events and flows the packet pipeline would have made of
// the same traffic, so that audit's Builder turns a Zeek cluster's output
// into devices, destinations and findings unchanged. Events carry the log
// file in Meta.File and the line in Meta.Packet; flows carry Zeek's uid.
package zeek
