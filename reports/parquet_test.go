package reports_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	. "github.com/tattle-audit/tattle/reports"
)

// TestParquetReadBack writes the demo result as Parquet, reads the file
// back and checks every row against the result, and the column types a
// reader sees.
func TestParquetReadBack(t *testing.T) {
	r := demoResult(t)
	var buf bytes.Buffer
	if err := (Parquet{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[FlowRow](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range r.Devices {
		d := &r.Devices[i]
		for j := range d.Destinations {
			dst := &d.Destinations[j]
			if n >= len(rows) {
				t.Fatalf("%d rows, want more", len(rows))
			}
			got := rows[n]
			n++
			if got.Device != d.ID || got.IP != dst.IP || int(got.Port) != int(dst.Port) || got.Transport != dst.Transport ||
				got.Name != dst.Name || got.Party != dst.Party || got.Organization != dst.Organization ||
				uint64(got.BytesOut) != dst.BytesOut || uint64(got.PacketsIn) != dst.PacketsIn || got.Flows != int64(dst.Flows) ||
				!got.First.Equal(dst.First) || !got.Last.Equal(dst.Last) || got.Vendor != d.Identity.Vendor.Value ||
				strings.Join(got.Protocols, ",") != strings.Join(dst.Protocols, ",") {
				t.Errorf("row %d: %+v\nfor %s -> %+v", n, got, d.ID, dst)
			}
		}
	}
	if n != len(rows) || n == 0 {
		t.Errorf("%d rows, want %d", len(rows), n)
	}
	want := FlowRows(r)
	for i := range want {
		if want[i].Protocols == nil {
			want[i].Protocols = []string{}
		}
		if rows[i].Protocols == nil {
			rows[i].Protocols = []string{}
		}
	}
	if !reflect.DeepEqual(rows, want) {
		t.Error("rows read back differ from FlowRows")
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	schema := f.Schema().String()
	for _, col := range []string{"required binary device (STRING)", "required int64 first (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))", "required group protocols (LIST)", "required int64 bytes_out (INT(64,true))", "optional binary organization (STRING)"} {
		if !strings.Contains(schema, col) {
			t.Errorf("schema lacks %q:\n%s", col, schema)
		}
	}
}

// TestNDJSONFlows: one "flow" record per (device, destination).
func TestNDJSONFlows(t *testing.T) {
	r := demoResult(t)
	var buf bytes.Buffer
	if err := (NDJSON{}).Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	flows, dests := 0, 0
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "flow":
			flows++
			if m["device"] == "" || m["destination"] == "" || m["party"] == nil || m["bytes_out"] == nil {
				t.Errorf("flow record: %v", m)
			}
		case "destination":
			dests++
		}
	}
	if flows == 0 || flows != dests {
		t.Errorf("%d flow records for %d destinations", flows, dests)
	}
}

// parquetStrings reads a Parquet report back and returns its rows' strings,
// one a line, for checks on what a reader of the file would print.
func parquetStrings(t *testing.T, file []byte) []byte {
	t.Helper()
	rows, err := parquet.Read[FlowRow](bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, r := range rows {
		v := reflect.ValueOf(r)
		for i := 0; i < v.NumField(); i++ {
			switch f := v.Field(i); f.Kind() {
			case reflect.String:
				b.WriteString(f.String() + "\n")
			case reflect.Slice:
				for j := 0; j < f.Len(); j++ {
					b.WriteString(f.Index(j).String() + "\n")
				}
			}
		}
	}
	if len(rows) == 0 {
		t.Fatal("no rows in the parquet report")
	}
	return b.Bytes()
}
