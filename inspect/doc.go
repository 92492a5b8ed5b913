// Package inspect looks for personal data in cleartext payloads and rates
// how well each conversation is protected.
//
// Detection has two halves. Known values — the device's own MAC, IP,
// host name and DHCP client id, and what an auditor supplies with
// --known-values (serial numbers, e-mail, SSID, coordinates...) — are
// expanded into every form devices are seen to send them in (case and
// separator variants, hex, base64, URL encoding, and MD5/SHA-1/SHA-256
// hashes of the common forms) and matched with one multi-pattern pass.
// Patterns without prior knowledge (e-mail addresses, coordinates, IMEIs
// with a valid Luhn digit, advertising-ID-shaped UUIDs, other devices' MAC
// addresses) are found with small hand-written scanners.
//
// Data types are named as PoliCheck's data ontology names them, so the
// policy check can compare them with what a declaration says.
package inspect
