package inspect

import (
	"regexp"
	"strconv"
)

// PatternMatch is personal data found without prior knowledge.
type PatternMatch struct {
	DataType string
	Label    string
	Value    string
	Offset   int
}

var (
	// Deliberately strict: a TLD of letters, no consecutive dots.
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}`)
	// "lat":48.8566,"lon":2.3522 / lat=48.8566&lng=2.3522 / latitude ... longitude.
	latLonRe = regexp.MustCompile(`(?i)"?(?:lat|latitude)"?\s*[:=]\s*"?(-?\d{1,2}\.\d{3,})"?\s*[,&;]\s*"?(?:lon|lng|long|longitude)"?\s*[:=]\s*"?(-?\d{1,3}\.\d{3,})`)
	// A bare "48.85661,2.35222" pair with at least four decimals each.
	pairRe  = regexp.MustCompile(`(?:^|[^\d.])(-?\d{1,2}\.\d{4,}),\s?(-?\d{1,3}\.\d{4,})(?:[^\d.]|$)`)
	imeiRe  = regexp.MustCompile(`(?:^|\D)(\d{15})(?:\D|$)`)
	uuidRe  = regexp.MustCompile(`(?i)(?:^|[^0-9a-f-])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab0-9a-f][0-9a-f]{3}-[0-9a-f]{12})(?:[^0-9a-f-]|$)`)
	macRe   = regexp.MustCompile(`(?i)(?:^|[^0-9a-f:-])((?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})(?:[^0-9a-f:-]|$)`)
	adKeyRe = regexp.MustCompile(`(?i)(?:adid|advertising_?id|idfa|gaid|aaid|ifa|rida|tifa|lgudid|ad_?id)`)
)

// luhn reports whether the digit string passes the Luhn check.
func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func validLatLon(lat, lon string) bool {
	a, err1 := strconv.ParseFloat(lat, 64)
	b, err2 := strconv.ParseFloat(lon, 64)
	return err1 == nil && err2 == nil && a >= -90 && a <= 90 && b >= -180 && b <= 180 && !(a == 0 && b == 0)
}

// maxPatternScan bounds how much of one payload the regular expressions
// read: they are linear-time (RE2), but the bound keeps a hostile body
// from costing more than a fixed amount.
const maxPatternScan = 64 << 10

// ScanPatterns finds personal data that needs no prior knowledge.
func ScanPatterns(p []byte, fn func(PatternMatch)) {
	if len(p) > maxPatternScan {
		p = p[:maxPatternScan]
	}
	for _, m := range emailRe.FindAllIndex(p, 16) {
		fn(PatternMatch{DataType: EmailAddress, Label: "e-mail address", Value: string(p[m[0]:m[1]]), Offset: m[0]})
	}
	for _, m := range latLonRe.FindAllSubmatchIndex(p, 8) {
		lat, lon := string(p[m[2]:m[3]]), string(p[m[4]:m[5]])
		if validLatLon(lat, lon) {
			fn(PatternMatch{DataType: Geolocation, Label: "latitude/longitude fields", Value: lat + "," + lon, Offset: m[0]})
		}
	}
	for _, m := range pairRe.FindAllSubmatchIndex(p, 8) {
		lat, lon := string(p[m[2]:m[3]]), string(p[m[4]:m[5]])
		if validLatLon(lat, lon) {
			fn(PatternMatch{DataType: Geolocation, Label: "latitude,longitude pair", Value: lat + "," + lon, Offset: m[2]})
		}
	}
	for _, m := range imeiRe.FindAllSubmatchIndex(p, 8) {
		v := string(p[m[2]:m[3]])
		// IMEIs start with a reporting-body TAC; all-same digits are not.
		if luhn(v) && v[0] != '0' && v != "111111111111111" {
			fn(PatternMatch{DataType: IMEI, Label: "15-digit number with a valid Luhn check digit", Value: v, Offset: m[2]})
		}
	}
	if adKeyRe.Match(p) {
		for _, m := range uuidRe.FindAllSubmatchIndex(p, 8) {
			v := string(p[m[2]:m[3]])
			if v == "00000000-0000-0000-0000-000000000000" {
				continue
			}
			fn(PatternMatch{DataType: AdvertisingID, Label: "UUID next to an advertising-ID key", Value: v, Offset: m[2]})
		}
	}
	for _, m := range macRe.FindAllSubmatchIndex(p, 32) {
		fn(PatternMatch{DataType: MACAddress, Label: "MAC address", Value: string(p[m[2]:m[3]]), Offset: m[2]})
	}
}
