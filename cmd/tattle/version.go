package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/result"
)

// newVersionCmd prints the program's version and the dates of the data it
// embeds, so a report can be tied to the knowledge that made it.
func newVersionCmd(io *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print tattle's version and the dates of its embedded knowledge",
		Args:    usageArgs(cobra.NoArgs),
		Example: `  tattle version`,
		RunE: func(cmd *cobra.Command, args []string) error {
			kb := fingerprints.DefaultKB()
			orgs, domains := kb.Size()
			fmt.Fprintf(io.Out, "tattle %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			fmt.Fprintf(io.Out, "result schema    %s\n", result.SchemaVersion)
			fmt.Fprintf(io.Out, "knowledge base   %s: %d organisations, %d domains\n", kb.Date, orgs, domains)
			fmt.Fprintf(io.Out, "device rules     %d rules\n", fingerprints.DefaultDB().Rules())
			fmt.Fprintf(io.Out, "OUI registry     %s\n", fingerprints.OUIDate())
			return nil
		},
	}
}
