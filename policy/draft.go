package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tattle-audit/tattle/result"
)

// Draft writes a declaration for a device from its observed traffic, for
// a researcher to complete from the vendor's privacy policy: every
// recipient is listed and marked "to verify".
func Draft(dev *result.Device) []byte {
	var b strings.Builder
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	vendor := dev.Identity.Vendor.Value
	if vendor == "" {
		vendor = dev.OUIVendor
	}
	b.WriteString("# Draft privacy declaration made by `tattle policy init` from observed traffic.\n")
	b.WriteString("# Every entry is TO VERIFY against the vendor's privacy policy: keep what the\n")
	b.WriteString("# policy says, delete what it does not, and quote its words. Lint with\n# `tattle policy lint FILE`.\n")
	b.WriteString("version: 1\n")
	fmt.Fprintf(&b, "vendor: %s\n", q(vendor))
	b.WriteString("policy_url: \"https://example.com/privacy\"  # TO VERIFY: the privacy policy's address\n")
	b.WriteString("policy_date: \"2026-01-01\"  # TO VERIFY: the policy's date\n")
	b.WriteString("applies_to:\n")
	if vendor != "" {
		fmt.Fprintf(&b, "  vendors: [%s]\n", q(vendor))
	}
	if t := dev.Identity.Type.Value; t != "" {
		fmt.Fprintf(&b, "  types: [%s]\n", q(t))
	}
	if len(dev.MAC) >= 8 {
		fmt.Fprintf(&b, "  ouis: [%s]\n", q(dev.MAC[:8]))
	}
	orgs := map[string]map[string]bool{}
	parties := map[string]string{}
	cats := map[string]string{}
	var first []string
	for _, dst := range dev.Destinations {
		if dst.Local {
			continue
		}
		o := dst.Organization
		if o == "" {
			o = "UNKNOWN " + dst.Name
			if dst.Name == "" {
				o += dst.IP
			}
		}
		if dst.Party == result.PartyFirst {
			if dst.Domain != "" && !slices.Contains(first, dst.Domain) {
				first = append(first, dst.Domain)
			}
			continue
		}
		if orgs[o] == nil {
			orgs[o] = map[string]bool{}
		}
		orgs[o][UnknownData] = true
		parties[o], cats[o] = dst.Party, dst.Category
	}
	for _, f := range dev.Findings {
		if f.Kind == "cleartext-personal-data" && orgs[f.Organization] != nil {
			orgs[f.Organization][f.DataType] = true
		}
	}
	sort.Strings(first)
	b.WriteString("first_party:\n")
	if vendor != "" {
		fmt.Fprintf(&b, "  organizations: [%s]\n", q(vendor))
	}
	if len(first) > 0 {
		fmt.Fprintf(&b, "  domains: [%s]  # observed; TO VERIFY\n", strings.Join(quoteAll(first), ", "))
	}
	b.WriteString("collects: [\"device identifier\", \"usage data\"]  # TO VERIFY\n")
	names := make([]string, 0, len(orgs))
	for o := range orgs {
		names = append(names, o)
	}
	sort.Strings(names)
	for _, section := range []string{result.PartySupport, result.PartyThird} {
		header := "service_providers"
		if section == result.PartyThird {
			header = "third_parties"
		}
		wrote := false
		for _, o := range names {
			if (parties[o] == result.PartySupport) != (section == result.PartySupport) {
				continue
			}
			if !wrote {
				fmt.Fprintf(&b, "%s:\n", header)
				wrote = true
			}
			var data []string
			for d := range orgs[o] {
				if d != UnknownData {
					data = append(data, d)
				}
			}
			sort.Strings(data)
			fmt.Fprintf(&b, "  - organizations: [%s]  # observed: %s party, %s; TO VERIFY\n", q(o), parties[o], cats[o])
			if len(data) > 0 {
				fmt.Fprintf(&b, "    data: [%s]  # seen in cleartext\n", strings.Join(quoteAll(data), ", "))
			}
			b.WriteString("    quote: \"\"  # the policy's words\n")
		}
	}
	b.WriteString("never: []  # negative statements, e.g. - {entities: [third parties], data: [audio], quote: \"...\"}\n")
	b.WriteString("encryption:\n  in_transit: false  # TO VERIFY: does the policy claim encryption in transit?\n")
	return []byte(b.String())
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}
