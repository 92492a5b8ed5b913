// Command genoui regenerates fingerprints/data/oui.tsv.gz, tattle's
// embedded copy of the IEEE MAC address block registries (MA-L, MA-M,
// MA-S and IAB), from the CSV files Debian's ieee-data package installs:
//
//	apt-get install ieee-data
//	go run ./internal/tools/genoui [-dir /usr/share/ieee-data]
//
// The registries are public facts published by the IEEE Registration
// Authority. Output is sorted and gzip'd without a timestamp, so the same
// input gives the same bytes.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	dir := flag.String("dir", "/usr/share/ieee-data", "directory with oui.csv, mam.csv, oui36.csv, iab.csv")
	out := flag.String("out", "fingerprints/data/oui.tsv.gz", "output file")
	flag.Parse()
	type row struct{ prefix, name string }
	var rows []row
	for _, f := range []string{"oui.csv", "mam.csv", "oui36.csv", "iab.csv"} {
		fh, err := os.Open(filepath.Join(*dir, f))
		if err != nil {
			fmt.Fprintln(os.Stderr, "genoui:", err)
			os.Exit(1)
		}
		r := csv.NewReader(fh)
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		fh.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "genoui:", f, err)
			os.Exit(1)
		}
		for _, rec := range recs[1:] {
			if len(rec) < 3 {
				continue
			}
			name := strings.Join(strings.Fields(rec[2]), " ")
			if name == "" || strings.EqualFold(name, "Private") {
				continue
			}
			rows = append(rows, row{strings.ToLower(rec[1]), name})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].prefix < rows[j].prefix })
	date := "unknown"
	if b, err := os.ReadFile(filepath.Join(*dir, ".lastupdate")); err == nil {
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			date = time.Unix(sec, 0).UTC().Format("2006-01-02")
		}
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	fmt.Fprintf(zw, "# IEEE MA-L/MA-M/MA-S/IAB registries, as of %s (Debian ieee-data). prefix<TAB>organization\n", date)
	for _, r := range rows {
		fmt.Fprintf(zw, "%s\t%s\n", r.prefix, r.name)
	}
	zw.Close()
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genoui:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d prefixes, registry date %s, %d bytes\n", *out, len(rows), date, buf.Len())
}
