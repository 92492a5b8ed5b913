package tlsx

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// sameSummary reports how a and b differ ("" if not at all), time zones
// included.
func sameSummary(a, b certSummary) string {
	switch {
	case a.ok != b.ok:
		return "ok"
	case a.subject != b.subject:
		return "subject"
	case a.issuer != b.issuer:
		return "issuer"
	case !reflect.DeepEqual(a.sans, b.sans):
		return "SANs"
	case a.notBefore.Format(time.RFC3339Nano) != b.notBefore.Format(time.RFC3339Nano) || !a.notBefore.Equal(b.notBefore):
		return "notBefore"
	case a.notAfter.Format(time.RFC3339Nano) != b.notAfter.Format(time.RFC3339Nano) || !a.notAfter.Equal(b.notAfter):
		return "notAfter"
	case a.selfSigned != b.selfSigned:
		return "selfSigned"
	}
	return ""
}

// checkAgainstX509 fails t when readCert accepts der and crypto/x509
// does not, or reads other fields. It reports whether readCert read it.
func checkAgainstX509(t testing.TB, name string, der []byte) bool {
	t.Helper()
	got, ok := readCert(der)
	if !ok {
		return false
	}
	want := parseCert(der)
	if !want.ok {
		_, err := x509.ParseCertificate(der)
		t.Errorf("%s: readCert accepts a certificate x509 refuses (%v)", name, err)
	} else if d := sameSummary(got, want); d != "" {
		t.Errorf("%s: readCert's %s differs from x509's:\n got %+v\nwant %+v", name, d, got, want)
	}
	return true
}

// captureCerts returns the certificates in the TLS handshakes of the
// captures (each chain's every certificate, both directions), and every
// byte range of the files that starts like a certificate (a SEQUENCE
// with a two-byte length holding another): whole ones, cut ones and
// things that only look like one, all good for comparing the parsers.
func captureCerts(t *testing.T, paths []string) map[string]string {
	ders := map[string]string{}
	for _, path := range paths {
		name := filepath.Base(path)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+8 <= len(raw); i++ {
			if raw[i] == 0x30 && raw[i+1] == 0x82 && raw[i+4] == 0x30 && raw[i+5] == 0x82 {
				n := 4 + int(binary.BigEndian.Uint16(raw[i+2:]))
				ders[string(raw[i:min(i+n, len(raw))])] = name + " (bytes)"
			}
		}
		src, err := capture.Open(path)
		if err != nil {
			continue
		}
		c := &certCollector{found: func(der []byte) { ders[string(der)] = name }}
		_ = capture.NewScanner(nullSink{}, capture.Options{Dissectors: []capture.Dissector{c}}).Run(src)
		src.Close()
	}
	return ders
}

type nullSink struct{}

func (nullSink) Event(capture.Event) {}
func (nullSink) Flow(*capture.Flow)  {}

// certCollector rebuilds each TCP direction that starts with a
// handshake record and reports the certificates of its Certificate
// message.
type certCollector struct{ found func([]byte) }

func (*certCollector) Name() string { return "certs" }

func (c *certCollector) Dissect(p *capture.Packet, _ func(capture.Event)) {
	if p.Transport != capture.TCP || len(p.Payload) == 0 {
		return
	}
	st := p.State()
	s, _ := (*st).(*[2]stream)
	if s == nil {
		s = new([2]stream)
		*st = s
	}
	d := &s[p.Dir]
	if d.done {
		return
	}
	if !d.started && !IsHandshakeRecord(p.Payload) {
		d.done = true
		return
	}
	if !d.add(p.TCPSeq, p.Payload) || c.certificates(d.buf) {
		d.done = true
	}
}

// certificates walks the handshake messages of a record stream, reports
// those of the first Certificate message and returns true once there is
// nothing more to find.
func (c *certCollector) certificates(b []byte) bool {
	var hs []byte
	for len(b) >= 5 && b[0] == 0x16 {
		n := int(binary.BigEndian.Uint16(b[3:]))
		if len(b) < 5+n {
			break
		}
		hs = append(hs, b[5:5+n]...)
		b = b[5+n:]
	}
	end := len(b) >= 5 // a record other than a handshake follows
	for len(hs) >= 4 {
		n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
		if len(hs) < 4+n {
			return end
		}
		if hs[0] == 11 && n >= 3 {
			list := hs[7 : 4+n]
			for len(list) >= 3 {
				l := int(list[0])<<16 | int(list[1])<<8 | int(list[2])
				if len(list) < 3+l {
					break
				}
				c.found(list[3 : 3+l])
				list = list[3+l:]
			}
			return true
		}
		hs = hs[4+n:]
	}
	return end
}

// generatedCerts are certificates made for the paths the captures may
// not take: the key types, self-issued and CA-issued, names in BMP and
// T.61 strings, IP, e-mail and URI names, a critical extension.
func generatedCerts(t testing.TB) map[string]string {
	t.Helper()
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, ed, _ := ed25519.GenerateKey(rand.Reader)
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA", Organization: []string{"tattle"}},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 2, KeyUsage: x509.KeyUsageCertSign,
	}
	bmp := func(s string) asn1.RawValue {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r>>8), byte(r))
		}
		return asn1.RawValue{Tag: asn1.TagBMPString, Bytes: b}
	}
	leaf := func(mod func(*x509.Certificate)) *x509.Certificate {
		c := &x509.Certificate{
			SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "device.example"},
			NotBefore: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), NotAfter: time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC),
			DNSNames: []string{"device.example", "*.device.example"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			CRLDistributionPoints: []string{"http://crl.example/ca.crl"}, OCSPServer: []string{"http://ocsp.example"},
			IssuingCertificateURL: []string{"http://ca.example/ca.crt"},
			Policies:              []x509.OID{mustOID(t, "2.23.140.1.2.1")},
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	u, _ := url.Parse("https://device.example/id")
	cases := []struct {
		name         string
		tmpl, parent *x509.Certificate
		pub          any
		priv         crypto.Signer
	}{
		{"RSA self-signed CA", ca, ca, &rk.PublicKey, rk},
		{"ECDSA P-384 leaf from the RSA CA", leaf(nil), ca, &ec.PublicKey, rk},
		{"Ed25519 self-signed", leaf(nil), leaf(nil), edPub, ed},
		{"ECDSA self-signed, IP and e-mail names", leaf(func(c *x509.Certificate) {
			c.IPAddresses, c.EmailAddresses = []net.IP{net.IPv4(192, 168, 1, 9), net.ParseIP("fe80::1")}, []string{"admin@device.example"}
		}), nil, &ec.PublicKey, ec},
		{"URI name (left to x509)", leaf(func(c *x509.Certificate) { c.URIs = []*url.URL{u} }), ca, &ec.PublicKey, rk},
		{"BMP and T.61 names, two CNs", leaf(func(c *x509.Certificate) {
			c.Subject = pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: asn1.RawValue{Tag: asn1.TagT61String, Bytes: []byte("caf\xe9")}},
				{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Org"},
				{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: bmp("Kamera ü")},
			}}
		}), ca, &ec.PublicKey, rk},
		{"critical unknown extension, no SANs", leaf(func(c *x509.Certificate) {
			c.DNSNames = nil
			c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}}}
		}), ca, &ec.PublicKey, rk},
		{"name constraints (left to x509)", leaf(func(c *x509.Certificate) { c.PermittedDNSDomains = []string{"example"} }), ca, &ec.PublicKey, rk},
	}
	out := map[string]string{}
	for _, c := range cases {
		parent := c.parent
		if parent == nil {
			parent = c.tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, c.tmpl, parent, c.pub, c.priv)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out[string(der)] = c.name
	}
	return out
}

func mustOID(t testing.TB, s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestReadCertAgreesWithX509: on every certificate of the test captures,
// the shared captures when present, and the generated ones, readCert
// either defers to x509 or reads what x509 reads.
func TestReadCertAgreesWithX509(t *testing.T) {
	root := testutil.ModuleRoot(t)
	paths, _ := filepath.Glob(filepath.Join(root, "testdata", "*.pcap*"))
	demo, _ := filepath.Glob(filepath.Join(root, "internal", "demo", "*.pcap*"))
	paths = append(paths, demo...)
	if dir := sharedCapturesDir(root); dir != "" {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".cap")) {
				paths = append(paths, p)
			}
			return nil
		})
	} else {
		t.Log("shared captures absent: only the repository's and the generated certificates")
	}
	ders := captureCerts(t, paths)
	whole, read := 0, 0
	for der, name := range ders {
		if parseCert([]byte(der)).ok {
			whole++
		}
		if checkAgainstX509(t, name, []byte(der)) {
			read++
		}
	}
	t.Logf("%d candidates from %d captures, %d certificates x509 reads, %d read by readCert", len(ders), len(paths), whole, read)
	if whole > 0 && read < whole/2 {
		t.Errorf("readCert read %d of %d certificates: most should not need x509", read, whole)
	}

	for der, name := range generatedCerts(t) {
		read := checkAgainstX509(t, name, []byte(der))
		if left := strings.Contains(name, "left to x509"); read == left {
			t.Errorf("%s: readCert read it: %v", name, read)
		}
	}
}

// sharedCapturesDir is testutil.SharedCaptures without the skip.
func sharedCapturesDir(root string) string {
	dir := os.Getenv("TATTLE_SHARED_CAPTURES")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "captures")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// readCert refuses what x509 refuses: damaged copies of a certificate
// (each byte changed in turn, each length cut) never read differently.
func TestReadCertDamaged(t *testing.T) {
	for der, name := range generatedCerts(t) {
		b := []byte(der)
		for i := range b {
			d := bytes.Clone(b)
			d[i] ^= []byte{0x01, 0x80, 0xff}[i%3]
			checkAgainstX509(t, name+" damaged", d)
		}
		for n := range len(b) {
			checkAgainstX509(t, name+" cut", b[:n])
		}
	}
}

// FuzzReadCert: readCert never panics, and what it accepts x509 accepts
// with the same fields.
func FuzzReadCert(f *testing.F) {
	for der := range generatedCerts(f) {
		f.Add([]byte(der))
	}
	der, _ := selfSigned(f)
	f.Add(der)
	f.Fuzz(func(t *testing.T, der []byte) {
		checkAgainstX509(t, "fuzz input", der)
	})
}

// BenchmarkCertSummary reads a CA-issued RSA leaf certificate, as most
// servers present, with readCert and with crypto/x509.
func BenchmarkCertSummary(b *testing.B) {
	ca, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		b.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		b.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Bench CA", Organization: []string{"tattle"}},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), IsCA: true, BasicConstraintsValid: true}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(0x1234567890), Subject: pkix.Name{CommonName: "api.example.com", Organization: []string{"Example"}, Country: []string{"US"}},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames: []string{"api.example.com", "www.example.com", "example.com"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature, CRLDistributionPoints: []string{"http://crl.example/ca.crl"}, OCSPServer: []string{"http://ocsp.example"},
		Policies: []x509.OID{mustOID(b, "2.23.140.1.2.2")}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caTmpl, &key.PublicKey, ca)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    func([]byte) certSummary
	}{{"readCert", func(d []byte) certSummary { s, _ := readCert(d); return s }}, {"x509", parseCert}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if s := bc.f(der); !s.ok || len(s.sans) != 3 {
					b.Fatalf("%+v", s)
				}
			}
		})
	}
}

// zuluTime gives what cryptobyte gives wherever it reads a time: every
// month and edge day of years around the leap and century rules and
// UTCTime's 1950/2049 pivot, hours, minutes and seconds past their
// range. (Elsewhere it declines, and readTime asks cryptobyte.)
func TestZuluTime(t *testing.T) {
	read, checked := 0, 0
	for _, utc := range []bool{true, false} {
		years := []int{1900, 1950, 1952, 1968, 1969, 1999, 2000, 2024, 2049, 2050, 2052, 2068, 2100, 2400, 9999, 0}
		for _, year := range years {
			for month := 0; month <= 13; month++ {
				for _, day := range []int{0, 1, 28, 29, 30, 31, 32} {
					for _, hms := range [][3]int{{0, 0, 0}, {23, 59, 59}, {24, 0, 0}, {12, 60, 0}, {12, 0, 60}} {
						var s string
						if utc {
							s = fmt.Sprintf("%02d%02d%02d%02d%02d%02dZ", year%100, month, day, hms[0], hms[1], hms[2])
						} else {
							s = fmt.Sprintf("%04d%02d%02d%02d%02d%02dZ", year, month, day, hms[0], hms[1], hms[2])
						}
						got, ok := zuluTime([]byte(s), utc)
						var b cryptobyte.Builder
						tag := casn1.GeneralizedTime
						if utc {
							tag = casn1.UTCTime
						}
						b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
						in := cryptobyte.String(b.BytesOrPanic())
						var want time.Time
						var wantOK bool
						if utc {
							wantOK = in.ReadASN1UTCTime(&want)
						} else {
							wantOK = in.ReadASN1GeneralizedTime(&want)
						}
						checked++
						if ok {
							read++
							if !wantOK || !got.Equal(want) || got.Location().String() != want.Location().String() {
								t.Errorf("%q: zuluTime %v, cryptobyte %v (%v)", s, got, want, wantOK)
							}
						} else if wantOK {
							t.Errorf("%q: zuluTime declines what cryptobyte reads as %v", s, want)
						}
					}
				}
			}
		}
	}
	t.Logf("%d of %d strings read", read, checked)
	for _, s := range []string{"2501010000Z", "250101000000+0100", "20250101000000.5Z", "250101000000z", "25010100000Z0"} {
		if _, ok := zuluTime([]byte(s), len(s) < 15); ok {
			t.Errorf("%q: zuluTime reads a form it should leave to cryptobyte", s)
		}
	}
}
