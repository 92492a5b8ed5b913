package fingerprints

// ClientHello holds the fields of a TLS ClientHello that fingerprints and
// audits use. Lists keep the order and values as sent, GREASE included;
// the fingerprint functions filter GREASE themselves.
type ClientHello struct {
	RecordVersion     uint16 // version of the record layer (0 inside QUIC)
	Version           uint16 // legacy_version of the handshake
	CipherSuites      []uint16
	Extensions        []uint16 // extension types in order
	SNI               string
	ALPN              []string
	SupportedVersions []uint16 // extension 43
	SignatureAlgs     []uint16 // extension 13
	Curves            []uint16 // supported_groups, extension 10
	PointFormats      []uint8  // extension 11
	QUIC              bool     // carried in a QUIC Initial packet
	DTLS              bool     // a DTLS ClientHello (over UDP)
	// UserAgent is the google_user_agent QUIC transport parameter
	// (0x3129) that Chromium-based clients send, when present.
	UserAgent string
}
