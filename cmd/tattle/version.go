package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// VersionOptions are the inputs of `tattle version`.
type VersionOptions struct {
	IO *IOStreams
}

// newVersionCmd prints the program's version and the dates of the data it
// embeds, so a report can be tied to the knowledge that made it.
func newVersionCmd(io *IOStreams, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: io}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print tattle's version and the dates of its embedded knowledge",
		Args:    usageArgs(cobra.NoArgs),
		Example: `  tattle version`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runVersion(opts)
		},
	}
}

func runVersion(opts *VersionOptions) error {
	out := opts.IO.Out
	kb := fingerprints.DefaultKB()
	orgs, domains := kb.Size()
	fmt.Fprintf(out, "tattle %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "result schema    %s\n", result.SchemaVersion)
	fmt.Fprintf(out, "knowledge base   %s: %d organisations, %d domains\n", kb.Date, orgs, domains)
	fmt.Fprintf(out, "device rules     %d rules\n", fingerprints.DefaultDB().Rules())
	_, err := fmt.Fprintf(out, "OUI registry     %s\n", fingerprints.OUIDate())
	return err
}
