package tlsx

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// summarise reads what the events keep of a DER certificate: with
// readCert, or with crypto/x509 when readCert cannot vouch for the
// result.
func summarise(der []byte) certSummary {
	if s, ok := readCert(der); ok {
		return s
	}
	return parseCert(der)
}

// parseCert summarises a certificate with crypto/x509.
func parseCert(der []byte) certSummary {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return certSummary{}
	}
	return certSummary{
		ok:      true,
		subject: c.Subject.CommonName, sans: c.DNSNames, issuer: c.Issuer.CommonName,
		notBefore: c.NotBefore, notAfter: c.NotAfter,
		// Self-signed: issued by its own subject and verifying under its
		// own key. CheckSignatureFrom would also demand the CA flag,
		// which the self-signed leaf certificates of many devices lack.
		selfSigned: string(c.RawIssuer) == string(c.RawSubject) &&
			c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil,
	}
}

// readCert is parseCert without building an x509.Certificate: it reads
// the few fields tattle keeps (the subject's and issuer's common names,
// the DNS names, the validity, whether the certificate is self-signed)
// and checks everything else the way crypto/x509.ParseCertificate does
// (Go 1.26: the same cryptobyte reads, the same rejections), so that it
// accepts exactly the certificates x509 accepts, with the same fields.
// Where matching x509 would take more than a few lines (DSA keys, URI
// names, name constraints and the rarer policy extensions, RSA-PSS
// signatures on self-issued certificates, negative serial numbers, whose
// acceptance depends on GODEBUG) it reports false and the caller parses
// with x509; it also reports false for every certificate x509 rejects.
// TestReadCertAgreesWithX509 compares the two on every certificate of the
// test captures, FuzzReadCert on arbitrary input.
func readCert(der []byte) (s certSummary, ok bool) {
	in := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, casn1.SEQUENCE) || !in.Empty() {
		return s, false
	}
	if !cert.ReadASN1Element(&tbs, casn1.SEQUENCE) {
		return s, false
	}
	rawTBS := tbs
	if !tbs.ReadASN1(&tbs, casn1.SEQUENCE) {
		return s, false
	}

	// version [0] EXPLICIT INTEGER DEFAULT v1; x509 takes 0 to 2.
	version := byte(0)
	var v cryptobyte.String
	var hasVersion bool
	if !tbs.ReadOptionalASN1(&v, &hasVersion, casn1.Tag(0).Constructed().ContextSpecific()) {
		return s, false
	}
	if hasVersion {
		var n cryptobyte.String
		if !v.ReadASN1(&n, casn1.INTEGER) || !v.Empty() || len(n) != 1 || n[0] > 2 {
			return s, false
		}
		version = n[0]
	}

	var serial cryptobyte.String
	if !tbs.ReadASN1(&serial, casn1.INTEGER) || !validInteger(serial) || serial[0]&0x80 != 0 {
		return s, false // negative serials are x509's call (GODEBUG x509negativeserial)
	}

	var sigAI, outerSigAI cryptobyte.String
	if !tbs.ReadASN1(&sigAI, casn1.SEQUENCE) || !cert.ReadASN1(&outerSigAI, casn1.SEQUENCE) ||
		!bytes.Equal(sigAI, outerSigAI) {
		return s, false
	}
	sigOID, sigParams, ok := readAlgorithm(sigAI)
	if !ok {
		return s, false
	}

	var issuer, validity, subject cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, casn1.SEQUENCE) {
		return s, false
	}
	var names certNames
	names.issuer, names.issuerTag, ok = readName(issuer)
	if !ok {
		return s, false
	}
	if !tbs.ReadASN1(&validity, casn1.SEQUENCE) ||
		!readTime(&validity, &s.notBefore) || !readTime(&validity, &s.notAfter) {
		return s, false
	}
	if !tbs.ReadASN1Element(&subject, casn1.SEQUENCE) {
		return s, false
	}
	names.subject, names.subjectTag, ok = readName(subject)
	if !ok {
		return s, false
	}
	selfIssued := bytes.Equal(issuer, subject)

	var spki, keyAI cryptobyte.String
	var keyBits asn1.BitString
	if !tbs.ReadASN1(&spki, casn1.SEQUENCE) || !spki.ReadASN1(&keyAI, casn1.SEQUENCE) {
		return s, false
	}
	keyOID, keyParams, ok := readAlgorithm(keyAI)
	if !ok || !spki.ReadASN1BitString(&keyBits) {
		return s, false
	}
	key, ok := publicKey(keyOID, keyParams, keyBits.RightAlign(), selfIssued)
	if !ok {
		return s, false
	}

	if version > 0 {
		if !tbs.SkipOptionalASN1(casn1.Tag(1).ContextSpecific()) || // issuerUniqueID
			!tbs.SkipOptionalASN1(casn1.Tag(2).ContextSpecific()) { // subjectUniqueID
			return s, false
		}
		if version == 2 {
			var exts cryptobyte.String
			var present bool
			if !tbs.ReadOptionalASN1(&exts, &present, casn1.Tag(3).Constructed().ContextSpecific()) {
				return s, false
			}
			if present && (!exts.ReadASN1(&exts, casn1.SEQUENCE) || !readExtensions(exts, &names)) {
				return s, false
			}
		}
	}

	var sig asn1.BitString
	if !cert.ReadASN1BitString(&sig) {
		return s, false
	}
	if selfIssued {
		algo, ok := signatureAlgorithm(sigOID, sigParams)
		if !ok {
			return s, false
		}
		c := &x509.Certificate{PublicKey: key}
		s.selfSigned = c.CheckSignature(algo, rawTBS, sig.RightAlign()) == nil
	}
	s.subject, s.issuer, s.sans = names.strings()
	s.ok = true
	return s, true
}

// validInteger is cryptobyte's check of an INTEGER's encoding: at least
// one byte, and no more than needed.
func validInteger(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	return len(b) == 1 || !(b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 == 0x80)
}

// validOID is the check cryptobyte's ReadASN1ObjectIdentifier makes of an
// OBJECT IDENTIFIER's contents: base-128 components of at most 31 bits,
// each in as few bytes as possible. Two valid encodings differ exactly
// when the identifiers do, so they can be compared as bytes.
func validOID(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		v := 0
		for i := 0; ; i++ {
			if len(b) == 0 || i == 5 || v >= 1<<(31-7) {
				return false
			}
			c := b[0]
			b = b[1:]
			if i == 0 && c == 0x80 {
				return false
			}
			v = v<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	return true
}

// readOID reads an OBJECT IDENTIFIER as ReadASN1ObjectIdentifier would
// accept it, returning its contents.
func readOID(s *cryptobyte.String, oid *cryptobyte.String) bool {
	return s.ReadASN1(oid, casn1.OBJECT_IDENTIFIER) && validOID(*oid)
}

// readAlgorithm reads an AlgorithmIdentifier's contents as x509's parseAI
// does: the OID's contents and the whole parameters element, if any.
func readAlgorithm(der cryptobyte.String) (oid, params cryptobyte.String, ok bool) {
	if !readOID(&der, &oid) {
		return nil, nil, false
	}
	if der.Empty() {
		return oid, nil, true
	}
	var tag casn1.Tag
	if !der.ReadAnyASN1Element(&params, &tag) {
		return nil, nil, false
	}
	return oid, params, true
}

// readTime is x509's parseTime, reading the usual forms with zuluTime.
func readTime(s *cryptobyte.String, t *time.Time) bool {
	var utc bool
	switch {
	case s.PeekASN1Tag(casn1.UTCTime):
		utc = true
	case s.PeekASN1Tag(casn1.GeneralizedTime):
	default:
		return false
	}
	rest := *s
	var b cryptobyte.String
	if rest.ReadAnyASN1(&b, nil) {
		if v, ok := zuluTime(b, utc); ok {
			*t, *s = v, rest
			return true
		}
	}
	if utc {
		return s.ReadASN1UTCTime(t)
	}
	return s.ReadASN1GeneralizedTime(t)
}

// zuluTime reads a UTCTime (YYMMDDhhmmssZ) or a GeneralizedTime
// (YYYYMMDDhhmmssZ) in the one form RFC 5280 allows, giving what
// cryptobyte's ReadASN1UTCTime and ReadASN1GeneralizedTime give for it
// (which parse the string with time.Parse and check that it formats back
// the same) without their allocations. It reports false for any other
// form, and for a date or time out of range, which readTime then leaves
// to cryptobyte.
func zuluTime(b []byte, utc bool) (time.Time, bool) {
	n := 15
	if utc {
		n = 13
	}
	if len(b) != n || b[n-1] != 'Z' {
		return time.Time{}, false
	}
	d := b[:n-1]
	for _, c := range d {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	num := func(i int) int { return int(d[i]-'0')*10 + int(d[i+1]-'0') }
	var year int
	if utc {
		year = num(0) + 2000
		if year >= 2069 { // time.Parse's two-digit years
			year -= 100
		}
		d = d[2:]
	} else {
		year = num(0)*100 + num(2)
		d = d[4:]
	}
	month, day, hour, minute, sec := num(0), num(2), num(4), num(6), num(8)
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if utc && year >= 2050 {
		// RFC 5280 4.1.2.5.1: 50-99 are 1950-1999 (cryptobyte's
		// AddDate(-100, 0, 0), on a year as leap as this one).
		year -= 100
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// certNames is where readCert keeps the names it reads, in the DER,
// until the certificate has passed every check.
type certNames struct {
	subject, issuer       []byte // the common names' values
	subjectTag, issuerTag casn1.Tag
	san                   []byte // the subjectAltName extension's value
	dnsNames, dnsBytes    int    // the number of DNS names in san, their length
}

// strings copies the names out of the DER: the common names decoded as
// x509 does, the DNS names as they are. They share one string, so the
// copy is one allocation (and the list another).
func (n *certNames) strings() (subject, issuer string, sans []string) {
	var b strings.Builder
	b.Grow(decodedLen(n.subjectTag, n.subject) + decodedLen(n.issuerTag, n.issuer) + n.dnsBytes)
	writeDecoded(&b, n.subjectTag, n.subject)
	endSubject := b.Len()
	writeDecoded(&b, n.issuerTag, n.issuer)
	endIssuer := b.Len()
	forDNSNames(n.san, func(name []byte) { b.Write(name) })
	all := b.String()
	if n.dnsNames > 0 {
		sans = make([]string, 0, n.dnsNames)
		at := endIssuer
		forDNSNames(n.san, func(name []byte) {
			sans = append(sans, all[at:at+len(name)])
			at += len(name)
		})
	}
	return all[:endSubject], all[endSubject:endIssuer], sans
}

// forDNSNames calls f with each dNSName of a subjectAltName value that
// checkExtension accepted.
func forDNSNames(san cryptobyte.String, f func([]byte)) {
	if !san.ReadASN1(&san, casn1.SEQUENCE) {
		return
	}
	for !san.Empty() {
		var name cryptobyte.String
		var tag casn1.Tag
		if !san.ReadAnyASN1(&name, &tag) {
			return
		}
		if tag == tagDNSName {
			f(name)
		}
	}
}

// readName checks a Name (the whole element) as x509's parseName does
// and returns the value and string type of its common name: the last
// one, as pkix.Name keeps it (nil when it has none).
func readName(raw cryptobyte.String) ([]byte, casn1.Tag, bool) {
	if !raw.ReadASN1(&raw, casn1.SEQUENCE) {
		return nil, 0, false
	}
	var cn []byte
	var cnTag casn1.Tag
	for !raw.Empty() {
		var set cryptobyte.String
		if !raw.ReadASN1(&set, casn1.SET) {
			return nil, 0, false
		}
		for !set.Empty() {
			var atv, typ, value cryptobyte.String
			var tag casn1.Tag
			if !set.ReadASN1(&atv, casn1.SEQUENCE) || !readOID(&atv, &typ) ||
				!atv.ReadAnyASN1(&value, &tag) || !validString(tag, value) {
				return nil, 0, false
			}
			if string(typ) == oidCommonName {
				cn, cnTag = value, tag
			}
		}
	}
	return cn, cnTag, true
}

// validString reports whether x509's parseASN1String accepts value as a
// string of type tag.
func validString(tag casn1.Tag, value []byte) bool {
	switch tag {
	case casn1.T61String:
		return true
	case casn1.PrintableString:
		for _, b := range value {
			if !isPrintable(b) {
				return false
			}
		}
		return true
	case casn1.UTF8String:
		return utf8.Valid(value)
	case casn1.Tag(asn1.TagBMPString):
		if len(value)%2 != 0 {
			return false
		}
		value = trimBMP(value)
		for i := 0; i < len(value); i += 2 {
			// permanently reserved noncharacters and surrogates
			p := uint16(value[i])<<8 | uint16(value[i+1])
			if p == 0xfffe || p == 0xffff || p >= 0xfdd0 && p <= 0xfdef || p >= 0xd800 && p <= 0xdfff {
				return false
			}
		}
		return true
	case casn1.IA5String:
		return isIA5(value)
	case casn1.Tag(asn1.TagNumericString):
		for _, b := range value {
			if !('0' <= b && b <= '9' || b == ' ') {
				return false
			}
		}
		return true
	}
	return false
}

// decodedLen is the length of writeDecoded's string.
func decodedLen(tag casn1.Tag, value []byte) int {
	n := 0
	switch tag {
	case casn1.T61String:
		for _, v := range value {
			n += utf8.RuneLen(rune(v))
		}
	case casn1.Tag(asn1.TagBMPString):
		value = trimBMP(value)
		for i := 0; i+1 < len(value); i += 2 {
			n += utf8.RuneLen(rune(value[i])<<8 | rune(value[i+1]))
		}
	default:
		n = len(value)
	}
	return n
}

// writeDecoded writes parseASN1String's result for a value validString
// accepts: T.61 read as Latin-1, BMP as UCS-2 (which, with the
// surrogates refused, is one rune a code unit), the rest as they are.
func writeDecoded(b *strings.Builder, tag casn1.Tag, value []byte) {
	switch tag {
	case casn1.T61String:
		for _, v := range value {
			b.WriteRune(rune(v))
		}
	case casn1.Tag(asn1.TagBMPString):
		value = trimBMP(value)
		for i := 0; i+1 < len(value); i += 2 {
			b.WriteRune(rune(value[i])<<8 | rune(value[i+1]))
		}
	default:
		b.Write(value)
	}
}

// trimBMP drops the terminating zero code unit of a BMPString, as x509
// does.
func trimBMP(value []byte) []byte {
	if l := len(value); l >= 2 && value[l-1] == 0 && value[l-2] == 0 {
		return value[:l-2]
	}
	return value
}

// isPrintable is x509's PrintableString set, with its '*' and '&'.
func isPrintable(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		'\'' <= b && b <= ')' || '+' <= b && b <= '/' ||
		b == ' ' || b == ':' || b == '=' || b == '?' || b == '*' || b == '&'
}

func isIA5(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// publicKey checks a subjectPublicKey as x509's parsePublicKey does for
// the algorithms x509 knows (RSA, ECDSA, Ed25519; DSA is left to x509)
// and, when want is set, returns the key as x509 would hold it. A key of
// another algorithm is not parsed, by x509 either: nil, true.
func publicKey(oid, params, data []byte, want bool) (any, bool) {
	switch string(oid) {
	case oidKeyRSA:
		// RFC 3279 2.3.1: NULL parameters.
		if !bytes.Equal(params, asn1.NullBytes) {
			return nil, false
		}
		der := cryptobyte.String(data)
		var n, e cryptobyte.String
		if !der.ReadASN1(&der, casn1.SEQUENCE) ||
			!der.ReadASN1(&n, casn1.INTEGER) || !validInteger(n) ||
			!der.ReadASN1(&e, casn1.INTEGER) || !validInteger(e) || len(e) > 8 {
			return nil, false
		}
		exp := int64(0)
		for _, b := range e {
			exp = exp<<8 | int64(b)
		}
		// Both positive (not zero, no sign bit); the exponent an int.
		if n[0]&0x80 != 0 || len(n) == 1 && n[0] == 0 || e[0]&0x80 != 0 || exp == 0 || int64(int(exp)) != exp {
			return nil, false
		}
		if !want {
			return nil, true
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}, true
	case oidKeyECDSA:
		p := cryptobyte.String(params)
		var curveOID cryptobyte.String
		if !readOID(&p, &curveOID) {
			return nil, false
		}
		var curve elliptic.Curve
		switch string(curveOID) {
		case oidCurveP224:
			curve = elliptic.P224()
		case oidCurveP256:
			curve = elliptic.P256()
		case oidCurveP384:
			curve = elliptic.P384()
		case oidCurveP521:
			curve = elliptic.P521()
		default:
			return nil, false
		}
		k, err := ecdsa.ParseUncompressedPublicKey(curve, data)
		if err != nil {
			return nil, false
		}
		return k, true
	case oidKeyEd25519:
		// RFC 8410 3: no parameters.
		if len(params) != 0 || len(data) != ed25519.PublicKeySize {
			return nil, false
		}
		return ed25519.PublicKey(data), true
	case oidKeyDSA:
		return nil, false
	}
	return nil, true
}

// signatureAlgorithm is x509's getSignatureAlgorithmFromAI but for
// RSA-PSS, whose parameters it leaves to x509 (false).
func signatureAlgorithm(oid, params []byte) (x509.SignatureAlgorithm, bool) {
	switch string(oid) {
	case oidSigRSAPSS:
		return 0, false
	case oidSigEd25519:
		if len(params) != 0 {
			return x509.UnknownSignatureAlgorithm, true
		}
	}
	return sigAlgorithms[string(oid)], true // UnknownSignatureAlgorithm if absent
}

// maxExtensions bounds the extensions readCert compares for duplicates
// (x509 refuses a repeated one); more are left to x509.
const maxExtensions = 32

type extension struct {
	id, value []byte
	critical  bool
}

// readExtensions checks the extensions as parseCertificate and
// processExtensions do, noting the subjectAltName extension in names.
func readExtensions(der cryptobyte.String, names *certNames) bool {
	var list [maxExtensions]extension
	n := 0
	for !der.Empty() {
		var e extension
		var ext, id, value cryptobyte.String
		if !der.ReadASN1(&ext, casn1.SEQUENCE) || !readOID(&ext, &id) {
			return false
		}
		if ext.PeekASN1Tag(casn1.BOOLEAN) && !ext.ReadASN1Boolean(&e.critical) {
			return false
		}
		if !ext.ReadASN1(&value, casn1.OCTET_STRING) || n == len(list) {
			return false
		}
		for _, seen := range list[:n] {
			if bytes.Equal(seen.id, id) {
				return false
			}
		}
		e.id, e.value = id, value
		list[n] = e
		n++
	}
	for _, e := range list[:n] {
		if !checkExtension(e, names) {
			return false
		}
	}
	return true
}

var (
	tagCtx0  = casn1.Tag(0).ContextSpecific()
	tagCtx0C = casn1.Tag(0).Constructed().ContextSpecific()
	tagCtx6  = casn1.Tag(6).ContextSpecific()

	tagDNSName = casn1.Tag(2).ContextSpecific()
)

// checkExtension checks one extension's value as processExtensions does.
func checkExtension(e extension, names *certNames) bool {
	val := cryptobyte.String(e.value)
	if string(e.id) == oidExtAuthorityInfoAccess {
		if e.critical || !val.ReadASN1(&val, casn1.SEQUENCE) {
			return false
		}
		for !val.Empty() {
			var aia, method cryptobyte.String
			if !val.ReadASN1(&aia, casn1.SEQUENCE) || !readOID(&aia, &method) {
				return false
			}
			if aia.PeekASN1Tag(tagCtx6) && !aia.ReadASN1(&aia, tagCtx6) {
				return false
			}
		}
		return true
	}
	if len(e.id) != 3 || e.id[0] != 0x55 || e.id[1] != 0x1d { // not 2.5.29.x
		return true
	}
	switch e.id[2] {
	case 14: // subject key identifier
		var skid cryptobyte.String
		return !e.critical && val.ReadASN1(&skid, casn1.OCTET_STRING)
	case 15: // key usage
		var bits asn1.BitString
		return val.ReadASN1BitString(&bits)
	case 17: // subject alternative names
		names.san = e.value
		if !val.ReadASN1(&val, casn1.SEQUENCE) {
			return false
		}
		for !val.Empty() {
			var name cryptobyte.String
			var tag casn1.Tag
			if !val.ReadAnyASN1(&name, &tag) {
				return false
			}
			switch tag ^ 0x80 {
			case 1: // rfc822Name
				if !isIA5(name) {
					return false
				}
			case 2: // dNSName
				if !isIA5(name) {
					return false
				}
				names.dnsNames++
				names.dnsBytes += len(name)
			case 6: // uniformResourceIdentifier: x509 parses it as a URL
				return false
			case 7: // iPAddress
				if len(name) != 4 && len(name) != 16 {
					return false
				}
			}
		}
		return true
	case 19: // basic constraints
		if !val.ReadASN1(&val, casn1.SEQUENCE) {
			return false
		}
		var ca bool
		if val.PeekASN1Tag(casn1.BOOLEAN) && !val.ReadASN1Boolean(&ca) {
			return false
		}
		if val.PeekASN1Tag(casn1.INTEGER) {
			// read as a uint; x509 refuses one over math.MaxInt.
			var n cryptobyte.String
			if !val.ReadASN1(&n, casn1.INTEGER) || !validInteger(n) || n[0]&0x80 != 0 || len(n) > 9 || len(n) == 9 && n[0] != 0 {
				return false
			}
			u := uint64(0)
			for _, b := range n {
				u = u<<8 | uint64(b)
			}
			if u > math.MaxInt {
				return false
			}
		}
		return true
	case 31: // CRL distribution points
		if !val.ReadASN1(&val, casn1.SEQUENCE) {
			return false
		}
		for !val.Empty() {
			var dp, name cryptobyte.String
			var present bool
			if !val.ReadASN1(&dp, casn1.SEQUENCE) || !dp.ReadOptionalASN1(&name, &present, tagCtx0C) {
				return false
			}
			if !present {
				continue
			}
			if !name.ReadASN1(&name, tagCtx0C) {
				return false
			}
			for !name.Empty() && name.PeekASN1Tag(tagCtx6) {
				var uri cryptobyte.String
				if !name.ReadASN1(&uri, tagCtx6) {
					return false
				}
			}
		}
		return true
	case 32: // certificate policies
		return checkPolicies(val)
	case 35: // authority key identifier
		var akid cryptobyte.String
		if e.critical || !val.ReadASN1(&akid, casn1.SEQUENCE) {
			return false
		}
		return !akid.PeekASN1Tag(tagCtx0) || akid.ReadASN1(&akid, tagCtx0)
	case 37: // extended key usage
		if !val.ReadASN1(&val, casn1.SEQUENCE) {
			return false
		}
		for !val.Empty() {
			var oid cryptobyte.String
			if !readOID(&val, &oid) {
				return false
			}
		}
		return true
	case 30, 33, 36, 54: // name constraints, policy mappings and constraints, inhibit anyPolicy
		return false // left to x509
	}
	return true
}

// maxPolicies bounds the policies checkPolicies compares for duplicates.
const maxPolicies = 16

// checkPolicies is x509's parseCertificatePoliciesExtension's check.
func checkPolicies(der cryptobyte.String) bool {
	if !der.ReadASN1(&der, casn1.SEQUENCE) {
		return false
	}
	var seen [maxPolicies][]byte
	n := 0
	for !der.Empty() {
		var p, oid cryptobyte.String
		if !der.ReadASN1(&p, casn1.SEQUENCE) || !p.ReadASN1(&oid, casn1.OBJECT_IDENTIFIER) || n == len(seen) {
			return false
		}
		for _, o := range seen[:n] {
			if bytes.Equal(o, oid) {
				return false
			}
		}
		// newOIDFromDER: not empty, the last byte ends a component, no
		// component starts with 0x80.
		if len(oid) == 0 || oid[len(oid)-1]&0x80 != 0 {
			return false
		}
		start := true
		for _, b := range oid {
			if start && b == 0x80 {
				return false
			}
			start = b&0x80 == 0
		}
		seen[n] = oid
		n++
	}
	return true
}

// The contents of the OBJECT IDENTIFIERs readCert compares.
var (
	oidCommonName             = oidDER(2, 5, 4, 3)
	oidExtAuthorityInfoAccess = oidDER(1, 3, 6, 1, 5, 5, 7, 1, 1)

	oidKeyRSA     = oidDER(1, 2, 840, 113549, 1, 1, 1)
	oidKeyDSA     = oidDER(1, 2, 840, 10040, 4, 1)
	oidKeyECDSA   = oidDER(1, 2, 840, 10045, 2, 1)
	oidKeyEd25519 = oidDER(1, 3, 101, 112)

	oidCurveP224 = oidDER(1, 3, 132, 0, 33)
	oidCurveP256 = oidDER(1, 2, 840, 10045, 3, 1, 7)
	oidCurveP384 = oidDER(1, 3, 132, 0, 34)
	oidCurveP521 = oidDER(1, 3, 132, 0, 35)

	oidSigRSAPSS  = oidDER(1, 2, 840, 113549, 1, 1, 10)
	oidSigEd25519 = oidDER(1, 3, 101, 112)

	// x509's signatureAlgorithmDetails but RSA-PSS.
	sigAlgorithms = map[string]x509.SignatureAlgorithm{
		oidDER(1, 2, 840, 113549, 1, 1, 4):     x509.MD5WithRSA,
		oidDER(1, 2, 840, 113549, 1, 1, 5):     x509.SHA1WithRSA,
		oidDER(1, 3, 14, 3, 2, 29):             x509.SHA1WithRSA,
		oidDER(1, 2, 840, 113549, 1, 1, 11):    x509.SHA256WithRSA,
		oidDER(1, 2, 840, 113549, 1, 1, 12):    x509.SHA384WithRSA,
		oidDER(1, 2, 840, 113549, 1, 1, 13):    x509.SHA512WithRSA,
		oidDER(1, 2, 840, 10040, 4, 3):         x509.DSAWithSHA1,
		oidDER(2, 16, 840, 1, 101, 3, 4, 3, 2): x509.DSAWithSHA256,
		oidDER(1, 2, 840, 10045, 4, 1):         x509.ECDSAWithSHA1,
		oidDER(1, 2, 840, 10045, 4, 3, 2):      x509.ECDSAWithSHA256,
		oidDER(1, 2, 840, 10045, 4, 3, 3):      x509.ECDSAWithSHA384,
		oidDER(1, 2, 840, 10045, 4, 3, 4):      x509.ECDSAWithSHA512,
		oidDER(1, 3, 101, 112):                 x509.PureEd25519,
	}
)

// oidDER returns the contents of the OBJECT IDENTIFIER's DER encoding.
func oidDER(ids ...int) string {
	b, err := asn1.Marshal(asn1.ObjectIdentifier(ids))
	if err != nil || len(b) < 2 || b[1] >= 0x80 {
		panic("tlsx: bad OID")
	}
	return string(b[2:])
}
