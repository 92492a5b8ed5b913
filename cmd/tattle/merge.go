package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/reports/baseline"
	"github.com/tattle-audit/tattle/result"
)

// scanJobs scans each file of src as its own capture, jobs at a time.
func scanJobs(src *capture.FileSource, cfg audit.Config, jobs int) (*result.Result, error) {
	res, err := audit.ScanEach(src, cfg, jobs)
	if res == nil || (err != nil && res.Stats.Packets == 0) {
		return nil, noInputError(err)
	}
	return res, err
}

// MergeOptions are the inputs of `tattle merge`.
type MergeOptions struct {
	IO        *IOStreams
	Results   []string
	Rules     []string
	Knowledge []string
	Lists     []string
	Policies  []string
	OutputOptions
}

func newMergeCmd(io *IOStreams, runF func(*MergeOptions) error) *cobra.Command {
	opts := &MergeOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "merge RESULT.json...",
		Short: "Combine JSON results made apart (other machines, parallel jobs) into one",
		Long: `Merge combines saved JSON results into the result one scan of all their
captures, each file its own capture, would give: a device seen in several is
one device, with its addresses, observations and destinations merged (counts
summed, first and last seen widened); identity, parties and findings are made
again from the merged facts, and policy verdicts and scores are computed anew
(give the same --policy, --rules, --knowledge and --list as the scans).

The results must be written with --show-personal-data: redaction folds
different devices into one placeholder. The merged report is redacted unless
--show-personal-data is given here too.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		Example: `  for f in captures/*.pcap; do tattle scan "$f" -f json --show-personal-data -o "$f.json"; done
  tattle merge captures/*.json --policy examples/policies -f html -o report.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Results = args
			if err := checkOutputFlags(opts.Format, opts.FailOn); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runMerge(opts)
		},
	}
	addOutputFlags(cmd, &opts.OutputOptions)
	f := cmd.Flags()
	f.StringArrayVar(&opts.Rules, "rules", nil, "extra device identification rule file (repeatable)")
	f.StringArrayVar(&opts.Knowledge, "knowledge", nil, "extra destination knowledge file in tattle's format (repeatable)")
	f.StringArrayVar(&opts.Lists, "list", nil, "tracker list to classify destinations with (FILE or FILE=CATEGORY; repeatable)")
	f.StringArrayVar(&opts.Policies, "policy", nil, "privacy declaration file or directory to check devices against (repeatable)")
	return cmd
}

func runMerge(opts *MergeOptions) error {
	know, err := knowledge(opts.Rules, opts.Knowledge, opts.Lists...)
	if err != nil {
		return err
	}
	var decls []*policy.Declaration
	if len(opts.Policies) > 0 {
		if decls, err = policy.Load(opts.Policies...); err != nil {
			return usageError(err)
		}
	}
	var results []*result.Result
	for _, p := range opts.Results {
		r, err := baseline.Load(p)
		if err != nil {
			return noInputError(err)
		}
		if r.Redacted {
			return noInputError(fmt.Errorf("merge: %s is redacted (devices folded into placeholders): merge results written with --show-personal-data", p))
		}
		results = append(results, r)
	}
	res, err := audit.Merge(results, know)
	if err != nil {
		return noInputError(err)
	}
	policy.Apply(res, decls)
	return emit(opts.IO, res, opts.OutputOptions)
}
