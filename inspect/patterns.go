package inspect

import (
	"bytes"
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
	pairRe = regexp.MustCompile(`(?:^|[^\d.])(-?\d{1,2}\.\d{4,}),\s?(-?\d{1,3}\.\d{4,})(?:[^\d.]|$)`)
	imeiRe = regexp.MustCompile(`(?:^|\D)(\d{15})(?:\D|$)`)
	uuidRe = regexp.MustCompile(`(?i)(?:^|[^0-9a-f-])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab0-9a-f][0-9a-f]{3}-[0-9a-f]{12})(?:[^0-9a-f-]|$)`)
	macRe  = regexp.MustCompile(`(?i)(?:^|[^0-9a-f:-])((?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})(?:[^0-9a-f:-]|$)`)
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
	scanPatterns(p, bytes.ToLower(p), fn)
}

// scanPatterns is ScanPatterns with the lower-cased payload supplied by a
// caller that already has it.
func scanPatterns(p, low []byte, fn func(PatternMatch)) {
	if len(p) > maxPatternScan {
		p, low = p[:maxPatternScan], low[:maxPatternScan]
	}
	// Each regular expression runs only when a cheap byte scan says it can
	// match: most payloads hold no '@', no 15-digit run, no "lat".
	scanEmail(p, fn)
	if hasLatKey(low) {
		scanLatLon(p, fn)
	}
	if hasDecimalPair(p) {
		for _, m := range pairRe.FindAllSubmatchIndex(p, 8) {
			lat, lon := string(p[m[2]:m[3]]), string(p[m[4]:m[5]])
			if validLatLon(lat, lon) {
				fn(PatternMatch{DataType: Geolocation, Label: "latitude,longitude pair", Value: lat + "," + lon, Offset: m[2]})
			}
		}
	}
	if hasDigitRun(p, 15) {
		scanIMEI(p, fn)
	}
	if hasUUID(p) && hasAdKey(low) {
		for _, m := range uuidRe.FindAllSubmatchIndex(p, 8) {
			v := string(p[m[2]:m[3]])
			if v == "00000000-0000-0000-0000-000000000000" {
				continue
			}
			fn(PatternMatch{DataType: AdvertisingID, Label: "UUID next to an advertising-ID key", Value: v, Offset: m[2]})
		}
	}
	if hasMACShape(p) {
		for _, m := range macRe.FindAllSubmatchIndex(p, 32) {
			fn(PatternMatch{DataType: MACAddress, Label: "MAC address", Value: string(p[m[2]:m[3]]), Offset: m[2]})
		}
	}
}

// scanEmail finds what emailRe.FindAllIndex(p, 16) finds, running the
// expression only on a window around each '@': a match holds exactly one
// '@', at most 64 characters before it, and after it nothing outside the
// domain alphabet. Run on whole payloads, the expression cost more than
// all other detectors together.
func scanEmail(p []byte, fn func(PatternMatch)) {
	found, end, prevAt := 0, 0, -1
	for i := 0; found < 16; {
		at := bytes.IndexByte(p[i:], '@')
		if at < 0 {
			return
		}
		at += i
		lo := max(end, prevAt+1, at-64)
		hi := at + 1
		for hi < len(p) && (isDomainByte(p[hi]) || p[hi] == '.') {
			hi++
		}
		prevAt, i = at, at+1
		if m := emailRe.FindIndex(p[lo:hi]); m != nil {
			fn(PatternMatch{DataType: EmailAddress, Label: "e-mail address", Value: string(p[lo+m[0] : lo+m[1]]), Offset: lo + m[0]})
			found++
			end = lo + m[1]
		}
	}
}

func isDomainByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '-'
}

func scanLatLon(p []byte, fn func(PatternMatch)) {
	for _, m := range latLonRe.FindAllSubmatchIndex(p, 8) {
		lat, lon := string(p[m[2]:m[3]]), string(p[m[4]:m[5]])
		if validLatLon(lat, lon) {
			fn(PatternMatch{DataType: Geolocation, Label: "latitude/longitude fields", Value: lat + "," + lon, Offset: m[0]})
		}
	}
}

func scanIMEI(p []byte, fn func(PatternMatch)) {
	for _, m := range imeiRe.FindAllSubmatchIndex(p, 8) {
		v := string(p[m[2]:m[3]])
		// IMEIs start with a reporting-body TAC; all-same digits are not.
		if luhn(v) && v[0] != '0' && v != "111111111111111" {
			fn(PatternMatch{DataType: IMEI, Label: "15-digit number with a valid Luhn check digit", Value: v, Offset: m[2]})
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHexByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func hasDigitRun(p []byte, n int) bool {
	run := 0
	for _, c := range p {
		if isDigit(c) {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// hasDecimalPair looks for ".dddd" followed soon by ',' — the shape of a
// coordinate pair.
func hasDecimalPair(p []byte) bool {
	for i := 0; i+5 < len(p); i++ {
		if p[i] == '.' && isDigit(p[i+1]) && isDigit(p[i+2]) && isDigit(p[i+3]) && isDigit(p[i+4]) {
			j := i + 5
			for j < len(p) && isDigit(p[j]) {
				j++
			}
			if j < len(p) && p[j] == ',' {
				return true
			}
		}
	}
	return false
}

// hasUUID looks for the 8-4-4-4-12 hex shape of a UUID.
func hasUUID(p []byte) bool {
	for i := 8; i+28 <= len(p); i++ {
		if p[i] != '-' || p[i+5] != '-' || p[i+10] != '-' || p[i+15] != '-' {
			continue
		}
		if allHex(p[i-8:i]) && allHex(p[i+1:i+5]) && allHex(p[i+6:i+10]) && allHex(p[i+11:i+15]) && allHex(p[i+16:i+28]) {
			return true
		}
	}
	return false
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHexByte(c) {
			return false
		}
	}
	return true
}

// hasMACShape looks for six hex pairs joined by five ':' or '-'.
func hasMACShape(p []byte) bool {
	for i := 0; i+17 <= len(p); i++ {
		sep := p[i+2]
		if sep != ':' && sep != '-' {
			continue
		}
		ok := true
		for j := 0; j < 6 && ok; j++ {
			ok = isHexByte(p[i+3*j]) && isHexByte(p[i+3*j+1]) && (j == 5 || p[i+3*j+2] == sep)
		}
		if ok {
			return true
		}
	}
	return false
}

// hasLatKey looks for "lat" followed shortly by ':' or '=' and a digit
// or sign: the start of a latitude field.
func hasLatKey(low []byte) bool {
	for i := 0; ; {
		j := bytes.Index(low[i:], []byte("lat"))
		if j < 0 {
			return false
		}
		i += j + 3
		for k := i; k < len(low) && k < i+12; k++ {
			if low[k] == ':' || low[k] == '=' {
				for m := k + 1; m < len(low) && m < k+4; m++ {
					if isDigit(low[m]) || low[m] == '-' {
						return true
					}
				}
				break
			}
		}
	}
}

// adKeys are the names apps and SDKs give advertising identifiers.
var adKeys = [][]byte{[]byte("adid"), []byte("advertising"), []byte("idfa"), []byte("gaid"), []byte("aaid"), []byte("ifa"),
	[]byte("rida"), []byte("tifa"), []byte("lgudid"), []byte("ad_id"), []byte("adv_id")}

func hasAdKey(low []byte) bool {
	for _, k := range adKeys {
		if bytes.Contains(low, k) {
			return true
		}
	}
	return false
}
