package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tattle-audit/tattle/result"
)

// redactionKeyEnv names the environment variable that gives the
// redaction key, for CI jobs whose reports must compare across machines.
const redactionKeyEnv = "TATTLE_REDACTION_KEY"

// redactionKey returns the key redacted reports are made with: the
// --redaction-key flag, else $TATTLE_REDACTION_KEY, else the key kept in
// the user's configuration directory (tattle/redaction.key), made from
// 32 random bytes, mode 0600, on first use. One key gives every device
// the same pseudonym in every report, so baselines and diffs of redacted
// results compare; without the key nobody can tell which MAC a pseudonym
// stands for.
func redactionKey(io *IOStreams, flag string) ([]byte, error) {
	if flag != "" {
		return []byte(flag), nil
	}
	if v := io.Getenv(redactionKeyEnv); v != "" {
		return []byte(v), nil
	}
	if io.ConfigDir == nil {
		return nil, fmt.Errorf("redaction key: no configuration directory: give --redaction-key or $%s", redactionKeyEnv)
	}
	dir, err := io.ConfigDir()
	if err != nil {
		return nil, fmt.Errorf("redaction key: %w (give --redaction-key or $%s)", err, redactionKeyEnv)
	}
	path := filepath.Join(dir, "tattle", "redaction.key")
	if b, err := os.ReadFile(path); err == nil {
		k := strings.TrimSpace(string(b))
		if k == "" {
			return nil, fmt.Errorf("redaction key: %s is empty", path)
		}
		return []byte(k), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	k := hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	// Written whole to a temporary file, then linked into place: two runs
	// that start at once agree on the first one's key, and none reads a
	// half-written file.
	f, err := os.CreateTemp(filepath.Dir(path), ".redaction.key-*")
	if err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.WriteString(k + "\n")
	if err := errors.Join(werr, f.Chmod(0o600), f.Close()); err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		return redactionKey(io, "")
	} else if err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	fmt.Fprintf(io.ErrOut, "tattle: made a new redaction key in %s (redacted reports made with another key do not compare with these)\n", path)
	return []byte(k), nil
}

// sameRedaction brings results that will be compared (a scan and its
// baseline, the two sides of a diff) into one state: when redact is set
// or any of them is redacted, every one not yet redacted is redacted with
// the key, in place; results redacted with different keys are a usage
// error, since every device would look new. nil results are skipped.
func sameRedaction(io *IOStreams, keyFlag string, redact bool, rs ...*result.Result) error {
	for _, r := range rs {
		redact = redact || (r != nil && r.Redacted)
	}
	if !redact {
		return nil
	}
	var key []byte
	for _, r := range rs {
		if r == nil || r.Redacted {
			continue
		}
		if key == nil {
			var err error
			if key, err = redactionKey(io, keyFlag); err != nil {
				return usageError(err)
			}
		}
		result.RedactInPlace(r, key) // nothing reads the unredacted result after this
	}
	var first *result.Result
	for _, r := range rs {
		if r == nil {
			continue
		}
		if first == nil {
			first = r
		} else if r.RedactionKey != first.RedactionKey {
			return usageErrorf("results redacted with different keys (%q and %q) do not compare: every device would look new; redact both with one key (--redaction-key or $%s)",
				first.RedactionKey, r.RedactionKey, redactionKeyEnv)
		}
	}
	return nil
}
