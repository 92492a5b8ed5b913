package reports

import (
	"time"

	"github.com/tattle-audit/tattle/result"
)

// FlowRow is one (device, destination) aggregate, flat, for the engines
// researchers query: the "flow" records of NDJSON and the rows of the
// Parquet report (docs/parquet.md documents the columns). It is what the
// result says of the destination, with the device's identity beside it.
type FlowRow struct {
	Device         string    `json:"device" parquet:"device"`
	MAC            string    `json:"mac,omitempty" parquet:"mac,optional"`
	Vendor         string    `json:"vendor,omitempty" parquet:"vendor,optional"`
	Model          string    `json:"model,omitempty" parquet:"model,optional"`
	DeviceType     string    `json:"device_type,omitempty" parquet:"device_type,optional"`
	IsIoT          bool      `json:"is_iot" parquet:"is_iot"`
	DeviceClass    string    `json:"device_class" parquet:"device_class"`
	Destination    string    `json:"destination" parquet:"destination"` // name, or IP when unnamed
	Name           string    `json:"name,omitempty" parquet:"name,optional"`
	IP             string    `json:"ip" parquet:"ip"`
	Port           int32     `json:"port" parquet:"port"`
	Transport      string    `json:"transport" parquet:"transport"`
	Protocols      []string  `json:"protocols,omitempty" parquet:"protocols,list"`
	Local          bool      `json:"local" parquet:"local"`
	Inbound        bool      `json:"inbound" parquet:"inbound"`
	Flows          int64     `json:"flows" parquet:"flows"`
	PacketsOut     int64     `json:"packets_out" parquet:"packets_out"`
	PacketsIn      int64     `json:"packets_in" parquet:"packets_in"`
	BytesOut       int64     `json:"bytes_out" parquet:"bytes_out"`
	BytesIn        int64     `json:"bytes_in" parquet:"bytes_in"`
	CleartextBytes int64     `json:"cleartext_bytes" parquet:"cleartext_bytes"`
	First          time.Time `json:"first" parquet:"first,timestamp(microsecond)"`
	Last           time.Time `json:"last" parquet:"last,timestamp(microsecond)"`
	Domain         string    `json:"domain,omitempty" parquet:"domain,optional"`
	Organization   string    `json:"organization,omitempty" parquet:"organization,optional"`
	Parent         string    `json:"parent,omitempty" parquet:"parent,optional"`
	Category       string    `json:"category,omitempty" parquet:"category,optional"`
	Party          string    `json:"party" parquet:"party"`
	TLSVersion     string    `json:"tls_version,omitempty" parquet:"tls_version,optional"`
	SNI            string    `json:"sni,omitempty" parquet:"sni,optional"`
	JA4            string    `json:"ja4,omitempty" parquet:"ja4,optional"`
	Findings       int32     `json:"findings" parquet:"findings"` // findings about this destination
	File           string    `json:"file,omitempty" parquet:"file,optional"`
	Packet         int64     `json:"packet,omitempty" parquet:"packet,optional"`
}

// FlowRows lists the (device, destination) aggregates of a result, in
// the result's order.
func FlowRows(r *result.Result) []FlowRow {
	var out []FlowRow
	for i := range r.Devices {
		d := &r.Devices[i]
		for j := range d.Destinations {
			out = append(out, flowRow(d, &d.Destinations[j]))
		}
	}
	return out
}

func clampInt64(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}

func flowRow(d *result.Device, dst *result.Destination) FlowRow {
	label := dst.Name
	if label == "" {
		label = dst.IP
	}
	row := FlowRow{
		Device: d.ID, MAC: d.MAC, Vendor: d.Identity.Vendor.Value, Model: d.Identity.Model.Value, DeviceType: d.Identity.Type.Value,
		IsIoT: d.Identity.IsIoT, DeviceClass: d.Identity.DeviceClass(), Destination: label, Name: dst.Name, IP: dst.IP, Port: int32(dst.Port), Transport: dst.Transport,
		Protocols: dst.Protocols, Local: dst.Local, Inbound: dst.Inbound, Flows: int64(dst.Flows),
		PacketsOut: clampInt64(dst.PacketsOut), PacketsIn: clampInt64(dst.PacketsIn), BytesOut: clampInt64(dst.BytesOut), BytesIn: clampInt64(dst.BytesIn),
		CleartextBytes: clampInt64(dst.CleartextBytes), First: dst.First.UTC(), Last: dst.Last.UTC(),
		Domain: dst.Domain, Organization: dst.Organization, Parent: dst.Parent, Category: dst.Category, Party: dst.Party,
		File: dst.File, Packet: clampInt64(dst.Packet),
	}
	if dst.TLS != nil {
		row.TLSVersion, row.SNI, row.JA4 = dst.TLS.Version, dst.TLS.SNI, dst.TLS.JA4
	}
	for _, f := range d.Findings {
		if f.Destination == label {
			row.Findings++
		}
	}
	return row
}
