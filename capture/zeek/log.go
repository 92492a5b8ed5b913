package zeek

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Format of a log file.
const (
	FormatTSV  = "zeek-tsv"
	FormatJSON = "zeek-json"
)

// maxLine bounds one log line; a longer one is reported and skipped.
const maxLine = 1 << 20

// sniffLen is how much of a file Detect reads: the header block of a TSV
// log (a dozen short lines) or the first JSON object.
const sniffLen = 64 << 10

// Sniff reports whether head (the first bytes of a file, decompressed)
// is a Zeek log, and in which format: a TSV log has a "#separator" line
// in its header block, a JSON log's first line is an object with "ts"
// and, for the logs tattle reads, "uid", "uids" or "fingerprint" fields
// (x509.log and the known_* logs have no uid; "_path" names them).
func Sniff(head []byte) (format string, ok bool) {
	rest := head
	for i := 0; i < 16 && len(rest) > 0; i++ {
		line := rest
		if j := bytes.IndexByte(rest, '\n'); j >= 0 {
			line, rest = rest[:j], rest[j+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimRight(line, "\r")
		if i == 0 && bytes.HasPrefix(line, []byte("{")) {
			var obj map[string]json.RawMessage
			if json.Unmarshal(line, &obj) != nil {
				return "", false
			}
			_, ts := obj["ts"]
			_, uid := obj["uid"]
			_, uids := obj["uids"]
			_, path := obj["_path"]
			_, fp := obj["fingerprint"]
			_, host := obj["host"]
			return FormatJSON, ts && (uid || uids || path || fp || host)
		}
		if bytes.HasPrefix(line, []byte("#separator ")) {
			return FormatTSV, true
		}
		if !bytes.HasPrefix(line, []byte("#")) {
			return "", false
		}
	}
	return "", false
}

// logFile is one open log, read record by record.
type logFile struct {
	name     string
	format   string
	compress string
	kind     string // "conn", "dns", ... from #path, _path or the fields
	f        *os.File
	gz       *gzip.Reader
	sc       *bufio.Scanner
	line     uint64

	// TSV header
	sep, setSep, empty, unset string
	fields                    map[string]int
	header                    bool // the #fields line was read
	pending                   []byte
}

// openLog opens name and reads its header. ok is false when the file is
// not a Zeek log.
func openLog(name string) (*logFile, bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, false, fmt.Errorf("zeek: %w", err)
	}
	lf := &logFile{name: name, f: f, sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
	br := bufio.NewReaderSize(f, 64<<10)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("zeek: %s: gzip: %w", name, err)
		}
		lf.gz, lf.compress, r = gz, "gzip", gz
	}
	rb := bufio.NewReaderSize(r, sniffLen)
	head, _ := rb.Peek(sniffLen)
	format, ok := Sniff(head)
	if !ok {
		lf.close()
		return nil, false, nil
	}
	lf.format = format
	lf.sc = bufio.NewScanner(rb)
	lf.sc.Buffer(make([]byte, 64<<10), maxLine)
	if format == FormatTSV {
		if err := lf.readHeader(); err != nil {
			lf.close()
			return nil, true, err
		}
	} else if len(head) > 0 {
		lf.kind = jsonKind(head)
	}
	return lf, true, nil
}

func (lf *logFile) close() {
	if lf.gz != nil {
		lf.gz.Close()
	}
	lf.f.Close()
}

// unescapeSep turns the "\x09" of a #separator line into its byte.
func unescapeSep(s string) string {
	if strings.HasPrefix(s, `\x`) && len(s) == 4 {
		if v, err := strconv.ParseUint(s[2:], 16, 8); err == nil {
			return string(rune(v))
		}
	}
	return s
}

// readHeader reads the # lines up to the #fields and #types lines.
func (lf *logFile) readHeader() error {
	for lf.sc.Scan() {
		lf.line++
		l := strings.TrimRight(lf.sc.Text(), "\r")
		if !strings.HasPrefix(l, "#") {
			lf.pending = []byte(l)
			break
		}
		if v, ok := strings.CutPrefix(l, "#separator "); ok {
			lf.sep = unescapeSep(v)
			continue
		}
		key, val, _ := strings.Cut(l[1:], lf.sep)
		switch key {
		case "set_separator":
			lf.setSep = val
		case "empty_field":
			lf.empty = val
		case "unset_field":
			lf.unset = val
		case "path":
			lf.kind = val
		case "fields":
			lf.fields = map[string]int{}
			for i, n := range strings.Split(val, lf.sep) {
				lf.fields[n] = i
			}
			lf.header = true
		case "types":
			// The #types line follows #fields; the data follow it.
		}
	}
	if err := lf.sc.Err(); err != nil {
		return fmt.Errorf("zeek: %s: line %d: %w", lf.name, lf.line+1, err)
	}
	if !lf.header {
		return fmt.Errorf("zeek: %s: no #fields line in the header", lf.name)
	}
	if lf.kind == "" {
		lf.kind = fieldsKind(lf.fields)
	}
	return nil
}

// jsonKind names the log a JSON line belongs to: its _path, or what its
// fields say.
func jsonKind(head []byte) string {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return ""
	}
	if p, ok := obj["_path"]; ok {
		var s string
		if json.Unmarshal(p, &s) == nil {
			return s
		}
	}
	fields := make(map[string]int, len(obj))
	for k := range obj {
		fields[k] = 0
	}
	return fieldsKind(fields)
}

// fieldsKind tells a log's kind from the fields only it has, for logs
// with no #path (or JSON without _path).
func fieldsKind(f map[string]int) string {
	has := func(n string) bool { _, ok := f[n]; return ok }
	switch {
	case has("conn_state") || has("orig_ip_bytes"):
		return "conn"
	case has("qtype_name") || has("query") && has("trans_id"):
		return "dns"
	case has("msg_types") && has("mac"):
		return "dhcp"
	case has("server_name") && has("cipher"):
		return "ssl"
	case has("certificate.subject"):
		return "x509"
	case has("method") && has("uri"):
		return "http"
	case has("command") && has("reply_code"):
		return "ftp"
	case has("stratum") && has("mode"):
		return "ntp"
	case has("software_type"):
		return "software"
	case has("port_num") && has("service"):
		return "known_services"
	}
	return ""
}

// record is one log line.
type record struct {
	lf   *logFile
	line uint64
	cols []string       // TSV
	obj  map[string]any // JSON
}

var errSkip = errors.New("skip")

// next reads the next record. It returns io.EOF at the end, errSkip with
// a message for a line it could not read (the caller warns and goes on).
func (lf *logFile) next() (record, error) {
	for {
		var l string
		if lf.pending != nil {
			l, lf.pending = string(lf.pending), nil
		} else {
			if !lf.sc.Scan() {
				if err := lf.sc.Err(); err != nil {
					return record{}, fmt.Errorf("zeek: %s: line %d: %w", lf.name, lf.line+1, err)
				}
				return record{}, io.EOF
			}
			lf.line++
			l = strings.TrimRight(lf.sc.Text(), "\r")
		}
		if l == "" {
			continue
		}
		if lf.format == FormatTSV {
			if strings.HasPrefix(l, "#") {
				if strings.HasPrefix(l, "#fields") || strings.HasPrefix(l, "#separator") {
					// A rotated log appended to another: a new header.
					lf.pending = []byte(l)
					lf.header = false
					if err := lf.readHeaderAgain(); err != nil {
						return record{}, err
					}
				}
				continue
			}
			return record{lf: lf, line: lf.line, cols: strings.Split(l, lf.sep)}, nil
		}
		var obj map[string]any
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		if err := d.Decode(&obj); err != nil {
			return record{lf: lf, line: lf.line}, fmt.Errorf("%w: zeek: %s: line %d: not a JSON object: %v", errSkip, lf.name, lf.line, err)
		}
		return record{lf: lf, line: lf.line, obj: obj}, nil
	}
}

// readHeaderAgain reads a header block met in the middle of a file.
func (lf *logFile) readHeaderAgain() error {
	first := string(lf.pending)
	lf.pending = nil
	if v, ok := strings.CutPrefix(first, "#separator "); ok {
		lf.sep = unescapeSep(v)
	} else if v, ok := strings.CutPrefix(first, "#fields"+lf.sep); ok {
		lf.fields = map[string]int{}
		for i, n := range strings.Split(v, lf.sep) {
			lf.fields[n] = i
		}
		lf.header = true
	}
	return lf.readHeader()
}

// unescape undoes Zeek's \xHH escaping of bytes in TSV values.
func unescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// str is the field's value, "" when unset or empty.
func (r record) str(name string) string {
	if r.obj != nil {
		switch v := r.obj[name].(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		case bool:
			if v {
				return "T"
			}
			return "F"
		}
		return ""
	}
	i, ok := r.lf.fields[name]
	if !ok || i >= len(r.cols) {
		return ""
	}
	v := r.cols[i]
	if v == r.lf.unset || v == r.lf.empty {
		return ""
	}
	return unescape(v)
}

// list is a set or vector field's values.
func (r record) list(name string) []string {
	if r.obj != nil {
		arr, _ := r.obj[name].([]any)
		out := make([]string, 0, len(arr))
		for _, v := range arr {
			switch v := v.(type) {
			case string:
				out = append(out, v)
			case json.Number:
				out = append(out, v.String())
			}
		}
		return out
	}
	v := r.str(name)
	if v == "" {
		return nil
	}
	parts := strings.Split(r.cols[r.lf.fields[name]], r.lf.setSep)
	for i := range parts {
		parts[i] = unescape(parts[i])
	}
	return parts
}

func (r record) uints(name string) []uint16 {
	var out []uint16
	for _, s := range r.list(name) {
		if v, err := strconv.ParseUint(s, 10, 16); err == nil {
			out = append(out, uint16(v))
		}
	}
	return out
}

func (r record) uint(name string) uint64 {
	v, _ := strconv.ParseUint(r.str(name), 10, 64)
	return v
}

func (r record) addr(name string) netip.Addr {
	a, err := netip.ParseAddr(r.str(name))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func (r record) port(name string) uint16 {
	v, _ := strconv.ParseUint(r.str(name), 10, 16)
	return uint16(v)
}

// time parses a Zeek time: seconds since the epoch with a fraction, or
// (JSON logs with ISO timestamps) RFC 3339. ok is false when the field is
// unset or unreadable (btest baselines mask them as XXXXXXXXXX.XXXXXX).
func (r record) time(name string) (time.Time, bool) {
	return parseTime(r.str(name))
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && f >= 0 && f < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// interval parses a Zeek interval (seconds with a fraction).
func (r record) interval(name string) time.Duration {
	f, err := strconv.ParseFloat(r.str(name), 64)
	if err != nil || f < 0 || f > 1e9 || math.IsNaN(f) {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
