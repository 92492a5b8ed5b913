package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/tattle-audit/tattle/internal/testutil"
)

// TestHostileInputExitCodes runs tattle scan on the inputs of issue 14's
// "panics and wrong exit codes": each must give its exit code and, when
// a report is due, a report that parses, with the damage named in it.
func TestHostileInputExitCodes(t *testing.T) {
	root := testutil.ModuleRoot(t)
	data := func(name string) string { return filepath.Join(root, "testdata", name) }
	home, err := os.ReadFile(data("home.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A classic pcap with one record header and nothing after it: the
	// first 40 bytes of a capture.
	pcap40 := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	pcap40 = append(pcap40, 0x80, 0x96, 0x68, 0x69, 0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0)
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(home)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(home)
	zw.Close()
	blocks := ngBlockOffsets(t, home)
	cutBlock := blocks[len(blocks)/2] + 5 // inside a block header

	tests := []struct {
		name   string
		args   []string
		want   ExitCode
		report bool     // a JSON report on stdout
		in     []string // strings stdout and stderr must hold
	}{
		{"2^31 sequence jump", []string{"-f", "json", data("seqjump.pcapng")}, ExitOK, true, []string{`"devices"`}},
		{"2^31 sequence jump, terminal", []string{data("seqjump.pcapng")}, ExitOK, false, nil},
		{"times past 9999, json", []string{"-f", "json", data("fartimes.pcapng")}, ExitOK, true, []string{"fartimes.pcapng", "outside years 0..9999", "at offset 1840"}},
		{"times past 9999, ndjson", []string{"-f", "ndjson", data("fartimes.pcapng")}, ExitOK, false, []string{"fartimes.pcapng", "outside years 0..9999", "at offset 1840"}},
		{"pcap of its first 40 bytes", []string{"-f", "json", write("first40.pcap", pcap40)}, ExitPartial, true, []string{"first40.pcap", "offset 24", `"truncated": true`}},
		{"pcap of its first 20 bytes", []string{"-f", "json", write("first20.pcap", pcap40[:20])}, ExitPartial, true, []string{"first20.pcap", `"truncated": true`}},
		{"pcapng cut inside a block header", []string{"-f", "json", write("cut.pcapng", home[:cutBlock])}, ExitPartial, true, []string{`"truncated": true`, "cut.pcapng"}},
		{"gzip cut mid-stream", []string{"-f", "json", write("cut.pcapng.gz", gz.Bytes()[:gz.Len()/2])}, ExitPartial, true, []string{`"truncated": true`, "cut.pcapng.gz"}},
		{"zstd cut mid-stream", []string{"-f", "json", write("cut.pcapng.zst", zs.Bytes()[:zs.Len()/2])}, ExitPartial, true, []string{`"truncated": true`, "cut.pcapng.zst"}},
		{"zstd of text", []string{"-f", "json", write("notes.zst", zstdOf([]byte("notes, not a capture")))}, ExitInput, false, []string{"unknown capture format"}},
		{"directory of non-captures", []string{"-f", "json", filepath.Dir(write("notes/a.txt", []byte("notes")))}, ExitInput, false, []string{"no capture file in the directory"}},
		{"empty directory", []string{"-f", "json", mkdir(t, filepath.Join(dir, "empty"))}, ExitInput, false, []string{"no files in directory"}},
		{"single non-capture file", []string{"-f", "json", write("notes.txt", []byte("notes"))}, ExitInput, false, []string{"unknown capture format"}},
		{"directory with a capture and a note", []string{"-f", "json", filepath.Dir(write("mixed/readme.txt", []byte("notes")))}, ExitOK, true, []string{"readme.txt", "not a capture file, skipped"}},
	}
	write("mixed/home.pcapng", home)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, out, errOut := testIO()
			got := Main(append([]string{"scan"}, tc.args...), io)
			if got != tc.want {
				t.Fatalf("exit %d, want %d (stderr %q)", got, tc.want, errOut.String())
			}
			text := errOut.String()
			if tc.report {
				var v map[string]any
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Fatalf("report is not JSON: %v\n%.300s", err, out.String())
				}
				text = out.String() + errOut.String()
			} else if strings.Contains(strings.Join(tc.args, " "), "ndjson") {
				text = out.String() + errOut.String()
				sc := bufio.NewScanner(out)
				sc.Buffer(nil, 1<<20)
				n := 0
				for sc.Scan() {
					var v map[string]any
					if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
						t.Fatalf("ndjson line %d: %v", n+1, err)
					}
					n++
				}
				if n == 0 {
					t.Fatal("no ndjson output")
				}
			}
			for _, s := range tc.in {
				if !strings.Contains(text, s) {
					t.Errorf("output lacks %q:\n%.2000s", s, text)
				}
			}
		})
	}
}

func zstdOf(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func mkdir(t *testing.T, p string) string {
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// ngBlockOffsets lists where each block of a little-endian pcapng begins.
func ngBlockOffsets(t *testing.T, b []byte) []int {
	var offs []int
	for off := 0; off+8 <= len(b); {
		offs = append(offs, off)
		n := int(uint32(b[off+4]) | uint32(b[off+5])<<8 | uint32(b[off+6])<<16 | uint32(b[off+7])<<24)
		if n < 12 {
			t.Fatalf("block at %d of length %d", off, n)
		}
		off += n
	}
	return offs
}
