package audit

import (
	"fmt"
	"runtime"
	"sort"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/dissect"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/internal/par"
	"github.com/tattle-audit/tattle/result"
)

// InputSource is a capture source that can describe the inputs it read.
type InputSource interface {
	capture.Source
	Inputs() []capture.InputInfo
}

// Config configures a scan.
type Config struct {
	// Version is recorded in the result's tool section.
	Version string
	// Dissectors to run; nil means dissect.Default().
	Dissectors []capture.Dissector
	// Capture tunes the flow table; zero values take the defaults.
	Capture capture.Options
	// Hooks see every event and flow with the device it belongs to.
	Hooks []Hook
	// Known holds values the auditor supplied (--known-values) for the
	// payload inspection to look for.
	Known []inspect.Form
	// NoInspect turns payload inspection off.
	NoInspect bool
	// SeparateFiles scans each input file as its own capture: no flow,
	// DNS answer or name carries from one file to the next, so the
	// result is the merge of the files' results (see Merge, ScanEach).
	// One exception: payload inspection keeps what it learned in earlier
	// files (host names from DHCP, MAC addresses seen), so it may find a
	// value in a later file that file's own scan would not know to look
	// for. (On the IoT Sentinel folder it finds nothing more; see
	// TestMergeIoTSentinel.)
	SeparateFiles bool
	// Knowledge identifies devices and classifies destinations; nil
	// means the embedded rules and knowledge base.
	Knowledge *Knowledge
	// Workers bounds the goroutines a scan uses. 1 runs it all on the
	// caller's goroutine. More runs payload inspection on a goroutine
	// of its own and, unless Live, the scan as a pipeline (read-ahead,
	// scanner, inspector, builder: see docs/architecture.md); devices
	// are assembled at the end on up to Workers goroutines (at most
	// par.MaxWorkers). Zero means GOMAXPROCS. The result is the same
	// for every value.
	Workers int
	// Live says the source delivers packets as they happen (an
	// interface, not a file): no read-ahead, and events reach the
	// Builder and the hooks one by one, not in batches.
	Live bool
}

// Scan reads src to its end and returns what it found. The error reports
// damaged input; the result is still complete for everything readable, and
// is nil only when nothing could be processed at all.
func Scan(src InputSource, cfg Config) (*result.Result, error) {
	opts := cfg.Capture
	opts.Dissectors = cfg.Dissectors
	opts.SeparateFiles = cfg.SeparateFiles
	if opts.Dissectors == nil {
		opts.Dissectors = dissect.Default()
	}
	b := NewBuilder(cfg.Hooks...)
	b.Know = cfg.Knowledge
	b.SeparateFiles = cfg.SeparateFiles
	if b.Know == nil {
		b.Know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	}
	// Files are scanned as a pipeline when there are cores to spare:
	// one goroutine reads (and decompresses) ahead, one inspects
	// payloads, one builds the result, beside the scanner's. The result
	// is the same as on one goroutine (see capture.Async).
	workers := cfg.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	concurrent := workers > 1
	pipeline := concurrent && !cfg.Live
	var sink capture.Sink = b
	var async *asyncSink
	if pipeline {
		async = newAsyncSink(b)
		sink = async
	}
	var in *inspect.Inspector
	var lrn *learner
	if !cfg.NoInspect {
		// Inspection runs last, so it can skip flows the protocol
		// dissectors found encrypted.
		in = inspect.New(inspect.Config{Known: cfg.Known})
		ins := capture.NewAsync(in)
		if !concurrent {
			ins = capture.NewDeferred(in)
		}
		opts.Dissectors = append(opts.Dissectors, ins)
		lrn = &learner{next: sink, in: in, async: ins, seen: map[string]bool{}}
		sink = lrn
	}
	sc := capture.NewScanner(sink, opts)
	var run capture.Source = src
	var pf *capture.Prefetch
	if pipeline {
		pf = capture.NewPrefetch(src)
		run = pf
	}
	runErr := sc.Run(run)
	if pf != nil {
		pf.Wait() // Inputs is read below
	}
	if async != nil {
		async.Close()
	}
	// The scanner's counters are read before the devices are assembled,
	// and the scanner, the inspector and the learner are not used after:
	// what they hold (the dissectors' caches and buffers, the inspector's
	// patterns and streams) is garbage by the time the scan's memory peaks.
	st := sc.Stats()
	maxFlows := sc.MaxFlows()
	if in != nil {
		// The scan is over: the inspector's goroutine has stopped.
		forms, macs := in.Dropped()
		b.over[limKnownForms] += forms
		b.over[limLearnedMACs] += macs
		b.over[limLearnedNames] += lrn.over
	}
	res := &result.Result{
		Schema:  result.SchemaVersion,
		Tool:    result.Tool{Name: "tattle", Version: cfg.Version},
		Devices: b.assemble(min(workers, par.MaxWorkers)),
	}
	res.Stats = result.Stats{
		Packets:    st.Packets,
		Bytes:      st.Bytes,
		Flows:      st.Flows,
		Fragments:  st.Fragments,
		Undecoded:  st.Undecoded,
		Truncated:  st.Truncated,
		ClockSteps: st.ClockSteps,
	}
	if len(st.Malformed) > 0 {
		res.Stats.Malformed = st.Malformed
		// A dissector that panicked has a bug: say so beside the notes.
		notes := make([]string, 0, len(st.Malformed))
		for note := range st.Malformed {
			if capture.IsPanicNote(note) {
				notes = append(notes, note)
			}
		}
		sort.Strings(notes)
		for _, note := range notes {
			res.Warnings = append(res.Warnings, result.Warning{Message: fmt.Sprintf("%s: %d flows (a bug: please report it with the capture)", note, st.Malformed[note])})
		}
	}
	res.Stats.Limits = append(b.Limits(st, maxFlows), noteLimits(st.Malformed)...)
	for _, in := range src.Inputs() {
		ri := result.Input{
			Name:      in.Name,
			Format:    in.Format,
			Compress:  in.Compression,
			LinkTypes: in.LinkTypes,
			Packets:   in.Packets,
			Bytes:     in.Bytes,
			First:     in.First,
			Last:      in.Last,
			Truncated: in.Truncated,
		}
		if in.Err != nil {
			ri.Error = in.Err.Error()
			res.Warnings = append(res.Warnings, result.Warning{File: in.Name, Message: in.Err.Error()})
		}
		for _, w := range in.Warnings {
			res.Warnings = append(res.Warnings, result.Warning{File: in.Name, Message: w})
		}
		res.Inputs = append(res.Inputs, ri)
	}
	if res.Stats.PayloadStripped() {
		res.Warnings = append(res.Warnings, result.Warning{Message: fmt.Sprintf(
			"%d of %d packets were cut short by the capture's snaplen or damage: payload checks (personal data, HTTP, TLS names) saw little, and scores rest on partial evidence",
			res.Stats.Truncated, res.Stats.Packets)})
	}
	// Every bound reached is a warning too: a result cut short by one
	// must say so.
	for _, l := range res.Stats.Limits {
		res.Warnings = append(res.Warnings, LimitWarning(l))
	}
	if res.Devices == nil {
		res.Devices = []result.Device{}
	}
	return res, runErr
}
