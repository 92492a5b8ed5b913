package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/reports"
)

func newPolicyCmd(io *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use: "policy",
		Example: `  tattle policy lint examples/policies/*.yaml
  tattle policy init home.pcapng --device 8c:79:f5:a1:b2:c3 > tv.yaml`,
		Short: "Write and check privacy declarations",
		Long: `A privacy declaration is what a vendor's privacy policy says, written down in
a small YAML format (docs/policy.md, schema docs/schema/declaration.schema.json),
or an RFC 8520 MUD file; "policy extract" drafts one from the policy's own text.
tattle scan --policy checks traffic against it (or against the text directly).`,
	}
	cmd.AddCommand(newPolicyLintCmd(io, nil), newPolicyInitCmd(io, nil), newPolicyExtractCmd(io, nil), newPolicyExplainCmd(io, nil), newPolicyDiffCmd(io, nil))
	return cmd
}

// PolicyLintOptions are the inputs of `tattle policy lint`.
type PolicyLintOptions struct {
	IO    *IOStreams
	Files []string
}

func newPolicyLintCmd(io *IOStreams, runF func(*PolicyLintOptions) error) *cobra.Command {
	opts := &PolicyLintOptions{IO: io}
	return &cobra.Command{
		Use: "lint FILE...",
		Example: `  tattle policy lint examples/policies/samsung-tv.yaml
  tattle policy lint examples/policies/`,
		Short: "Validate declarations, with line-numbered errors",
		Args:  usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if runF != nil {
				return runF(opts)
			}
			return runPolicyLint(opts)
		},
	}
}

func runPolicyLint(opts *PolicyLintOptions) error {
	bad := 0
	for _, f := range opts.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			return noInputError(fmt.Errorf("policy lint: %w", err))
		}
		if _, err := policy.Parse(f, b); err != nil && strings.Contains(string(b), "ietf-mud:mud") {
			fmt.Fprintln(opts.IO.Out, reports.Term(err.Error()))
			bad++
			continue
		}
		diags := policy.Lint(f, b)
		if strings.Contains(string(b), "ietf-mud:mud") {
			diags = nil // a MUD file: Parse above checked it
		}
		for _, d := range diags {
			fmt.Fprintln(opts.IO.Out, reports.Term(d.String()))
		}
		if len(diags) > 0 {
			bad++
		} else {
			fmt.Fprintf(opts.IO.Out, "%s: ok\n", reports.Term(f))
		}
	}
	if bad > 0 {
		return findingsError(fmt.Errorf("policy lint: %d of %d files have problems", bad, len(opts.Files)))
	}
	return nil
}

// PolicyInitOptions are the inputs of `tattle policy init`.
type PolicyInitOptions struct {
	IO     *IOStreams
	Scan   ScanOptions
	Device string
}

func newPolicyInitCmd(io *IOStreams, runF func(*PolicyInitOptions) error) *cobra.Command {
	opts := &PolicyInitOptions{IO: io, Scan: ScanOptions{IO: io}}
	cmd := &cobra.Command{
		Use: "init CAPTURE... --device MAC",
		Example: `  tattle policy init home.pcapng --device 8c:79:f5:a1:b2:c3 > tv.yaml
  tattle policy lint tv.yaml`,
		Short: "Draft a declaration for a device from its observed traffic",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scan.Paths = args
			if len(args) == 0 && !opts.Scan.Demo {
				return usageErrorf("policy init: give a capture (or --demo)")
			}
			if opts.Device == "" {
				return usageErrorf("policy init: --device MAC is required")
			}
			if runF != nil {
				return runF(opts)
			}
			return runPolicyInit(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Device, "device", "", "the device's MAC address (or ip:ADDRESS)")
	cmd.Flags().BoolVar(&opts.Scan.Demo, "demo", false, "use the built-in demo capture")
	return cmd
}

func runPolicyInit(opts *PolicyInitOptions) error {
	src, err := openInputs(&opts.Scan)
	if err != nil {
		return err
	}
	defer src.Close()
	res, scanErr := audit.Scan(src, audit.Config{Version: version})
	if res == nil || (scanErr != nil && res.Stats.Packets == 0) {
		return noInputError(scanErr)
	}
	want := strings.ToLower(opts.Device)
	for i := range res.Devices {
		if res.Devices[i].ID == want {
			_, err := opts.IO.Out.Write(policy.Draft(&res.Devices[i]))
			return err
		}
	}
	return usageError(fmt.Errorf("policy init: no device %s in the capture (tattle devices lists them)", opts.Device))
}
