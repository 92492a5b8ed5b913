package result

// Finding kinds: the rule ids of Finding.Kind. The audit stage produces
// the traffic kinds, the policy stage the disclosure kinds; this table is
// the one place that says what each is called, how severe it is by
// default, which score class it counts in and which SARIF rule it is.
const (
	KindCleartextPersonal = "cleartext-personal-data"
	KindCleartextProtocol = "cleartext-protocol"
	KindCredentials       = "cleartext-credentials"
	KindWeakTLSVersion    = "weak-tls-version"
	KindWeakTLSCipher     = "weak-tls-cipher"
	KindWeakTLSUsed       = "weak-tls-used"
	KindCertSelfSigned    = "tls-certificate-self-signed"
	KindCertExpired       = "tls-certificate-expired"
	KindTrackerContact    = "tracker-contact"
	KindThirdParty        = "third-party-contact"
	KindUnclassified      = "unclassified-destination"

	KindDisclosureClear        = "disclosure-clear"
	KindDisclosureVague        = "disclosure-vague"
	KindDisclosureOmitted      = "disclosure-omitted"
	KindDisclosureIncorrect    = "disclosure-incorrect"
	KindDisclosureAmbiguous    = "disclosure-ambiguous"
	KindDisclosureUnclassified = "disclosure-unclassified"
	KindMUDViolation           = "mud-violation"
	KindEncryptionContradicted = "encryption-claim-contradicted"
)

// Score classes (docs/policy.md): each finding kind that costs points
// counts in one class; each class has its points per finding and a cap.
const (
	ClassContradicted = "disclosure contradicted by traffic"
	ClassCredentials  = "credentials in cleartext"
	ClassOmitted      = "third parties the declaration omits"
	ClassPersonal     = "personal data in cleartext"
	ClassMUD          = "contact outside the MUD profile"
	ClassTrackers     = "advertising, analytics and tracking contacts"
	ClassCleartext    = "unencrypted traffic to the internet"
	ClassTLS          = "outdated TLS, weak cipher suites or bad certificates"
	ClassAmbiguous    = "ambiguous disclosures"
	ClassVague        = "vague disclosures"
	ClassThirdParty   = "third parties (no declaration to check them against)"
	// ClassNone marks kinds that never cost points (clear disclosures,
	// what tattle cannot classify: reported, not scored).
	ClassNone = ""
)

// KindInfo describes a finding kind.
type KindInfo struct {
	// Title is the kind's generic name (SARIF rule name, legends); a
	// finding's own Title names its subject.
	Title string
	// Severity is the kind's default severity; a finding may differ
	// (local announcements are info, for one).
	Severity string
	// Class is the score class the kind counts in (ClassNone: none).
	Class string
	// Rule is the SARIF rule's short description.
	Rule string
	// Undisclosed is true for kinds that mean a recipient or a flow the
	// declaration does not cover or contradicts.
	Undisclosed bool
}

// Kinds is the table of every finding kind.
var Kinds = map[string]KindInfo{
	KindCleartextPersonal: {"Personal data in cleartext", SeverityHigh, ClassPersonal, "Personal data sent without encryption", false},
	KindCleartextProtocol: {"Unencrypted traffic to the internet", SeverityMedium, ClassCleartext, "Unencrypted traffic to the internet", false},
	KindCredentials:       {"Credentials in cleartext", SeverityCritical, ClassCredentials, "Credentials sent without encryption", false},
	KindWeakTLSVersion:    {"Outdated TLS offered", SeverityMedium, ClassTLS, "TLS below 1.2 offered", false},
	KindWeakTLSCipher:     {"Weak TLS cipher suites offered", SeverityLow, ClassTLS, "Weak TLS cipher suites offered", false},
	KindWeakTLSUsed:       {"Outdated TLS used", SeverityHigh, ClassTLS, "TLS below 1.2 negotiated with the server", false},
	KindCertSelfSigned:    {"Self-signed server certificate", SeverityMedium, ClassTLS, "The server presented a self-signed certificate", false},
	KindCertExpired:       {"Expired server certificate", SeverityMedium, ClassTLS, "The server presented an expired certificate", false},
	KindTrackerContact:    {"Advertising, analytics or tracking contact", SeverityMedium, ClassTrackers, "Contact with an advertising, analytics, tracking or data-broker service", false},
	KindThirdParty:        {"Third-party contact", SeverityLow, ClassThirdParty, "Contact with a third party", false},
	KindUnclassified:      {"Unclassified destination", SeverityInfo, ClassNone, "Destination tattle cannot classify", false},

	KindDisclosureClear:        {"Clearly disclosed", SeverityInfo, ClassNone, "Data flow clearly disclosed by the declaration", false},
	KindDisclosureVague:        {"Vaguely disclosed", SeverityLow, ClassVague, "Data flow disclosed only in vague terms", false},
	KindDisclosureOmitted:      {"Not disclosed", SeverityHigh, ClassOmitted, "Data flow the declaration does not disclose", true},
	KindDisclosureIncorrect:    {"Contradicts the declaration", SeverityCritical, ClassContradicted, "Data flow the declaration says never happens", true},
	KindDisclosureAmbiguous:    {"Ambiguous disclosure", SeverityMedium, ClassAmbiguous, "Declaration statements that disagree about a data flow", false},
	KindDisclosureUnclassified: {"Recipient not classified", SeverityInfo, ClassNone, "Data flow whose recipient tattle cannot classify, so no disclosure label", false},
	KindMUDViolation:           {"Outside the MUD profile", SeverityMedium, ClassMUD, "Contact the device's MUD profile does not allow", true},
	KindEncryptionContradicted: {"Encryption claim contradicted", SeverityHigh, ClassContradicted, "Unencrypted traffic where the declaration claims encryption in transit", true},
}

// KindTitle is the generic title of a kind, or the kind itself when the
// table does not know it (a user rule's kind).
func KindTitle(kind string) string {
	if k, ok := Kinds[kind]; ok {
		return k.Title
	}
	return kind
}

// Parties of a destination (Destination.Party): who receives the data,
// seen from the device's vendor. fingerprints decides them and keeps the
// same words (fingerprints.Party*; a test in audit checks they agree).
const (
	PartyFirst        = "first"        // the vendor (or its parent)
	PartySupport      = "support"      // cloud, CDN, DNS, time: infrastructure
	PartyThird        = "third"        // anyone else: advertising, analytics...
	PartyLocal        = "local"        // an address on the home network
	PartyUnclassified = "unclassified" // tattle cannot say
)
