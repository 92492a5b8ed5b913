package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/reports/baseline"
)

// ReportOptions are the inputs of `tattle report`.
type ReportOptions struct {
	IO     *IOStreams
	Result string
	OutputOptions
}

func newReportCmd(io *IOStreams, runF func(*ReportOptions) error) *cobra.Command {
	opts := &ReportOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "report RESULT.json",
		Short: "Render a saved JSON result in any format",
		Args:  usageArgs(cobra.ExactArgs(1)),
		Example: `  tattle scan home.pcapng -f json --show-personal-data -o result.json
  tattle report result.json -f html -o report.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Result = args[0]
			if err := checkOutputFlags(opts.Format, opts.FailOn); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runReport(opts)
		},
	}
	addOutputFlags(cmd, &opts.OutputOptions)
	return cmd
}

func runReport(opts *ReportOptions) error {
	res, err := baseline.Load(opts.Result)
	if err != nil {
		return noInputError(err)
	}
	return emit(opts.IO, res, opts.OutputOptions)
}

// DiffOptions are the inputs of `tattle diff`.
type DiffOptions struct {
	IO           *IOStreams
	Old, New     string
	Format       string
	RedactionKey string
}

func newDiffCmd(io *IOStreams, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: io}
	cmd := &cobra.Command{
		Use: "diff OLD.json NEW.json",
		Example: `  tattle scan firmware-2.0.pcapng -f json -o old.json
  tattle scan firmware-2.1.pcapng -f json -o new.json
  tattle diff old.json new.json              # names what is new; exit 1 when anything is
  tattle diff old.json new.json -f markdown  # the new items as a report`,
		Short: "Show what a newer scan has that an older one had not",
		Long: `Diff lists new devices, new destinations, new third parties, new findings
and score drops between two saved JSON results. It exits 1 when anything is new.`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runDiff(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "summary", "summary, or a report format for the new items: terminal, json, markdown, ...")
	cmd.Flags().StringVar(&opts.RedactionKey, "redaction-key", "", "when one result is redacted and the other not, redact the other with this key (default: $"+redactionKeyEnv+", else the key in the user's configuration directory)")
	return cmd
}

func runDiff(opts *DiffOptions) error {
	io := opts.IO
	prev, err := baseline.Load(opts.Old)
	if err != nil {
		return noInputError(err)
	}
	next, err := baseline.Load(opts.New)
	if err != nil {
		return noInputError(err)
	}
	if err := sameRedaction(io, opts.RedactionKey, false, prev, next); err != nil {
		return err
	}
	d := baseline.Compare(prev, next)
	if opts.Format == "summary" {
		out := io.Out
		fmt.Fprintf(out, "compared with %s\nnew devices: %d\nnew destinations: %d\nnew third parties: %d\nnew findings: %d\nscore drops: %d\nresolved findings: %d\n",
			reports.Term(opts.Old), len(d.NewDevices), len(d.NewDestinations), len(d.NewThirdParties), len(d.NewFindings), len(d.ScoreDrops), d.Gone)
		for _, l := range d.Lines() {
			fmt.Fprintf(out, "  %s\n", reports.Term(l))
		}
	} else {
		rep, err := reports.New(opts.Format, reports.Options{Color: io.ColorEnabled(), Width: io.Width, All: true})
		if err != nil {
			return usageError(err)
		}
		if err := rep.Render(io.Out, baseline.Filter(next, d, opts.Old)); err != nil {
			return err
		}
	}
	if !d.Empty() {
		return findings
	}
	return nil
}
