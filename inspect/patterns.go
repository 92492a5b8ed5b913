package inspect

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"
)

// PatternMatch is personal data found without prior knowledge.
type PatternMatch struct {
	DataType string
	Label    string
	Value    string
	Offset   int
}

var (
	// Deliberately strict: a TLD of letters, no consecutive dots. What
	// scanEmail finds (the tests compare).
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}`)
	// "lat":48.8566,"lon":2.3522 / lat=48.8566&lng=2.3522 / latitude ... longitude.
	latLonRe = regexp.MustCompile(`(?i)"?(?:lat|latitude)"?\s*[:=]\s*"?(-?\d{1,2}\.\d{3,})"?\s*[,&;]\s*"?(?:lon|lng|long|longitude)"?\s*[:=]\s*"?(-?\d{1,3}\.\d{3,})`)
	// A bare "48.85661,2.35222" pair with at least four decimals each.
	pairRe = regexp.MustCompile(`(?:^|[^\d.])(-?\d{1,2}\.\d{4,}),\s?(-?\d{1,3}\.\d{4,})(?:[^\d.]|$)`)
)

// luhn reports whether the digit string passes the Luhn check.
func luhn[T string | []byte](s T) bool {
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
// caller that already has it. A payload holding percent-escapes
// (loc=40.712776%2C-74.005974) is decoded first, as the known values'
// URL-encoded forms already are, and a match's Offset is placed so that
// the match ends where its encoded form ends: callers that ask whether a
// match ends in a part they have seen get the right answer.
func scanPatterns(p, low []byte, fn func(PatternMatch)) {
	if len(p) > maxPatternScan {
		p, low = p[:maxPatternScan], low[:maxPatternScan]
	}
	if dec, esc := percentDecode(p); dec != nil {
		scanDecoded(dec, bytes.ToLower(dec), func(m PatternMatch) {
			// Each escape before the match's last byte, and that byte's own,
			// took two more bytes in p.
			last := m.Offset + len(m.Value) - 1
			end := last + 1 + 2*sort.SearchInts(esc, last+1)
			m.Offset = end - len(m.Value)
			fn(m)
		})
		return
	}
	scanDecoded(p, low, fn)
}

// percentDecode decodes the %XX escapes of p ('+' stays: it is a plus
// outside form bodies, and e-mail addresses hold it). It returns nil when
// p holds none, else the decoded bytes and the offsets in them of the
// bytes that were escaped, in order.
func percentDecode(p []byte) (dec []byte, esc []int) {
	first := -1
	for i := 0; i+2 < len(p); i++ {
		j := bytes.IndexByte(p[i:len(p)-2], '%')
		if j < 0 {
			break
		}
		i += j
		if isHexByte(p[i+1]) && isHexByte(p[i+2]) {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, nil
	}
	dec = append(make([]byte, 0, len(p)), p[:first]...)
	for i := first; i < len(p); {
		if p[i] == '%' && i+2 < len(p) && isHexByte(p[i+1]) && isHexByte(p[i+2]) {
			esc = append(esc, len(dec))
			dec = append(dec, unhex(p[i+1])<<4|unhex(p[i+2]))
			i += 3
		} else {
			dec = append(dec, p[i])
			i++
		}
	}
	return dec, esc
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// scanDecoded runs every detector on a payload free of percent-escapes.
func scanDecoded(p, low []byte, fn func(PatternMatch)) {
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
		scanIMEI(p, low, fn)
	}
	if hasUUID(p) && hasAdKey(low) {
		boundedRuns(p, uuidByte, 36, 8, uuidShape, func(i, j int) {
			v := string(p[i:j])
			if v == "00000000-0000-0000-0000-000000000000" || !keyBefore(p, low, i, adKeys) {
				return
			}
			fn(PatternMatch{DataType: AdvertisingID, Label: "UUID next to an advertising-ID key", Value: v, Offset: i})
		})
	}
	if hasMACShape(p) {
		boundedRuns(p, macByte, 17, 32, macShape, func(i, j int) {
			fn(PatternMatch{DataType: MACAddress, Label: "MAC address", Value: string(p[i:j]), Offset: i})
		})
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
		if s, e, ok := emailAt(p, lo, at, hi); ok && !sshName(p, s, e) {
			fn(PatternMatch{DataType: EmailAddress, Label: "e-mail address", Value: string(p[s:e]), Offset: s})
			found++
			end = e
		}
	}
}

// emailAt returns the bounds in p of what emailRe.FindIndex(p[lo:hi])
// finds, for a window that holds one '@', at at, no more than 64 bytes
// after lo, and after it only domain bytes and dots. The expression's
// backtracking cost tens of thousands of instructions per window; its
// choice is made here directly (TestEmailAtAgreesWithRegexp):
//
//   - The local part cannot hold the '@', so it ends there; the leftmost
//     start is the first byte of the run of local-part bytes before it.
//   - The domain is labels between dots. [A-Za-z0-9\-]{1,63} cannot stop
//     inside a label, where no dot follows: it takes the first label
//     whole, and each repetition of (?:\.[A-Za-z0-9\-]{1,63}) one more
//     label of 1 to 63 bytes.
//   - The greedy repetition is tried with the most labels first; the
//     first count after which \.[A-Za-z]{2,24} matches wins, the letters
//     that start the next label, up to 24 (they may end inside it).
func emailAt(p []byte, lo, at, hi int) (start, end int, ok bool) {
	start = at
	for start > lo && isLocalByte(p[start-1]) {
		start--
	}
	if start == at {
		return 0, 0, false
	}
	// label returns the end of the label that starts at i.
	label := func(i int) int {
		for i < hi && p[i] != '.' {
			i++
		}
		return i
	}
	j := label(at + 1)
	if n := j - (at + 1); n < 1 || n > 63 {
		return 0, 0, false
	}
	// j is the dot before the next label, if j < hi.
	for j < hi {
		i := j + 1
		k := i
		for k < hi && k < i+24 && isLetter(p[k]) {
			k++
		}
		if k-i >= 2 {
			end, ok = k, true
		}
		e := label(i)
		if n := e - i; n < 1 || n > 63 {
			break
		}
		j = e
	}
	return start, end, ok
}

// isLocalByte reports whether c may be in the local part of an e-mail
// address as emailRe reads it: [A-Za-z0-9._%+\-].
func isLocalByte(c byte) bool {
	return isDomainByte(c) || c == '.' || c == '_' || c == '%' || c == '+'
}

// sshName reports whether p[i:j], shaped like an e-mail address, is an
// SSH algorithm name (RFC 4251 section 6: "name@domain", as in
// aes128-gcm@openssh.com): an item of a comma-separated name-list, with
// no space, in a payload that holds standard SSH algorithm names.
func sshName(p []byte, i, j int) bool {
	// A list's first item follows its 4-byte length, whose last byte may
	// be printable ('"': 34) but whose one before is not.
	listByte := func(c byte) bool { return c == ',' || c < 0x20 || c >= 0x7f }
	if (i > 0 && !listByte(p[i-1]) && !(i > 1 && p[i-2] < 0x20)) || (j < len(p) && !listByte(p[j])) {
		return false
	}
	for _, n := range sshAlgorithms {
		if bytes.Contains(p, n) {
			return true
		}
	}
	return false
}

// sshAlgorithms are names every SSH key exchange offers a few of.
var sshAlgorithms = [][]byte{[]byte("diffie-hellman-group"), []byte("curve25519-sha256"), []byte("ecdh-sha2-nistp"),
	[]byte("ssh-rsa"), []byte("ssh-ed25519"), []byte("aes128-ctr"), []byte("hmac-sha"), []byte("hmac-md5")}

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

// scanIMEI reports 15-digit numbers that pass the Luhn check, stand as a
// token of their own (not inside a hex string, a longer word or a decimal
// number) and follow an IMEI key: one random 15-digit number in ten
// passes Luhn, and hex tokens (a Hue bridge's 23d35bd8768840c391027186194650a2)
// and job ids (a mining pool's "job_id":"652010620664805") hold plenty.
func scanIMEI(p, low []byte, fn func(PatternMatch)) {
	fifteenDigits(p, func(i, j int) {
		v := p[i:j]
		// IMEIs start with a reporting-body TAC; all-same digits are not.
		if !luhn(v) || v[0] == '0' || string(v) == "111111111111111" || !tokenAt(p, i, j) || !keyBefore(p, low, i, imeiKeys) {
			return
		}
		fn(PatternMatch{DataType: IMEI, Label: "15-digit number with a valid Luhn check digit after an IMEI key", Value: string(v), Offset: i})
	})
}

// fifteenDigits calls fn with the bounds of the runs of exactly 15 digits
// that (?:^|\D)(\d{15})(?:\D|$) finds, at most 8, as FindAllSubmatchIndex
// finds them (TestBoundedRunsAsRegexp).
func fifteenDigits(p []byte, fn func(i, j int)) { boundedRuns(p, isDigit, 15, 8, nil, fn) }

// boundedRuns finds what an expression (?:^|[^S])(X)(?:[^S]|$) finds
// with FindAllSubmatchIndex(p, limit), where X is n bytes of the set S
// (in) of the shape shape accepts (any, if nil): the maximal runs of S of
// exactly n bytes. As with the expression, a match takes the character
// after it along, so a run that follows a match by a single character is
// not found. One pass and no allocation, where the expressions cost a
// backtracking search of every payload that passed their prefilter.
func boundedRuns(p []byte, in func(byte) bool, n, limit int, shape func([]byte) bool, fn func(i, j int)) {
	next, found := 0, 0 // where the expression would search next
	for i := 0; i < len(p) && found < limit; {
		if !in(p[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(p) && in(p[j]) {
			j++
		}
		if j-i == n && (i == 0 || i > next) && (shape == nil || shape(p[i:j])) {
			fn(i, j)
			found++
			next = j
			if j < len(p) {
				_, w := utf8.DecodeRune(p[j:])
				next += w
			}
		}
		i = j
	}
}

// macShape: six hex pairs, each of the first five followed by ':' or '-'.
func macShape(b []byte) bool {
	for k := 0; k < 6; k++ {
		if !isHexByte(b[3*k]) || !isHexByte(b[3*k+1]) || k < 5 && b[3*k+2] != ':' && b[3*k+2] != '-' {
			return false
		}
	}
	return true
}

func macByte(c byte) bool { return isHexByte(c) || c == ':' || c == '-' }

// uuidShape: 8-4-4-4-12 hex digits.
func uuidShape(b []byte) bool {
	for k, c := range b {
		if dash := k == 8 || k == 13 || k == 18 || k == 23; dash != (c == '-') {
			return false
		}
	}
	return true
}

func uuidByte(c byte) bool { return isHexByte(c) || c == '-' }

// imeiKeys are the names the IMEI goes by in requests.
var imeiKeys = [][]byte{[]byte("imei"), []byte("meid"), []byte("imeisv")}

// tokenAt reports whether p[i:j] stands alone: neither side touches a
// letter, a digit, or a '.' or '-' joined to one (a decimal, a version, a
// UUID part).
func tokenAt(p []byte, i, j int) bool {
	wordByte := func(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' }
	if i > 0 && (wordByte(p[i-1]) || ((p[i-1] == '.' || p[i-1] == '-') && i > 1 && wordByte(p[i-2]))) {
		return false
	}
	if j < len(p) && (wordByte(p[j]) || ((p[j] == '.' || p[j] == '-') && j+1 < len(p) && wordByte(p[j+1]))) {
		return false
	}
	return true
}

// maxKeyGap is how far before a value its key may end: room for quotes,
// a separator and spaces ("imei": "...", <key>idfa</key><string>).
const maxKeyGap = 24

// keyBefore reports whether one of keys (lower case) ends at most
// maxKeyGap bytes before p[i] and starts a word: after a byte that is no
// letter, or at a camelCase hump (googleAdId). "ifa" in "wifi" is not a
// key.
func keyBefore(p, low []byte, i int, keys [][]byte) bool {
	w := low[max(0, i-maxKeyGap-16):i]
	base := i - len(w)
	for _, k := range keys {
		for off := 0; ; {
			j := bytes.Index(w[off:], k)
			if j < 0 {
				break
			}
			at := base + off + j
			off += j + 1
			if i-(at+len(k)) > maxKeyGap {
				continue
			}
			if at == 0 || !isLetter(low[at-1]) || (isLower(p[at-1]) && isUpper(p[at])) {
				return true
			}
		}
	}
	return false
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHexByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func hasDigitRun(p []byte, n int) bool {
	// A run of n digits holds one of every n-th byte: only those are
	// tested, and the run around each that is a digit measured. A run
	// shorter than n holds at most one of them, so no byte is read twice
	// in the runs measured.
	for i := n - 1; i < len(p); i += n {
		if !isDigit(p[i]) {
			continue
		}
		lo, hi := i, i+1
		for lo > 0 && isDigit(p[lo-1]) {
			lo--
		}
		for hi < len(p) && isDigit(p[hi]) {
			hi++
		}
		if hi-lo >= n {
			return true
		}
	}
	return false
}

// hasDecimalPair looks for ".dddd" followed soon by ',' — the shape of a
// coordinate pair.
func hasDecimalPair(p []byte) bool {
	for i := 0; i+5 < len(p); i++ {
		j := bytes.IndexByte(p[i:len(p)-5], '.')
		if j < 0 {
			return false
		}
		i += j
		if isDigit(p[i+1]) && isDigit(p[i+2]) && isDigit(p[i+3]) && isDigit(p[i+4]) {
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
	// i is the offset of the first dash; the scan jumps from dash to dash.
	for i := 8; i+28 <= len(p); i++ {
		j := bytes.IndexByte(p[i:len(p)-27], '-')
		if j < 0 {
			return false
		}
		i += j
		if p[i+5] != '-' || p[i+10] != '-' || p[i+15] != '-' {
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
	// The scan jumps from separator to separator: s is the offset of the
	// first one, two bytes into the shape.
	for _, sep := range [...]byte{':', '-'} {
		for s := 2; s+15 <= len(p); s++ {
			j := bytes.IndexByte(p[s:len(p)-14], sep)
			if j < 0 {
				break
			}
			s += j
			ok := true
			for k, i := 0, s-2; k < 6 && ok; k++ {
				ok = isHexByte(p[i+3*k]) && isHexByte(p[i+3*k+1]) && (k == 5 || p[i+3*k+2] == sep)
			}
			if ok {
				return true
			}
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
