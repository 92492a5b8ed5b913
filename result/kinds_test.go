package result

import "testing"

// TestEveryKindDescribed: every finding kind has a title, a valid default
// severity and a SARIF rule text, and a score class that is one of the
// documented classes (or none).
func TestEveryKindDescribed(t *testing.T) {
	classes := map[string]bool{ClassNone: true, ClassContradicted: true, ClassCredentials: true, ClassOmitted: true, ClassPersonal: true,
		ClassMUD: true, ClassTrackers: true, ClassCleartext: true, ClassTLS: true, ClassAmbiguous: true, ClassVague: true, ClassThirdParty: true}
	sev := map[string]bool{SeverityInfo: true, SeverityLow: true, SeverityMedium: true, SeverityHigh: true, SeverityCritical: true}
	kinds := []string{KindCleartextPersonal, KindCleartextProtocol, KindCredentials, KindWeakTLSVersion, KindWeakTLSCipher, KindWeakTLSUsed,
		KindCertSelfSigned, KindCertExpired, KindTrackerContact, KindThirdParty, KindUnclassified, KindDisclosureClear, KindDisclosureVague,
		KindDisclosureOmitted, KindDisclosureIncorrect, KindDisclosureAmbiguous, KindDisclosureUnclassified, KindMUDViolation, KindEncryptionContradicted}
	if len(kinds) != len(Kinds) {
		t.Errorf("%d kind constants, %d in the table", len(kinds), len(Kinds))
	}
	for _, k := range kinds {
		info, ok := Kinds[k]
		switch {
		case !ok:
			t.Errorf("%s: not in Kinds", k)
		case info.Title == "" || info.Rule == "":
			t.Errorf("%s: no title or SARIF rule text", k)
		case !sev[info.Severity]:
			t.Errorf("%s: severity %q", k, info.Severity)
		case !classes[info.Class]:
			t.Errorf("%s: unknown score class %q", k, info.Class)
		}
	}
	if KindTitle("user-rule-x") != "user-rule-x" {
		t.Error("an unknown kind is its own title")
	}
}
