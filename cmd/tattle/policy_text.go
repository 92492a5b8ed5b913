package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/policy"
	"github.com/tattle-audit/tattle/policy/extract"
	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

// PolicyExtractOptions are the inputs of `tattle policy extract`.
type PolicyExtractOptions struct {
	IO     *IOStreams
	Files  []string
	Output string
	Vendor string
}

func newPolicyExtractCmd(io *IOStreams, runF func(*PolicyExtractOptions) error) *cobra.Command {
	opts := &PolicyExtractOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "extract POLICY... [-o FILE]",
		Short: "Draft a declaration from a privacy policy's text (HTML, Markdown, text, PDF)",
		Long: `Extract reads a privacy policy saved as HTML, Markdown or plain text (PDF
through pdftotext, when installed) and writes a draft declaration in which every
statement quotes the sentence it came from and says where it stands. Offline:
no model, no download. Check the draft with "tattle policy explain".`,
		Example: `  tattle policy extract privacy.html -o vendor.yaml
  tattle policy extract --vendor Acme privacy.txt`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if runF != nil {
				return runF(opts)
			}
			return runPolicyExtract(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the draft to this file instead of standard output")
	cmd.Flags().StringVar(&opts.Vendor, "vendor", "", "the vendor's name, when the policy does not say it clearly")
	return cmd
}

// readPolicyText extracts one policy file; errors name the file.
func readPolicyText(path, vendor string) (*extract.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, noInputError(fmt.Errorf("policy: %w", err))
	}
	r, err := extract.Cached(path, b, extract.Options{Vendor: vendor}, policyCacheDir())
	if err != nil {
		return nil, noInputError(err)
	}
	return r, nil
}

// policyCacheDir is where extracted policies are kept by content hash.
func policyCacheDir() string {
	if os.Getenv("TATTLE_NO_CACHE") != "" {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "tattle", "policy-text")
}

func runPolicyExtract(opts *PolicyExtractOptions) error {
	var out []byte
	for i, f := range opts.Files {
		r, err := readPolicyText(f, opts.Vendor)
		if err != nil {
			return err
		}
		for _, w := range r.Warnings {
			fmt.Fprintln(opts.IO.ErrOut, "warning: "+reports.Term(w))
		}
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, r.YAML()...)
	}
	return writeTo(opts.IO, opts.Output, func(w ioWriter) error {
		_, err := w.Write(out)
		return err
	})
}

// PolicyExplainOptions are the inputs of `tattle policy explain`.
type PolicyExplainOptions struct {
	IO     *IOStreams
	File   string
	Vendor string
}

func newPolicyExplainCmd(io *IOStreams, runF func(*PolicyExplainOptions) error) *cobra.Command {
	opts := &PolicyExplainOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "explain POLICY",
		Short: "Show what tattle understood of a privacy policy, statement by statement",
		Example: `  tattle policy explain privacy.html
  tattle policy explain --vendor Acme privacy.txt`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runPolicyExplain(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Vendor, "vendor", "", "the vendor's name, when the policy does not say it clearly")
	return cmd
}

func runPolicyExplain(opts *PolicyExplainOptions) error {
	r, err := readPolicyText(opts.File, opts.Vendor)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(opts.IO.Out, termBlock(r.Explain()))
	return err
}

// PolicyDiffOptions are the inputs of `tattle policy diff`.
type PolicyDiffOptions struct {
	IO       *IOStreams
	Old, New string
	Vendor   string
}

func newPolicyDiffCmd(io *IOStreams, runF func(*PolicyDiffOptions) error) *cobra.Command {
	opts := &PolicyDiffOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List the statements added and removed between two versions of a policy",
		Long: `Diff extracts both versions of a privacy policy and lists, sentence by sentence,
the statements one says and the other does not, with the recipients and data
types that changed. Exit code 1 when something changed.`,
		Example: `  tattle policy diff privacy-2023.html privacy-2024.html`,
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runPolicyDiff(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Vendor, "vendor", "", "the vendor's name, when the policy does not say it clearly")
	return cmd
}

func runPolicyDiff(opts *PolicyDiffOptions) error {
	old, err := readPolicyText(opts.Old, opts.Vendor)
	if err != nil {
		return err
	}
	cur, err := readPolicyText(opts.New, opts.Vendor)
	if err != nil {
		return err
	}
	d := extract.Compare(old, cur)
	if _, err := fmt.Fprint(opts.IO.Out, termBlock(d.String())); err != nil {
		return err
	}
	if !d.Empty() {
		return findings
	}
	return nil
}

// loadPolicies reads --policy (declarations, MUD files, policy texts) and
// --policy-for MAC=FILE bindings; warnings go to stderr.
func loadPolicies(io *IOStreams, opts *AnalysisOptions) ([]*policy.Declaration, error) {
	decls, warns, err := extract.Load(opts.Policies, extract.Options{}, policyCacheDir())
	if err != nil {
		return nil, usageError(err)
	}
	for _, b := range opts.PolicyFor {
		mac, file, ok := strings.Cut(b, "=")
		mac = strings.ToLower(strings.TrimSpace(mac))
		if !ok || file == "" || len(strings.Split(mac, ":")) != 6 {
			return nil, usageErrorf("--policy-for: %q is not MAC=FILE (8c:79:f5:12:34:56=policy.html)", b)
		}
		ds, w, err := extract.Load([]string{file}, extract.Options{}, policyCacheDir())
		if err != nil {
			return nil, usageError(fmt.Errorf("--policy-for: %w", err))
		}
		if len(ds) == 0 {
			return nil, usageError(fmt.Errorf("--policy-for: %s: %w", file, errNoStatement(w)))
		}
		warns = append(warns, w...)
		for _, d := range ds {
			d.Devices = append(d.Devices, mac)
		}
		decls = append(decls, ds...)
	}
	for _, w := range warns {
		fmt.Fprintln(io.ErrOut, "warning: "+reports.Term(w))
	}
	return decls, nil
}

func errNoStatement(warns []string) error {
	if len(warns) > 0 {
		return errors.New(strings.Join(warns, "; "))
	}
	return errors.New("no statement found")
}

// warnUnused says which given declarations applied to no device: a MUD
// file without mfg-name, a vendor spelt otherwise, a policy of a device
// not in the capture.
func warnUnused(io *IOStreams, res *result.Result, decls []*policy.Declaration) {
	for _, d := range policy.Unused(res, decls) {
		why := ""
		switch {
		case d.MUD && d.AppliesTo.Vendors == nil:
			why = " (a MUD file without mfg-name matches by model only)"
		case d.Vendor == extract.UnknownVendor:
			why = " (the policy does not name its vendor: use --policy-for MAC=FILE)"
		}
		fmt.Fprintf(io.ErrOut, "warning: %s (%s) applies to no device in the capture%s; bind it with --policy-for MAC=%s\n",
			reports.Term(d.File), reports.Term(d.Vendor), why, reports.Term(d.File))
	}
}

// termBlock makes multi-line text from a policy safe for a terminal, line
// by line.
func termBlock(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = reports.Term(l)
	}
	return strings.Join(lines, "\n")
}
