package gen

// Files lists every committed capture (path relative to the module root)
// with the function that makes it.
func Files() map[string]func() ([]byte, error) {
	return map[string]func() ([]byte, error){
		"internal/demo/home.pcapng": func() ([]byte, error) { return Generate(Home) },
		"testdata/home.pcapng":      func() ([]byte, error) { return Generate(Home) },
		"testdata/injection.pcapng": func() ([]byte, error) { return Generate(Injection) },
		"testdata/personal.pcapng":  func() ([]byte, error) { return Generate(PersonalData) },
		"testdata/studio.pcapng":    func() ([]byte, error) { return Generate(Studio) },
		"testdata/flat.pcapng":      func() ([]byte, error) { return Generate(Flat) },
		"testdata/headers.pcapng":   func() ([]byte, error) { return Generate(HeadersOnly) },
		"testdata/seqjump.pcapng":   func() ([]byte, error) { return Generate(SeqJump) },
		"testdata/fartimes.pcapng":  func() ([]byte, error) { return Generate(FarTimes) },
		"testdata/local.pcapng":     func() ([]byte, error) { return Generate(LocalProtocols) },
		"testdata/ipv6.pcapng":      func() ([]byte, error) { return Generate(IPv6Flat) },
		"testdata/truncated.pcapng": func() ([]byte, error) {
			b, err := Generate(Home)
			return Truncate(b), err
		},
	}
}
