package reports

import (
	"bufio"
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
		err := marshalDevices(r.Devices, func(i int, text [][]byte) {
			bw.WriteString("    ")
			for _, b := range text {
				bw.Write(b)
			}
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
// jsonEncoder writes a device, indented as json.MarshalIndent would, in
// buffers it keeps from window to window (its text is their
// concatenation), so the report allocates little. A device encoding/json
// would refuse (a NaN, a time past year 9999) is handed to
// json.MarshalIndent, for its error.
func marshalDevices(devs []result.Device, write func(i int, text [][]byte)) error {
	const devicesWindow = 64
	workers := par.Workers()
	out := make([][][]byte, devicesWindow)
	owner := make([]int, devicesWindow) // the worker whose buffers hold out's
	errs := make([]error, devicesWindow)
	encs := make([]jsonEncoder, workers)
	return par.Ordered(len(devs), devicesWindow, workers, func(w, i int) {
		e, s := &encs[w], i%devicesWindow
		e.chunks, e.b, e.depth, e.err = out[s][:0], e.buffer(), 0, nil
		e.encDevice(&devs[i])
		out[s], owner[s], errs[s] = append(e.chunks, e.b), w, nil
		if e.err != nil {
			b, err := json.MarshalIndent(&devs[i], "    ", "  ")
			e.recycle(out[s])
			out[s], errs[s] = append(out[s][:0], b), err
		}
		e.chunks, e.b = nil, nil
	}, func(i int) error {
		// No device is being encoded while devices are written: the
		// window's buffers go back to the workers that wrote them.
		s := i % devicesWindow
		if errs[s] != nil {
			return errs[s]
		}
		write(i, out[s])
		encs[owner[s]].recycle(out[s])
		return nil
	})
}
