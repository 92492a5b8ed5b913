package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/reports/baseline"
	"github.com/tattle-audit/tattle/result"
)

// ScanOptions are the inputs of `tattle scan`.
type ScanOptions struct {
	IO    *IOStreams
	Paths []string
	Demo  bool
	// Jobs, when set, scans each file as its own capture, Jobs at a time,
	// and merges the results (see audit.ScanEach).
	Jobs int
	OutputOptions
	AnalysisOptions
}

// AnalysisOptions are the analysis flags shared by scan and capture: what
// to look for, what to classify with, what to check against.
type AnalysisOptions struct {
	KnownValues string
	Rules       []string
	// Labels ("MAC=vendor/type/model") and LabelFiles are the user's own
	// identifications; they win over every signal.
	Labels     []string
	LabelFiles []string
	Knowledge  []string
	Lists      []string
	ASNDB      string
	Policies   []string
	PolicyFor  []string // MAC=FILE
	// IoTOnly hides phones and computers from the report.
	IoTOnly bool
	// NoInspect skips payload inspection (personal data in cleartext).
	NoInspect bool
}

// addAnalysisFlags registers the analysis flags shared by scan and capture.
func addAnalysisFlags(cmd *cobra.Command, a *AnalysisOptions) {
	f := cmd.Flags()
	f.StringVar(&a.KnownValues, "known-values", "", "YAML file of values to look for in cleartext (serial numbers, e-mail, SSID, coordinates...)")
	f.StringArrayVar(&a.Rules, "rules", nil, "extra device identification rule file (repeatable)")
	addLabelFlags(cmd, a)
	f.StringArrayVar(&a.Knowledge, "knowledge", nil, "extra destination knowledge file in tattle's format (repeatable)")
	f.StringVar(&a.ASNDB, "asn-db", "", "MaxMind-format ASN database (e.g. GeoLite2-ASN.mmdb) to name the network owner of destinations no name classifies")
	f.StringArrayVar(&a.Lists, "list", nil, "tracker list to classify destinations with: hosts file or domain list (FILE or FILE=CATEGORY), Disconnect services.json, DuckDuckGo tds.json, AdGuard trackers.json (repeatable; never downloaded)")
	f.BoolVar(&a.IoTOnly, "iot-only", false, "leave phones, computers and network infrastructure out of the report (unidentified devices stay)")
	f.BoolVar(&a.NoInspect, "no-inspect", false, "skip payload inspection (no personal-data findings; faster)")
	f.StringArrayVar(&a.Policies, "policy", nil, "privacy declaration (YAML, RFC 8520 MUD) or privacy policy text (HTML, Markdown, text, PDF), file or directory, to check devices against (repeatable)")
	f.StringArrayVar(&a.PolicyFor, "policy-for", nil, "MAC=FILE: check this device against this declaration or policy text, whatever its applies_to (repeatable)")
}

// analysis is what the analysis flags load before a scan: the audit's
// configuration and the declarations to apply after it.
type analysis struct {
	cfg     audit.Config
	decls   []*policy.Declaration
	a       *AnalysisOptions
	io      *IOStreams
	closers []func()
}

// atClose has close run fn (closers run last added first).
func (an *analysis) atClose(fn func()) { an.closers = append(an.closers, fn) }

// close releases what prepare opened and what the scan added with atClose.
func (an *analysis) close() {
	for i := len(an.closers) - 1; i >= 0; i-- {
		an.closers[i]()
	}
}

// scanStep is the one stage of an audit that depends on its source
// (capture files, Zeek logs, an interface): it scans with the analysis'
// configuration. A nil result comes with err, the error to exit with;
// with a result, partial, when set, is the error that says the result is
// incomplete (exit 4 once the report is written).
type scanStep func(an *analysis) (res *result.Result, partial, err error)

// runAnalysis is the pipeline of scan and capture: load what the
// analysis flags name, scan, apply the declarations, write the report,
// and decide the exit code.
func runAnalysis(io *IOStreams, a *AnalysisOptions, out OutputOptions, scan scanStep) error {
	an, err := prepare(io, a)
	if err != nil {
		return err
	}
	defer an.close()
	res, partial, err := scan(an)
	if res == nil {
		return err
	}
	err = emit(io, res, an.finish(res, out))
	if err != nil && err != findings {
		return err
	}
	if partial != nil {
		return partial
	}
	return err
}

// prepare loads what the analysis flags name; every bad file is a usage
// error naming the flag.
func prepare(io *IOStreams, a *AnalysisOptions) (*analysis, error) {
	know, err := knowledge(a.Rules, a.Knowledge, a.Lists...)
	if err != nil {
		return nil, err
	}
	if know.Labels, err = labels(a); err != nil {
		return nil, err
	}
	an := &analysis{a: a, io: io}
	if a.ASNDB != "" {
		asn, err := fingerprints.OpenASN(a.ASNDB)
		if err != nil {
			return nil, usageError(fmt.Errorf("--asn-db: %w", err))
		}
		an.atClose(func() { asn.Close() })
		know.ASN = asn
	}
	if len(a.Policies) > 0 || len(a.PolicyFor) > 0 {
		if an.decls, err = loadPolicies(io, a); err != nil {
			an.close()
			return nil, err
		}
	}
	var known []inspect.Form
	if a.KnownValues != "" {
		if known, err = inspect.LoadKnown(a.KnownValues); err != nil {
			an.close()
			return nil, usageError(err)
		}
	}
	an.cfg = audit.Config{Version: version, Known: known, Knowledge: know, NoInspect: a.NoInspect}
	return an, nil
}

// finish applies the declarations to a scan's result, and returns the
// output options with --iot-only, which emit applies after redaction.
func (an *analysis) finish(res *result.Result, out OutputOptions) OutputOptions {
	policy.Apply(res, an.decls)
	warnUnused(an.io, res, an.decls)
	out.iotOnly = an.a.IoTOnly
	return out
}

// OutputOptions are the report flags shared by scan, capture and report.
type OutputOptions struct {
	Format       string
	Output       string
	ShowPersonal bool
	FailOn       string
	Baseline     string
	// All lists every finding in the terminal report.
	All bool
	// RedactionKey keys the pseudonyms of redacted reports (--redaction-key;
	// empty: $TATTLE_REDACTION_KEY or the key in the configuration directory).
	RedactionKey string
	// iotOnly hides phones and computers from the report (--iot-only,
	// an analysis flag; set by analysis.finish).
	iotOnly bool
}

// addOutputFlags registers the report flags shared by scan, capture and
// report.
func addOutputFlags(cmd *cobra.Command, o *OutputOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.Format, "format", "f", "terminal", "report format: "+strings.Join(reports.Formats, ", "))
	f.StringVarP(&o.Output, "output", "o", "", "write the report to this file instead of standard output")
	f.BoolVar(&o.ShowPersonal, "show-personal-data", false, "do not redact personal data (MAC addresses, host names, excerpts) in the report")
	f.StringVar(&o.FailOn, "fail-on", "", "exit 1 when a finding has this severity or higher: info, low, medium, high, critical")
	f.StringVar(&o.Baseline, "baseline", "", "report only what is new against this earlier JSON result (new destinations, third parties, findings, score drops)")
	f.BoolVar(&o.All, "all", false, "terminal report: list every finding of every device (by default the first 8 per device)")
	f.StringVar(&o.RedactionKey, "redaction-key", "", "key of the pseudonyms that stand for MAC addresses in redacted reports (default: $"+redactionKeyEnv+", else a key made once and kept in the user's configuration directory); reports made with one key compare")
}

func newScanCmd(io *IOStreams, runF func(*ScanOptions) error) *cobra.Command {
	opts := &ScanOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "scan [CAPTURE...]",
		Short: "Scan captures and report every device, whom it talks to and what it sends",
		Long: `Scan reads pcap and pcapng files (gzip- or zstd-compressed too; the format is
recognised by its content, not its name), directories of captures, or "-" for
standard input, and reports each device with its identity and destinations.

` + exitCodesHelp,
		Example: `  tattle scan --demo
  tattle scan home.pcapng --format json > result.json
  tattle scan firmware-2.1.pcapng --baseline firmware-2.0.json --fail-on medium
  tcpdump -w - -i eth0 | tattle scan -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !opts.Demo && len(opts.Paths) == 0 {
				return usageErrorf("scan: give at least one capture file, a directory, \"-\" for stdin, or --demo")
			}
			if opts.Demo && len(opts.Paths) > 0 {
				return usageErrorf("scan: --demo takes no capture arguments")
			}
			if err := checkOutputFlags(opts.Format, opts.FailOn); err != nil {
				return err
			}
			if opts.Jobs < 0 {
				return usageErrorf("--jobs: want a positive number of parallel scans, got %d", opts.Jobs)
			}
			if runF != nil {
				return runF(opts)
			}
			return runScan(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Demo, "demo", false, "scan the built-in demo capture of a small smart home")
	f.IntVar(&opts.Jobs, "jobs", 0, "scan the files in parallel, this many at a time, each as its own capture, and merge the results (the same result for any number)")
	addOutputFlags(cmd, &opts.OutputOptions)
	addAnalysisFlags(cmd, &opts.AnalysisOptions)
	return cmd
}

func checkOutputFlags(format, failOn string) error {
	if _, err := reports.New(format, reports.Options{}); err != nil {
		return usageError(err)
	}
	if failOn != "" && !reports.ValidSeverity(failOn) {
		return usageErrorf("--fail-on: unknown severity %q (info, low, medium, high, critical)", failOn)
	}
	return nil
}

// openInputs opens the scan's captures.
func openInputs(opts *ScanOptions) (*capture.FileSource, error) {
	if opts.Demo {
		name, data := demo.Capture()
		return capture.OpenReader(name, bytes.NewReader(data))
	}
	if len(opts.Paths) == 1 && opts.Paths[0] == "-" {
		return capture.OpenReader("-", opts.IO.In)
	}
	src, err := capture.Open(opts.Paths...)
	if err != nil {
		return nil, noInputError(err)
	}
	return src, nil
}

// knowledge builds the classification knowledge from the embedded data and
// the user's files.
func knowledge(rules, files []string, lists ...string) (*audit.Knowledge, error) {
	kb := fingerprints.DefaultKB()
	if len(files) > 0 || len(lists) > 0 {
		kb = kb.Clone()
		for _, l := range lists {
			path, cat, _ := strings.Cut(l, "=")
			if _, err := kb.LoadList(path, "auto", cat); err != nil {
				return nil, usageError(fmt.Errorf("--list: %w", err))
			}
		}
		for _, p := range files {
			f, err := os.Open(p)
			if err != nil {
				return nil, usageError(fmt.Errorf("--knowledge: %w", err))
			}
			err = kb.Load(f, p)
			f.Close()
			if err != nil {
				return nil, usageError(err)
			}
		}
	}
	db := fingerprints.DefaultDB()
	if len(rules) > 0 || len(files) > 0 || len(lists) > 0 {
		var err error
		if db, err = fingerprints.NewDB(kb, rules...); err != nil {
			return nil, usageError(err)
		}
	}
	return &audit.Knowledge{Devices: db, KB: kb}, nil
}

// addLabelFlags adds --label and --labels.
func addLabelFlags(cmd *cobra.Command, a *AnalysisOptions) {
	f := cmd.Flags()
	f.StringArrayVar(&a.Labels, "label", nil, `say what a device is: MAC=vendor/type/model, any part may be empty ("5c:cf:7f:06:d9:02=Smarter/appliance/iKettle 2.0"); shown as user evidence (repeatable)`)
	f.StringArrayVar(&a.LabelFiles, "labels", nil, "file of labels, one MAC=vendor/type/model a line, # comments (repeatable)")
}

// labels reads the user's labels; a MAC labelled twice is a usage error.
func labels(a *AnalysisOptions) (map[[6]byte]fingerprints.Label, error) {
	out := map[[6]byte]fingerprints.Label{}
	for _, p := range a.LabelFiles {
		f, err := os.Open(p)
		if err != nil {
			return nil, usageError(fmt.Errorf("--labels: %w", err))
		}
		err = fingerprints.LoadLabels(f, p, out)
		f.Close()
		if err != nil {
			return nil, usageError(fmt.Errorf("--labels: %w", err))
		}
	}
	for _, l := range a.Labels {
		mac, lab, err := fingerprints.ParseLabel(l, "--label")
		if err != nil {
			return nil, usageError(fmt.Errorf("--label: %w", err))
		}
		if old, dup := out[mac]; dup {
			return nil, usageError(fmt.Errorf("--label %s: already labelled at %s", l, old.Source))
		}
		out[mac] = lab
	}
	return out, nil
}

// progress reports read progress on stderr when it is a terminal.
// The Flow hook runs on the scanning goroutine while the file is read
// ahead on another, so it reads the source's Progress, which is safe
// there, not its Inputs, which is not.
type progress struct {
	io  *IOStreams
	src interface {
		Progress() (packets, bytes uint64)
	}
	last  time.Time
	count int
}

func (p *progress) Event(string, capture.Event) {}
func (p *progress) Flow(string, *capture.Flow) {
	p.count++
	if p.count%512 != 0 {
		return
	}
	now := p.io.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	pk, by := p.src.Progress()
	fmt.Fprintf(p.io.ErrOut, "\r\x1b[Kscanning: %d packets, %.1f MiB, %d flows", pk, float64(by)/(1<<20), p.count)
}

func runScan(opts *ScanOptions) error {
	return runAnalysis(opts.IO, &opts.AnalysisOptions, opts.OutputOptions, func(an *analysis) (*result.Result, error, error) {
		res, scanErr := scanInputs(opts, an.cfg)
		if res == nil {
			return nil, nil, scanErr
		}
		if scanErr != nil {
			return res, partialError(fmt.Errorf("warning: %w (results cover the %d packets that could be read)", scanErr, res.Stats.Packets)), nil
		}
		return res, nil, nil
	})
}

// anyCapture reports whether some input was a capture, even one cut
// before its first packet: that is damaged input (exit 4, with a report
// saying truncated), where a run without one read nothing at all (exit 3).
func anyCapture(res *result.Result) bool {
	for _, in := range res.Inputs {
		if in.Format != "" || in.Truncated {
			return true
		}
	}
	return false
}

// scanInputs scans the captures (or Zeek logs) of opts. A nil result
// comes with the error to exit with.
func scanInputs(opts *ScanOptions, cfg audit.Config) (*result.Result, error) {
	if !opts.Demo && isZeekInput(opts.Paths) {
		return scanZeek(opts, cfg)
	}
	src, err := openInputs(opts)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if opts.Jobs > 0 {
		return scanJobs(src, cfg, opts.Jobs)
	}
	if opts.IO.ErrTTY {
		cfg.Hooks = append(cfg.Hooks, &progress{io: opts.IO, src: src})
	}
	res, scanErr := audit.Scan(src, cfg)
	if opts.IO.ErrTTY {
		fmt.Fprint(opts.IO.ErrOut, "\r\x1b[K")
	}
	if res == nil || (scanErr != nil && res.Stats.Packets == 0 && !anyCapture(res)) {
		return nil, noInputError(scanErr)
	}
	return res, scanErr
}

// emit writes the report and decides the CI exit code: findings (exit 1) when a finding
// (a new one, with a baseline) is at or above failOn, or with a baseline
// when a score dropped.
//
// Redaction comes first, on the whole result: the personal values of every
// device (phones too, when --iot-only will leave them out) are replaced
// wherever they appear. A baseline is compared in the same state as the
// result: when either is redacted, both are, with the same key.
func emit(io *IOStreams, res *result.Result, out OutputOptions) error {
	if out.Format == "parquet" && out.Output == "" && io.OutTTY {
		return usageErrorf("-f parquet writes a binary file: give -o FILE (or redirect standard output)")
	}
	var prev *result.Result
	if out.Baseline != "" {
		var err error
		if prev, err = baseline.Load(out.Baseline); err != nil {
			return usageError(err)
		}
	}
	if err := sameRedaction(io, out.RedactionKey, !out.ShowPersonal, res, prev); err != nil {
		return err
	}
	if out.iotOnly {
		kept := res.Devices[:0]
		for _, d := range res.Devices {
			// Unidentified devices may be IoT devices: kept.
			if c := d.Identity.DeviceClass(); c == result.ClassIoT || c == result.ClassUnknown {
				kept = append(kept, d)
			}
		}
		res.Devices = kept
	}
	shown := res
	if prev != nil {
		shown = baseline.Filter(res, baseline.Compare(prev, res), out.Baseline)
	}
	rep, err := reports.New(out.Format, reports.Options{Color: io.ColorEnabled() && out.Output == "", Width: io.Width, All: out.All})
	if err != nil {
		return usageError(err)
	}
	if err := writeTo(io, out.Output, func(w ioWriter) error { return rep.Render(w, shown) }); err != nil {
		return err
	}
	if out.FailOn != "" && reports.ExceedsThreshold(shown, out.FailOn) {
		return findings
	}
	return nil
}

type ioWriter = io.Writer

func writeTo(s *IOStreams, path string, render func(w ioWriter) error) error {
	if path == "" {
		return render(s.Out)
	}
	f, err := os.Create(path)
	if err != nil {
		return usageError(fmt.Errorf("--output: %w", err))
	}
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return usageError(err)
		}
		return err
	}
	return nil
}
