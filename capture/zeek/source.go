package zeek

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/tattle-audit/tattle/capture"
)

// Input is one log file as it was read.
type Input struct {
	Name     string
	Format   string // FormatTSV, FormatJSON
	Compress string // "", "gzip"
	Kind     string // "conn", "dns", ... ("" for a log tattle does not read)
	Records  uint64
	Err      error
}

// Source reads the Zeek logs of directories and files.
type Source struct {
	files    []*logFile
	inputs   []*Input
	warnings []string
	skipped  []string // files in directories that are not Zeek logs
}

// Detect reports whether path is a Zeek log, or a directory holding at
// least one, by content: the header of a TSV log or the first object of
// a JSON one (gzip-compressed or not). Names are never looked at.
func Detect(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !st.IsDir() {
		lf, ok, _ := openLog(path)
		if lf != nil {
			lf.close()
		}
		return ok
	}
	found := false
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || !d.Type().IsRegular() {
			return nil
		}
		if lf, ok, _ := openLog(p); ok {
			if lf != nil {
				lf.close()
			}
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// Open opens the Zeek logs among paths: files, and directories walked in
// lexical order. A file given by name that is not a Zeek log is an error;
// one found in a directory is skipped with a warning. Open fails when no
// log can be read.
func Open(paths ...string) (*Source, error) {
	s := &Source{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("zeek: %w", err)
		}
		var names []string
		if st.IsDir() {
			filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					names = append(names, path)
				}
				return nil
			})
			sort.Strings(names)
		} else {
			names = []string{p}
		}
		for _, n := range names {
			lf, ok, err := openLog(n)
			if !ok {
				if !st.IsDir() {
					s.Close()
					return nil, fmt.Errorf("zeek: %s is not a Zeek log (no #separator header, not JSON lines with ts)", n)
				}
				s.skipped = append(s.skipped, n)
				continue
			}
			in := &Input{Name: n}
			s.inputs = append(s.inputs, in)
			if err != nil {
				in.Err = err
				continue
			}
			in.Format, in.Compress, in.Kind = lf.format, lf.compress, lf.kind
			if !readKinds[lf.kind] {
				s.warnings = append(s.warnings, fmt.Sprintf("zeek: %s: %q log not read (tattle reads %s)", n, lf.kind, strings.Join(kindList(), ", ")))
				in.Kind = ""
				lf.close()
				continue
			}
			s.files = append(s.files, lf)
		}
	}
	if len(s.files) == 0 {
		s.Close()
		return nil, errors.New("zeek: no Zeek logs tattle reads among the inputs")
	}
	if len(s.skipped) > 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("zeek: %d files that are not Zeek logs skipped (first: %s)", len(s.skipped), s.skipped[0]))
	}
	return s, nil
}

// readKinds are the logs turned into events and flows.
var readKinds = map[string]bool{
	"conn": true, "dns": true, "dhcp": true, "ssl": true, "x509": true, "http": true, "ntp": true,
	"software": true, "known_hosts": true, "known_services": true, "ftp": true,
}

func kindList() []string {
	var out []string
	for k := range readKinds {
		out = append(out, k+".log")
	}
	sort.Strings(out)
	return out
}

// Close closes the files not yet read.
func (s *Source) Close() error {
	for _, lf := range s.files {
		if lf != nil {
			lf.close()
		}
	}
	s.files = nil
	return nil
}

// Inputs describes the log files, with the records read so far.
func (s *Source) Inputs() []Input {
	out := make([]Input, len(s.inputs))
	for i, in := range s.inputs {
		out[i] = *in
	}
	return out
}

// Warnings are problems met that did not stop reading.
func (s *Source) Warnings() []string { return slices.Clone(s.warnings) }

// has reports whether a log of kind was given.
func (s *Source) has(kind string) bool {
	for _, lf := range s.files {
		if lf.kind == kind {
			return true
		}
	}
	return false
}

// hasField reports whether some log of kind has the field.
func (s *Source) hasField(kind, field string) bool {
	for _, lf := range s.files {
		if lf.kind != kind {
			continue
		}
		if lf.format == FormatJSON {
			return true // JSON omits unset fields: cannot tell from one line
		}
		if _, ok := lf.fields[field]; ok {
			return true
		}
	}
	return false
}

// NotFromLogs lists the checks a packet scan makes that these logs do
// not carry the facts for, to be said in the result.
func (s *Source) NotFromLogs() []string {
	out := []string{
		"payload inspection (personal data in cleartext, credentials other than the HTTP and FTP user names http.log and ftp.log record, entropy of unknown payloads): Zeek logs carry no payloads",
		"mDNS/DNS-SD services, SSDP and UPnP device descriptions: not in these logs",
	}
	if !s.has("ssl") {
		out = append(out, "TLS (server names, fingerprints, versions, certificates): no ssl.log")
	} else if !s.hasField("ssl", "client_ciphers") {
		out = append(out, "weak TLS cipher suites and TLS versions offered: ssl.log has no client_ciphers (load policy/protocols/ssl/ssl-log-ext)")
	}
	if s.has("ssl") && !s.hasField("ssl", "ja4") && !s.hasField("ssl", "client_ciphers") {
		out = append(out, "JA4 TLS client fingerprints: ssl.log has no ja4 field (the JA4 package) and no ssl-log-ext fields to compute it from")
	}
	if s.has("ssl") && !s.has("x509") {
		out = append(out, "TLS server certificate checks (self-signed, expired): no x509.log")
	}
	if !s.has("conn") {
		out = append(out, "packet and byte counts: no conn.log (destinations come from the protocol logs' connections, counted once each)")
	}
	return out
}

// pass is one reading of the logs of some kinds.
func (s *Source) each(kinds []string, fn func(kind string, r record)) error {
	var errs []error
	for _, lf := range s.files {
		if !slices.Contains(kinds, lf.kind) {
			continue
		}
		if err := s.readAll(lf, func(r record) { fn(lf.kind, r) }); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readAll reads one log to its end; lines it cannot read are warned
// about (the first few) and counted.
func (s *Source) readAll(lf *logFile, fn func(record)) error {
	in := s.input(lf.name)
	bad := 0
	for {
		r, err := lf.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errSkip) {
			bad++
			if bad <= 3 {
				s.warnings = append(s.warnings, strings.TrimPrefix(err.Error(), errSkip.Error()+": "))
			}
			continue
		}
		if err != nil {
			in.Err = err
			return err
		}
		in.Records++
		fn(r)
	}
	if bad > 3 {
		s.warnings = append(s.warnings, fmt.Sprintf("zeek: %s: %d lines could not be read in all", lf.name, bad))
	}
	return nil
}

func (s *Source) input(name string) *Input {
	for _, in := range s.inputs {
		if in.Name == name {
			return in
		}
	}
	in := &Input{Name: name}
	s.inputs = append(s.inputs, in)
	return in
}

// rewind reopens a log for a second pass.
func (s *Source) rewind(i int) error {
	old := s.files[i]
	old.close()
	lf, _, err := openLog(old.name)
	if err != nil {
		return err
	}
	if lf == nil {
		return fmt.Errorf("zeek: %s changed while it was read", old.name)
	}
	s.files[i] = lf
	return nil
}

// macs maps local addresses to the MAC addresses the logs give them.
type macs struct {
	m       map[netip.Addr]capture.MAC
	changed int // addresses seen with more than one MAC (DHCP reassignments, say)
}

const maxMACs = 1 << 18

func (m *macs) add(ip netip.Addr, mac capture.MAC) {
	if !ip.IsValid() || mac.IsZero() || mac[0]&1 != 0 || len(m.m) >= maxMACs {
		return
	}
	if old, ok := m.m[ip]; ok {
		if old != mac {
			m.changed++
		}
		return
	}
	m.m[ip] = mac
}

func parseMAC(s string) capture.MAC {
	var m capture.MAC
	if len(s) != 17 {
		return m
	}
	for i := 0; i < 6; i++ {
		hi, lo := unhex(s[3*i]), unhex(s[3*i+1])
		if hi < 0 || lo < 0 || (i < 5 && s[3*i+2] != ':' && s[3*i+2] != '-') {
			return capture.MAC{}
		}
		m[i] = byte(hi<<4 | lo)
	}
	return m
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
