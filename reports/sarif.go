package reports

import (
	"fmt"
	"io"
	"sort"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/tattle-audit/tattle/result"
)

// SARIF writes SARIF 2.1.0 for code-scanning interfaces: one rule per
// finding kind, one result per finding, located in the capture file with
// the packet numbers as properties and the device and destination as
// logical locations. partialFingerprints carry the finding ID, so
// code-scanning services track a finding across scans.
type SARIF struct{}

// sarifLevel maps severities to SARIF levels.
func sarifLevel(sev string) string {
	switch sev {
	case result.SeverityCritical, result.SeverityHigh:
		return "error"
	case result.SeverityMedium:
		return "warning"
	case result.SeverityLow:
		return "note"
	}
	return "none"
}

func (SARIF) Render(w io.Writer, r *result.Result) error {
	rep, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	run := sarif.NewRunWithInformationURI("tattle", "https://github.com/tattle-audit/tattle")
	run.Tool.Driver.Version = &r.Tool.Version
	kinds := map[string]result.Finding{}
	for _, d := range r.Devices {
		for _, f := range d.Findings {
			if _, ok := kinds[f.Kind]; !ok {
				kinds[f.Kind] = f
			}
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		run.AddRule(k).WithName(k).
			WithShortDescription(sarif.NewMultiformatMessageString(ruleText(k))).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(kinds[k].Severity)))
	}
	for _, d := range r.Devices {
		for _, f := range sortedFindings(d.Findings) {
			msg := Term(f.Message)
			if f.PolicyRef != "" {
				msg += " (declaration: " + Term(f.PolicyRef)
				if f.PolicyQuote != "" {
					msg += ": “" + Term(f.PolicyQuote) + "”"
				}
				msg += ")"
			}
			res := run.CreateResultForRule(f.Kind).WithLevel(sarifLevel(f.Severity)).WithMessage(sarif.NewTextMessage(msg))
			res.WithPartialFingerPrints(map[string]interface{}{"tattleFindingId/v1": f.ID})
			file := ""
			var packets []int
			for _, e := range f.Evidence {
				if file == "" && e.File != "" {
					file = e.File
				}
				if e.Packet > 0 && len(packets) < 50 {
					packets = append(packets, int(e.Packet))
				}
			}
			if file == "" && len(r.Inputs) > 0 {
				file = r.Inputs[0].Name
			}
			loc := sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(file)))
			loc.AddLogicalLocations(sarif.NewLogicalLocation().WithKind("device").WithName(Term(deviceLabel(&d))).WithFullyQualifiedName(Term(d.ID)))
			if f.Destination != "" {
				loc.AddLogicalLocations(sarif.NewLogicalLocation().WithKind("destination").WithName(Term(f.Destination)))
			}
			res.AddLocation(loc)
			pb := sarif.NewPropertyBag()
			pb.Add("packets", packets)
			pb.AddString("severity", f.Severity)
			pb.AddString("device", Term(d.ID))
			pb.AddString("deviceClass", d.Identity.DeviceClass())
			if f.DataType != "" {
				pb.AddString("dataType", f.DataType)
			}
			if f.Disclosure != "" {
				pb.AddString("disclosure", f.Disclosure)
			}
			if f.Organization != "" {
				pb.AddString("organization", Term(f.Organization))
			}
			if d.Policy != nil {
				pb.AddString("declaration", Term(d.Policy.File)) // which policy the device was checked against
			}
			res.AttachPropertyBag(pb)
		}
	}
	rep.AddRun(run)
	return rep.PrettyWrite(w)
}

// ruleText is a kind's SARIF rule description, from the one table of
// finding kinds.
func ruleText(kind string) string {
	if k, ok := result.Kinds[kind]; ok {
		return k.Rule
	}
	return fmt.Sprintf("tattle finding %s", kind)
}
