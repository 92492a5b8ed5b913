package audit

import (
	"fmt"

	"github.com/tattle-audit/tattle/capture/zeek"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// ScanZeek builds a result from Zeek logs instead of packets: the log
// reader hands the Builder the same events and flows the packet pipeline
// does, so devices, destinations, identities, parties and findings are made
// by the same code, as far as the logs carry the facts. What they do not
// carry (payloads, for one) is said in the result's warnings. Evidence
// cites the log file and line (File, Packet).
func ScanZeek(src *zeek.Source, cfg Config) (*result.Result, error) {
	b := NewBuilder(cfg.Hooks...)
	b.Know = cfg.Knowledge
	if b.Know == nil {
		b.Know = &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	}
	notFrom := src.NotFromLogs()
	st, err := src.Feed(b)
	res := &result.Result{
		Schema:  result.SchemaVersion,
		Tool:    result.Tool{Name: "tattle", Version: cfg.Version},
		Devices: b.Devices(),
		Stats:   result.Stats{Packets: st.Packets, Bytes: st.Bytes, Flows: st.Flows},
	}
	for _, in := range src.Inputs() {
		ri := result.Input{Name: in.Name, Format: in.Format, Compress: in.Compress, Records: in.Records, Log: in.Kind}
		if in.Err != nil {
			ri.Error = in.Err.Error()
			res.Warnings = append(res.Warnings, result.Warning{File: in.Name, Message: in.Err.Error()})
		}
		res.Inputs = append(res.Inputs, ri)
	}
	for _, w := range src.Warnings() {
		res.Warnings = append(res.Warnings, result.Warning{Message: w})
	}
	if st.NoTime > 0 {
		res.Warnings = append(res.Warnings, result.Warning{Message: fmt.Sprintf("zeek: %d records have no readable ts: their times are unknown", st.NoTime)})
	}
	for _, n := range notFrom {
		res.Warnings = append(res.Warnings, result.Warning{Message: "not checked from Zeek logs: " + n})
	}
	res.NotChecked = notFrom
	if res.Devices == nil {
		res.Devices = []result.Device{}
	}
	if st.Records == 0 && err == nil {
		err = fmt.Errorf("audit: the Zeek logs hold no records")
	}
	return res, err
}
