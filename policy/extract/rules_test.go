package extract

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// triplesOf extracts a small Markdown text and returns its triples as
// "action / actor / data" strings, sorted.
func triplesOf(t *testing.T, text string) []string {
	t.Helper()
	r, err := Extract("t.md", []byte(text), Options{Vendor: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range r.Statements {
		for _, tr := range s.Triples() {
			out = append(out, tr.Action+" / "+tr.Actor+" / "+tr.Data)
		}
	}
	sort.Strings(out)
	return out
}

func TestStatements(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"never sell", "We do not sell your personal information.", []string{"not sell / third parties / personal information"}},
		{"never sell to brokers", "We do not sell your personal information to data brokers.", []string{"not sell / category:data-broker / personal information"}},
		{"not control is no statement", "We do not control third parties' practices.", nil},
		{"cannot control is no statement", "Acme cannot control how third parties collect your data.", nil},
		{"exception is no never", "We will not share your personal information except as described below.", nil},
		{"share list", "We may share device identifiers and IP address with advertising partners.",
			[]string{"share / category:advertising / device identifier", "share / category:advertising / ip address"}},
		{"such as expands", "We collect information such as your name, email address and precise location.",
			[]string{"collect / first party / email address", "collect / first party / geolocation", "collect / first party / person name"}},
		{"passive collection", "Voice recordings are stored on our servers.", []string{"collect / first party / audio"}},
		{"others collect", "Our service providers may collect your IP address.", []string{"collect / service providers / ip address"}},
		{"named organisation", "We share voice recordings with Amazon.", []string{"share / org:amazon / audio"}},
		{"product name is one organisation", "Google Analytics collects usage information.", []string{"collect / org:google / usage data"}},
		{"vendor is first party", "Acme collects your Wi-Fi network name.", []string{"collect / first party / router ssid"}},
		{"user's choice is no statement", "You can choose to share your location with friends.", nil},
		{"aggregated is no personal data", "We share aggregated information with partners.", nil},
		{"but not", "Advertisers may collect your IP address (but not your name).",
			[]string{"collect / category:advertising / ip address", "not collect / category:advertising / person name"}},
		{"coordinated verbs", "We never sell, rent or share your precise location.",
			[]string{"not sell / third parties / geolocation", "not share / third parties / geolocation"}},
		{"heading gives recipients", "## Information we share with analytics providers\n\nWe share usage information to improve the product.\n",
			[]string{"share / category:analytics / usage data"}},
		{"heading gives the action of a list", "## Information we collect\n\n- Device identifiers\n- Voice recordings\n",
			[]string{"collect / first party / audio", "collect / first party / device identifier"}},
		{"lead-in gives the action", "When you set up the device, we collect:\n\n- your email address\n- your Wi-Fi password\n",
			[]string{"collect / first party / email address", "collect / first party / wifi password"}},
		{"children are out of scope", "We do not knowingly collect personal information from children under 13.", nil},
		{"question is no statement", "What information do we collect?", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := triplesOf(t, c.text)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%q\n got %s\nwant %s", c.text, strings.Join(got, "; "), strings.Join(c.want, "; "))
			}
		})
	}
}

func TestModality(t *testing.T) {
	for text, want := range map[string]string{
		"We may share your email address with partners.":    "may",
		"We will share your email address with partners.":   "will",
		"We share your email address with partners.":        "does",
		"We might disclose your IP address to advertisers.": "may",
	} {
		r, err := Extract("t.md", []byte(text), Options{})
		if err != nil || len(r.Statements) != 1 {
			t.Fatalf("%q: %v, %d statements", text, err, len(r.Statements))
		}
		if got := r.Statements[0].Modality; got != want {
			t.Errorf("%q: modality %q, want %q", text, got, want)
		}
	}
}

func TestRulesParse(t *testing.T) {
	if _, err := ParseRules(rulesYAML); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"data: {\"blood type\": [blood type]}", "actors: {aliens: [aliens]}", "verbs: {eat: [eat]}", "data: ["} {
		if _, err := ParseRules([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
