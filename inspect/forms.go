package inspect

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"net/url"
	"strings"
)

// Data types, named after PoliCheck's data ontology.
const (
	MACAddress    = "mac address"
	RouterMAC     = "router mac address"
	IPAddress     = "ip address"
	DeviceName    = "device name"
	DeviceID      = "device identifier"
	SerialNumber  = "serial number"
	EmailAddress  = "email address"
	Geolocation   = "geolocation"
	RouterSSID    = "router ssid"
	WiFiPassword  = "wifi password"
	PhoneNumber   = "phone number"
	PersonName    = "person name"
	AccountName   = "account name"
	AdvertisingID = "advertising identifier"
	IMEI          = "imei"
	Credentials   = "credentials"
	NeighbourMAC  = "mac address of another device"
)

// Form is one way a known value can appear in a payload.
type Form struct {
	Pattern       []byte // lower-cased unless CaseSensitive
	CaseSensitive bool
	DataType      string
	Label         string // how it was encoded: "SHA-1 of upper-case without separators"
	Value         string // the value in its plain form (personal: redact before showing)
	Owner         string // whose value it is (a device id, or "auditor")
}

// minPattern is the shortest pattern matched: shorter ones (a 3-letter
// host name) match by chance in any payload.
const minPattern = 5

type variant struct {
	s     string
	label string
}

// encodings adds the encoded forms of each plain variant.
func encodings(dataType, value, owner string, plain []variant, hashes bool) []Form {
	// Made at the number of forms a variant can give (five encodings,
	// four hashes), so neither grows: a device's MAC has eight variants,
	// and the forms of each device were most of what learning it cost.
	per := 5
	if hashes {
		per = 9
	}
	out := make([]Form, 0, per*len(plain))
	type formKey struct {
		cs bool
		p  string
	}
	seen := make(map[formKey]bool, per*len(plain))
	add := func(p string, cs bool, label string) {
		if len(p) < minPattern {
			return
		}
		if !cs {
			p = strings.ToLower(p)
		}
		key := formKey{cs, p}
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, Form{Pattern: []byte(p), CaseSensitive: cs, DataType: dataType, Label: label, Value: value, Owner: owner})
	}
	for _, v := range plain {
		// Plain, URL-encoded and hex forms match in any case, so their
		// labels do not claim one.
		anyCase := strings.TrimPrefix(strings.TrimPrefix(v.label, "lower-case "), "upper-case ")
		add(v.s, false, anyCase)
		if q := url.QueryEscape(v.s); q != v.s {
			add(q, false, "URL-encoded "+anyCase)
		}
		add(base64.StdEncoding.EncodeToString([]byte(v.s)), true, "base64 of "+v.label)
		add(strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(v.s)), "="), true, "base64url of "+v.label)
		add(hex.EncodeToString([]byte(v.s)), false, "hex of "+anyCase)
		if !hashes {
			continue
		}
		m := md5.Sum([]byte(v.s))
		s1 := sha1.Sum([]byte(v.s))
		s2 := sha256.Sum256([]byte(v.s))
		add(hex.EncodeToString(m[:]), false, "MD5 of "+v.label)
		add(hex.EncodeToString(s1[:]), false, "SHA-1 of "+v.label)
		add(hex.EncodeToString(s2[:]), false, "SHA-256 of "+v.label)
		add(base64.StdEncoding.EncodeToString(s2[:]), true, "base64 SHA-256 of "+v.label)
	}
	if len(out) == 0 {
		return nil // as when out grew from nil
	}
	return out
}

// MACForms returns the forms of a MAC address: with colons, dashes, dots
// or no separator, each in lower and upper case, and their encodings and
// hashes (hashes are case-sensitive inputs, so both cases are hashed).
func MACForms(dataType string, mac [6]byte, owner string) []Form {
	h := hex.EncodeToString(mac[:])
	pairs := []string{h[0:2], h[2:4], h[4:6], h[6:8], h[8:10], h[10:12]}
	colon := strings.Join(pairs, ":")
	var plain []variant
	for _, c := range []struct {
		f     func(string) string
		label string
	}{{strings.ToLower, "lower-case"}, {strings.ToUpper, "upper-case"}} {
		plain = append(plain,
			variant{c.f(colon), c.label + " with colons"},
			variant{c.f(strings.Join(pairs, "-")), c.label + " with dashes"},
			variant{c.f(h), c.label + " without separators"},
			variant{c.f(h[0:4] + "." + h[4:8] + "." + h[8:12]), c.label + " dotted"},
		)
	}
	return encodings(dataType, colon, owner, plain, true)
}

// IPForms returns the forms of an IP address. Only public-looking forms
// matter; private addresses are still personal (they map a home network)
// but appear in headers legitimately, so the caller decides.
func IPForms(ip netip.Addr, owner string) []Form {
	s := ip.String()
	return encodings(IPAddress, s, owner, []variant{{s, "plain"}}, true)
}

// ValueForms returns the forms of an arbitrary string value: as given,
// lower and upper case, and their encodings and hashes.
func ValueForms(dataType, value, owner string) []Form {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil
	}
	plain := []variant{{value, "plain"}}
	if l := strings.ToLower(value); l != value {
		plain = append(plain, variant{l, "lower-case"})
	}
	if u := strings.ToUpper(value); u != value {
		plain = append(plain, variant{u, "upper-case"})
	}
	if dataType == PhoneNumber {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, value)
		plain = append(plain, variant{digits, "digits only"})
	}
	return encodings(dataType, value, owner, plain, true)
}
