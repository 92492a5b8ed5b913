package reports

import (
	"encoding/json"
	"io"

	"github.com/tattle-audit/tattle/result"
)

// JSON writes the full result (schema: docs/schema/result.schema.json).
type JSON struct{}

func (JSON) Render(w io.Writer, r *result.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// NDJSON writes one JSON object per line, each with a "type": "input",
// "device" (without its destinations and findings), "destination",
// "finding" and a closing "summary", for pipelines (jq, log shippers).
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
		for _, dst := range d.Destinations {
			if err := emit("destination", dst, map[string]any{"device": d.ID}); err != nil {
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
		"findings": findings, "warnings": r.Warnings, "redacted": r.Redacted}, nil)
}
