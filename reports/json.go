package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tattle-audit/tattle/internal/par"
	"github.com/tattle-audit/tattle/result"
)

// JSON writes the full result (schema: docs/schema/result.schema.json).
type JSON struct{}

// It writes device by device, so a scan of thousands of devices never
// holds its whole JSON text in memory; the bytes are those of
// json.Encoder with two-space indentation.
func (JSON) Render(w io.Writer, r *result.Result) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	field := func(name string, v any, last bool) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "  %q: %s", name, b)
		if !last {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		return nil
	}
	bw.WriteString("{\n")
	for _, f := range []struct {
		name string
		v    any
	}{{"schema", r.Schema}, {"tool", r.Tool}, {"inputs", r.Inputs}, {"stats", r.Stats}, {"overview", result.BuildOverview(r)}} {
		if err := field(f.name, f.v, false); err != nil {
			return err
		}
	}
	if r.Devices == nil {
		bw.WriteString("  \"devices\": null,\n")
	} else if len(r.Devices) == 0 {
		bw.WriteString("  \"devices\": [],\n")
	} else {
		bw.WriteString("  \"devices\": [\n")
		err := marshalDevices(r.Devices, func(i int, b []byte) {
			bw.WriteString("    ")
			bw.Write(b)
			if i < len(r.Devices)-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
		})
		if err != nil {
			return err
		}
		bw.WriteString("  ],\n")
	}
	if len(r.Warnings) > 0 {
		if err := field("warnings", r.Warnings, false); err != nil {
			return err
		}
	}
	if r.Baseline != nil {
		if err := field("baseline", r.Baseline, false); err != nil {
			return err
		}
	}
	if len(r.NotChecked) > 0 {
		if err := field("not_checked", r.NotChecked, false); err != nil {
			return err
		}
	}
	if err := field("redacted", r.Redacted, r.RedactionKey == ""); err != nil {
		return err
	}
	if r.RedactionKey != "" {
		if err := field("redaction_key", r.RedactionKey, true); err != nil {
			return err
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// NDJSON writes one JSON object per line, each with a "type": "input",
// "device" (without its destinations and findings), "destination", after
// each destination one "flow" (the (device, destination) aggregate, flat:
// see FlowRow), "finding" and a closing "summary", for pipelines (jq, log
// shippers, DuckDB's read_json).
type NDJSON struct{}

func (NDJSON) Render(w io.Writer, r *result.Result) error {
	enc := json.NewEncoder(w)
	emit := func(typ string, v any, extra map[string]any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		m["type"] = typ
		for k, x := range extra {
			m[k] = x
		}
		return enc.Encode(m)
	}
	for _, in := range r.Inputs {
		if err := emit("input", in, nil); err != nil {
			return err
		}
	}
	findings := 0
	for _, d := range r.Devices {
		dd := d
		dd.Destinations, dd.Findings = nil, nil
		if err := emit("device", dd, nil); err != nil {
			return err
		}
		for i := range d.Destinations {
			dst := &d.Destinations[i]
			if err := emit("destination", dst, map[string]any{"device": d.ID}); err != nil {
				return err
			}
			if err := emit("flow", flowRow(&d, dst), nil); err != nil {
				return err
			}
		}
		for _, f := range d.Findings {
			findings++
			if err := emit("finding", f, map[string]any{"device": d.ID}); err != nil {
				return err
			}
		}
	}
	return emit("summary", map[string]any{"schema": r.Schema, "tool": r.Tool, "stats": r.Stats, "devices": len(r.Devices),
		"findings": findings, "warnings": r.Warnings, "redacted": r.Redacted, "redaction_key": r.RedactionKey, "overview": result.BuildOverview(r), "baseline": r.Baseline}, nil)
}

// marshalDevices encodes devices in windows of devicesWindow, each window
// on all cores, and hands them to write in order (par.Ordered): the output
// is that of one goroutine, the memory that of one window. Each worker's
// json.Encoder writes into an indenter, which indents what it is handed
// (a device, in one Write) into the device's window slot, a buffer kept
// from window to window, so the report allocates little beyond
// encoding/json's own.
func marshalDevices(devs []result.Device, write func(i int, b []byte)) error {
	const devicesWindow = 64
	workers := par.Workers()
	out := make([][]byte, devicesWindow)
	errs := make([]error, devicesWindow)
	type encoder struct {
		ind indenter
		enc *json.Encoder
	}
	encs := make([]*encoder, workers)
	for w := range encs {
		e := &encoder{}
		e.enc = json.NewEncoder(&e.ind) // escapes HTML, as json.Marshal does
		encs[w] = e
	}
	return par.Ordered(len(devs), devicesWindow, workers, func(w, i int) {
		e, s := encs[w], i%devicesWindow
		e.ind.dst = out[s][:0]
		errs[s] = e.enc.Encode(&devs[i])
		out[s], e.ind.dst = e.ind.dst, nil
	}, func(i int) error {
		s := i % devicesWindow
		if errs[s] != nil {
			return errs[s]
		}
		write(i, out[s])
		if cap(out[s]) > maxKeptBuffer {
			out[s] = nil // a rare large device's buffer is not kept
		}
		return nil
	})
}

// maxKeptBuffer bounds a window slot's buffer kept for the next window.
const maxKeptBuffer = 256 << 10

// indenter is the writer of a json.Encoder, which writes each value (with
// a newline after it) in one Write: it indents the value into dst, which
// it replaces when it is too small.
type indenter struct{ dst []byte }

func (x *indenter) Write(b []byte) (int, error) {
	compact := bytes.TrimSuffix(b, []byte("\n"))
	if want := 2 * len(compact); cap(x.dst) < want {
		x.dst = make([]byte, 0, want) // indented: 1.5 times as long, on average
	}
	x.dst = appendIndent(x.dst[:0], compact, "    ", "  ")
	return len(b), nil
}
