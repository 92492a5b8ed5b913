package reports

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/tattle-audit/tattle/result"
)

// Parquet writes the (device, destination) aggregates of a result as an
// Apache Parquet file, one row per FlowRow (schema: docs/parquet.md), for
// DuckDB, Spark or pandas to read as they are. Columns are zstd-compressed;
// rows go out in row groups of parquetGroup, so memory stays that of one
// group whatever the result's size. Control characters in strings are
// escaped as in the terminal report (see Term).
type Parquet struct{}

const parquetGroup = 64 << 10

func (Parquet) Render(w io.Writer, r *result.Result) error {
	pw := parquet.NewGenericWriter[FlowRow](w,
		parquet.Compression(&zstd.Codec{}),
		parquet.CreatedBy("tattle", r.Tool.Version, ""),
		parquet.KeyValueMetadata("tattle.schema", r.Schema),
		parquet.KeyValueMetadata("tattle.redacted", fmt.Sprint(r.Redacted)),
		parquet.MaxRowsPerRowGroup(parquetGroup),
	)
	batch := make([]FlowRow, 0, 1024)
	flush := func() error {
		if _, err := pw.Write(batch); err != nil {
			return fmt.Errorf("reports: parquet: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	for i := range r.Devices {
		d := &r.Devices[i]
		for j := range d.Destinations {
			batch = append(batch, termRow(flowRow(d, &d.Destinations[j])))
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("reports: parquet: %w", err)
	}
	return nil
}

// termRow escapes the control and bidirectional characters of a row's
// strings as Term does: Parquet stores strings as they are, and the
// engines that read it print them to terminals.
func termRow(r FlowRow) FlowRow {
	for _, p := range []*string{&r.Device, &r.MAC, &r.Vendor, &r.Model, &r.DeviceType, &r.Destination, &r.Name, &r.IP, &r.Transport,
		&r.Domain, &r.Organization, &r.Parent, &r.Category, &r.Party, &r.TLSVersion, &r.SNI, &r.JA4, &r.File} {
		*p = Term(*p)
	}
	if len(r.Protocols) > 0 {
		ps := make([]string, len(r.Protocols))
		for i, x := range r.Protocols {
			ps[i] = Term(x)
		}
		r.Protocols = ps
	}
	return r
}
