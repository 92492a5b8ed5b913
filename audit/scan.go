package audit

import (
	"runtime"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/dissect"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/inspect"
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
	// Knowledge identifies devices and classifies destinations; nil
	// means the embedded rules and knowledge base.
	Knowledge *Knowledge

	// inline runs payload inspection on the scanner's goroutine (as on
	// a single core); tests compare it with the concurrent run.
	inline bool
}

// learner feeds what devices say about themselves (DHCP host names and
// client ids) to the payload inspector, so it can spot them later.
type learner struct {
	in *inspect.Inspector
	// async runs the inspector on its own goroutine: what it learns is
	// queued in order with the packets.
	async *capture.Async
}

func (l learner) Event(dev string, e capture.Event) {
	if d, ok := e.(*capture.DHCPEvent); ok {
		if d.Hostname != "" {
			forms := inspect.ValueForms(inspect.DeviceName, d.Hostname, dev)
			l.async.Do(func() { l.in.AddKnown(forms) })
		}
	}
}
func (learner) Flow(string, *capture.Flow) {}

// Scan reads src to its end and returns what it found. The error reports
// damaged input; the result is still complete for everything readable, and
// is nil only when nothing could be processed at all.
func Scan(src InputSource, cfg Config) (*result.Result, error) {
	opts := cfg.Capture
	opts.Dissectors = cfg.Dissectors
	if opts.Dissectors == nil {
		opts.Dissectors = dissect.Default()
	}
	hooks := cfg.Hooks
	if !cfg.NoInspect {
		// Inspection runs last, so it can skip flows the protocol
		// dissectors found encrypted, and on a goroutine of its own, so
		// it takes a second core (the result does not change: see
		// capture.Async).
		in := inspect.New(inspect.Config{Known: cfg.Known})
		async := capture.NewAsync(in)
		if cfg.inline || runtime.GOMAXPROCS(0) == 1 {
			async = capture.NewDeferred(in)
		}
		opts.Dissectors = append(opts.Dissectors, async)
		hooks = append(hooks, learner{in, async})
	}
	b := NewBuilder(hooks...)
	b.Know = cfg.Knowledge
	if b.Know == nil {
		b.Know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	}
	sc := capture.NewScanner(b, opts)
	runErr := sc.Run(src)
	res := &result.Result{
		Schema:  result.SchemaVersion,
		Tool:    result.Tool{Name: "tattle", Version: cfg.Version},
		Devices: b.Devices(),
	}
	st := sc.Stats()
	res.Stats = result.Stats{
		Packets:   st.Packets,
		Bytes:     st.Bytes,
		Flows:     st.Flows,
		Fragments: st.Fragments,
		Undecoded: st.Undecoded,
		Truncated: st.Truncated,
	}
	if len(st.Malformed) > 0 {
		res.Stats.Malformed = st.Malformed
	}
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
	if res.Devices == nil {
		res.Devices = []result.Device{}
	}
	return res, runErr
}
