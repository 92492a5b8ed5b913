package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/result"
)

// ScanOptions are the inputs of `tattle scan`.
type ScanOptions struct {
	IO           *IOStreams
	Paths        []string
	Demo         bool
	Format       string
	Output       string
	ShowPersonal bool
}

func newScanCmd(io *IOStreams, runF func(*ScanOptions) error) *cobra.Command {
	opts := &ScanOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "scan [CAPTURE...]",
		Short: "Scan captures and report every device, whom it talks to and what it sends",
		Long: `Scan reads pcap and pcapng files (gzip- or zstd-compressed too; the format is
recognised by its content, not its name), directories of captures, or "-" for
standard input, and reports each device with its identity and destinations.

` + exitCodesHelp,
		Example: `  tattle scan --demo
  tattle scan home.pcapng --format json > result.json
  tcpdump -w - -i eth0 | tattle scan -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !opts.Demo && len(opts.Paths) == 0 {
				return usageErrorf("scan: give at least one capture file, a directory, \"-\" for stdin, or --demo")
			}
			if opts.Demo && len(opts.Paths) > 0 {
				return usageErrorf("scan: --demo takes no capture arguments")
			}
			if runF != nil {
				return runF(opts)
			}
			return runScan(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Demo, "demo", false, "scan the built-in demo capture of a small smart home")
	f.StringVarP(&opts.Format, "format", "f", "json", "output format: json")
	f.StringVarP(&opts.Output, "output", "o", "", "write the report to this file instead of standard output")
	f.BoolVar(&opts.ShowPersonal, "show-personal-data", false, "do not redact personal data (MACs, host names, excerpts) in the report")
	return cmd
}

// openInputs opens the scan's captures.
func openInputs(opts *ScanOptions) (*capture.FileSource, error) {
	if opts.Demo {
		name, data := demo.Capture()
		return capture.OpenReader(name, bytes.NewReader(data))
	}
	for _, p := range opts.Paths {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, withCode(ExitInput, fmt.Errorf("scan: %w", err))
		}
	}
	if len(opts.Paths) == 1 && opts.Paths[0] == "-" {
		return capture.OpenReader("-", opts.IO.In)
	}
	src, err := capture.Open(opts.Paths...)
	if err != nil {
		return nil, withCode(ExitInput, err)
	}
	return src, nil
}

func runScan(opts *ScanOptions) error {
	switch opts.Format {
	case "json":
	default:
		return usageErrorf("scan: unknown format %q (want json)", opts.Format)
	}
	src, err := openInputs(opts)
	if err != nil {
		return err
	}
	defer src.Close()
	res, scanErr := audit.Scan(src, audit.Config{Version: version})
	if res == nil {
		return withCode(ExitInput, scanErr)
	}
	if err := writeReport(opts, res); err != nil {
		return err
	}
	if scanErr != nil {
		if res.Stats.Packets == 0 {
			return withCode(ExitInput, scanErr)
		}
		return withCode(ExitPartial, fmt.Errorf("warning: %w (results cover the %d packets that could be read)", scanErr, res.Stats.Packets))
	}
	return nil
}

func writeReport(opts *ScanOptions, res *result.Result) error {
	var w io.Writer = opts.IO.Out
	if opts.Output != "" {
		f, err := os.Create(opts.Output)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("scan: %w", err))
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(true)
	if err := enc.Encode(res); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return withCode(ExitUsage, err)
		}
		return err
	}
	return nil
}
