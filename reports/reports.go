// Package reports renders a result.Result for people and for machines:
// terminal, JSON, NDJSON, SARIF, HTML, Markdown and Apache Parquet. One Reporter per
// format, one file each; they import only the result model. Every string
// that came from a capture is escaped for its output.
package reports

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/tattle-audit/tattle/result"
)

// Options shape a report. The caller (the command line) decides colour
// and width; reporters never look at the terminal themselves.
type Options struct {
	Color bool
	Width int // columns; 0 means 100
	// All lists every finding in the terminal report (by default the
	// first few per device, with a count of the rest).
	All bool
}

// Reporter renders a result.
type Reporter interface {
	Render(w io.Writer, r *result.Result) error
}

// Formats lists the format names New accepts.
var Formats = []string{"terminal", "json", "ndjson", "sarif", "html", "markdown", "parquet"}

// New returns the reporter for a format.
func New(format string, opts Options) (Reporter, error) {
	if opts.Width <= 0 {
		opts.Width = 100
	}
	switch format {
	case "terminal", "text":
		return &Terminal{opts: opts}, nil
	case "json":
		return JSON{}, nil
	case "ndjson":
		return NDJSON{}, nil
	case "sarif":
		return SARIF{}, nil
	case "html":
		return HTML{}, nil
	case "markdown", "md":
		return Markdown{}, nil
	case "parquet":
		return Parquet{}, nil
	}
	return nil, fmt.Errorf("reports: unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// Severity order, lowest first.
var severities = []string{result.SeverityInfo, result.SeverityLow, result.SeverityMedium, result.SeverityHigh, result.SeverityCritical}

// SeverityRank orders severities; unknown ones rank -1.
func SeverityRank(s string) int {
	for i, x := range severities {
		if x == s {
			return i
		}
	}
	return -1
}

// ValidSeverity reports whether s names a severity.
func ValidSeverity(s string) bool { return SeverityRank(s) >= 0 }

// ExceedsThreshold reports whether any finding is at or above severity.
func ExceedsThreshold(r *result.Result, severity string) bool {
	min := SeverityRank(severity)
	if min < 0 {
		return false
	}
	for _, d := range r.Devices {
		for _, f := range d.Findings {
			if SeverityRank(f.Severity) >= min {
				return true
			}
		}
	}
	return false
}

// sortedFindings orders a device's findings by severity (highest first),
// then kind and id.
func sortedFindings(fs []result.Finding) []result.Finding {
	out := append([]result.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := SeverityRank(out[i].Severity), SeverityRank(out[j].Severity)
		if a != b {
			return a > b
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func deviceLabel(d *result.Device) string { return result.DeviceLabel(d) }

func destLabel(d *result.Destination) string {
	if d.Name != "" {
		return d.Name
	}
	return d.IP
}

// evidenceRef cites packets: "home.pcapng #12, #13".
func evidenceRef(ev []result.Evidence) string {
	var parts []string
	last := ""
	var lastPkt uint64
	for _, e := range ev {
		// Two claims on one packet (a MAC and coordinates) cite it once.
		if e.Packet == 0 || (e.File == last && e.Packet == lastPkt) {
			continue
		}
		lastPkt = e.Packet
		if e.File != last {
			parts = append(parts, fmt.Sprintf("%s #%d", e.File, e.Packet))
			last = e.File
		} else {
			parts = append(parts, fmt.Sprintf("#%d", e.Packet))
		}
	}
	return strings.Join(parts, ", ")
}

// partyOrder ranks parties for display: third parties first.
func partyRank(p string) int {
	switch p {
	case result.PartyThird:
		return 0
	case result.PartyUnclassified:
		return 1
	case result.PartyFirst:
		return 2
	case result.PartySupport:
		return 3
	}
	return 4
}

// orgSummary groups a device's internet destinations by organisation.
type orgSummary struct {
	Org      string
	Party    string
	Category string
	Bytes    uint64
	Names    []string

	categories []string
}

func organisations(d *result.Device) []orgSummary {
	m := map[string]*orgSummary{}
	for i := range d.Destinations {
		dst := &d.Destinations[i]
		if dst.Local {
			continue
		}
		key := dst.Organization
		if key == "" {
			key = "unclassified: " + destLabel(dst)
		}
		s := m[key]
		if s == nil {
			s = &orgSummary{Org: key, Party: dst.Party}
			m[key] = s
		}
		// Its services can be different parties (the vendor's own time
		// server is support, its cloud first): the most telling is shown.
		if partyRank(dst.Party) < partyRank(s.Party) {
			s.Party = dst.Party
		}
		// An organisation runs several services, each with its category
		// (Amazon's cloud beside its ad system): all of them are shown.
		if dst.Category != "" && !slices.Contains(s.categories, dst.Category) {
			s.categories = append(s.categories, dst.Category)
		}
		s.Bytes += dst.BytesOut + dst.BytesIn
		if n := destLabel(dst); len(s.Names) < 6 && !slices.Contains(s.Names, n) {
			s.Names = append(s.Names, n)
		}
	}
	out := make([]orgSummary, 0, len(m))
	for _, s := range m {
		sort.Strings(s.Names)
		sort.Strings(s.categories)
		s.Category = strings.Join(s.categories, ", ")
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := partyRank(out[i].Party), partyRank(out[j].Party); a != b {
			return a < b
		}
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Org < out[j].Org
	})
	return out
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// groupTitle names an overview group; capital starts the words.
func groupTitle(group string, capital bool) string {
	t := "IoT devices"
	switch group {
	case result.GroupUnknown:
		t = "unidentified devices"
	case result.GroupOther:
		t = "infrastructure, computers and phones"
	}
	if capital {
		t = strings.ToUpper(t[:1]) + t[1:]
		t = strings.Replace(t, "Iot", "IoT", 1)
	}
	return t
}

// classLine says which class a device of no known type is in, and why:
// with a type, the type says it.
func classLine(id *result.Identity) string {
	if id.Type.Value != "" {
		return ""
	}
	why := ""
	if len(id.ClassEvidence) > 0 {
		why = ": " + id.ClassEvidence[0].Detail
	}
	switch id.DeviceClass() {
	case result.ClassIoT:
		return "IoT device" + why
	case result.ClassGeneralPurpose:
		return "phone, tablet or computer" + why
	case result.ClassUnknown:
		return "unidentified: no type, and nothing shows it is an IoT device (not counted as IoT)"
	}
	return ""
}

// inOverviewOrder lists the devices in the overview's order: IoT first,
// most severe first; the unidentified next; infrastructure, computers and
// phones last.
func inOverviewOrder(r *result.Result, ov *result.Overview) []*result.Device {
	byID := make(map[string]*result.Device, len(r.Devices))
	for i := range r.Devices {
		byID[r.Devices[i].ID] = &r.Devices[i]
	}
	out := make([]*result.Device, 0, len(r.Devices))
	for _, row := range ov.Devices {
		if d := byID[row.Device]; d != nil {
			out = append(out, d)
			delete(byID, row.Device)
		}
	}
	for i := range r.Devices { // IDs repeated: keep every device
		if byID[r.Devices[i].ID] == &r.Devices[i] {
			out = append(out, &r.Devices[i])
		}
	}
	return out
}

// baselineLine says what a result filtered against a baseline shows.
func baselineLine(r *result.Result) string {
	b := r.Baseline
	if b == nil {
		return ""
	}
	return fmt.Sprintf("only what is new against the baseline %s: %d new devices, %d new destinations, %d new third parties, %d new findings, %d score drops (%d findings resolved)",
		b.File, b.NewDevices, b.NewDestinations, b.NewThirdParties, b.NewFindings, b.ScoreDrops, b.Resolved)
}

// inputDesc says what an input was: "pcapng, 399 packets", a Zeek log's
// kind and records, or that it was no capture and was skipped (a file
// beside the captures of a directory).
func inputDesc(in result.Input) string {
	switch {
	case in.Log != "":
		return fmt.Sprintf("%s %s log, %d records", in.Format, in.Log, in.Records)
	case in.Format == "" && in.Packets == 0:
		return "not a capture, skipped"
	}
	return fmt.Sprintf("%s, %d packets", in.Format, in.Packets)
}
