package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

// DevicesOptions are the inputs of `tattle devices`.
type DevicesOptions struct {
	Scan   ScanOptions // the captures, redaction, rules and labels
	Format string
}

func newDevicesCmd(io *IOStreams, runF func(*DevicesOptions) error) *cobra.Command {
	opts := &DevicesOptions{Scan: ScanOptions{IO: io}}
	var jsonOut bool
	cmd := &cobra.Command{
		Use: "devices [CAPTURE...]",
		Example: `  tattle devices --demo
  tattle devices home.pcapng -f json | jq '.devices[].identity'
  tattle devices home.pcapng -f ndjson --show-personal-data`,
		Short: "List the devices in captures with their identity and the evidence for it",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scan.Paths = args
			if jsonOut {
				opts.Format = "json"
			}
			if !slices.Contains(devicesFormats, opts.Format) {
				return usageErrorf("devices: unknown format %q (want one of %s; scan writes the full report in every format)", opts.Format, strings.Join(devicesFormats, ", "))
			}
			if !opts.Scan.Demo && len(args) == 0 {
				return usageErrorf("devices: give at least one capture, or --demo")
			}
			if runF != nil {
				return runF(opts)
			}
			return runDevices(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Scan.Demo, "demo", false, "use the built-in demo capture")
	f.StringVarP(&opts.Format, "format", "f", "terminal", "output format: "+strings.Join(devicesFormats, ", ")+" (json and ndjson: the devices section of scan's report)")
	f.BoolVar(&jsonOut, "json", false, "same as --format json")
	f.MarkHidden("json")
	f.BoolVar(&opts.Scan.ShowPersonal, "show-personal-data", false, "do not redact MAC addresses and host names")
	f.StringVar(&opts.Scan.RedactionKey, "redaction-key", "", "key of the pseudonyms that stand for MAC addresses (default: $"+redactionKeyEnv+", else the key kept in the user's configuration directory)")
	f.StringArrayVar(&opts.Scan.Rules, "rules", nil, "extra device identification rule file (repeatable)")
	addLabelFlags(cmd, &opts.Scan.AnalysisOptions)
	return cmd
}

func runDevices(o *DevicesOptions) error {
	opts, io := &o.Scan, o.Scan.IO
	know, err := knowledge(opts.Rules, nil)
	if err != nil {
		return err
	}
	if know.Labels, err = labels(&opts.AnalysisOptions); err != nil {
		return err
	}
	src, err := openInputs(opts)
	if err != nil {
		return err
	}
	defer src.Close()
	res, scanErr := audit.Scan(src, audit.Config{Version: version, Knowledge: know})
	if res == nil || (scanErr != nil && res.Stats.Packets == 0) {
		return noInputError(scanErr)
	}
	if !opts.ShowPersonal {
		key, err := redactionKey(io, opts.RedactionKey)
		if err != nil {
			return usageError(err)
		}
		result.RedactInPlace(res, key)
	}
	if o.Format == "terminal" {
		printDevices(io, res)
	} else {
		// The devices section of scan's report: identities and
		// observations, without destinations and findings.
		for i := range res.Devices {
			res.Devices[i].Destinations, res.Devices[i].Findings, res.Devices[i].Score = nil, nil, nil
		}
		rep, err := reports.New(o.Format, reports.Options{Color: io.ColorEnabled(), Width: io.Width, All: true})
		if err != nil {
			return usageError(err)
		}
		if err := rep.Render(io.Out, res); err != nil {
			return err
		}
	}
	if scanErr != nil {
		return partialError(fmt.Errorf("warning: %w", scanErr))
	}
	return nil
}

// devicesFormats are the formats of `tattle devices`: a listing of
// identities has no findings for SARIF, HTML or Markdown to show.
var devicesFormats = []string{"terminal", "json", "ndjson"}

func printDevices(io *IOStreams, res *result.Result) {
	w := io.Out
	t := reports.Term
	for _, d := range res.Devices {
		name := d.Identity.Name
		if name == "" {
			name = "unknown"
			if d.OUIVendor != "" {
				name += " (OUI: " + d.OUIVendor + ")"
			} else if d.LocallyAdministered {
				name += " (locally administered MAC)"
			}
		}
		kind := "IoT"
		switch d.Identity.DeviceClass() {
		case result.ClassGeneralPurpose:
			kind = "phone/computer"
		case result.ClassInfrastructure:
			kind = "network infrastructure"
		case result.ClassUnknown:
			kind = "unidentified"
		}
		var ips []string
		for _, ip := range d.IPs {
			ips = append(ips, ip.IP)
		}
		fmt.Fprintf(w, "%s  %s  [%s]  %s\n", t(d.ID), t(name), kind, t(strings.Join(ips, " ")))
		for _, f := range []struct {
			n string
			v result.Field
		}{{"vendor", d.Identity.Vendor}, {"type", d.Identity.Type}, {"model", d.Identity.Model}, {"module", d.Identity.Module}} {
			if f.v.Value == "" {
				continue
			}
			fmt.Fprintf(w, "    %-6s %s (%.0f%%)\n", f.n, t(f.v.Value), 100*f.v.Confidence)
			for _, e := range f.v.Evidence {
				loc := ""
				if e.Packet > 0 {
					loc = fmt.Sprintf("  [%s #%d]", t(e.File), e.Packet)
				}
				fmt.Fprintf(w, "           - %s%s\n", t(e.Detail), loc)
			}
		}
		for _, c := range d.Identity.Conflicts {
			fmt.Fprintf(w, "    conflict on %s: %s\n", c.Field, t(strings.Join(c.Values, " vs ")))
		}
	}
}
