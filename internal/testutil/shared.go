// Package testutil holds helpers shared by tests: where the shared real
// captures are, how to skip cleanly when they are absent, and a cache for
// the answers of slow external tools.
package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot walks up from the working directory to the directory that
// holds go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// SharedCaptures returns ../shared/captures next to the module (or
// $TATTLE_SHARED_CAPTURES), skipping the test when it is absent, as on a
// fresh clone.
func SharedCaptures(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TATTLE_SHARED_CAPTURES")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "captures")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("shared captures not found at %s: conformance against real captures skipped", dir)
	}
	return dir
}

// SharedLists returns ../shared/lists, skipping when absent.
func SharedLists(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(ModuleRoot(t), "..", "shared", "lists")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("shared lists not found at %s: skipped", dir)
	}
	return dir
}

// Cached returns what compute returns for key, computing it once per key
// and keeping the result in the test cache directory ($TATTLE_TEST_CACHE,
// else tattle-test under the user's cache directory), so that slow
// external tools (tshark, run over every shared capture) are asked once
// per input, not on every run. The key must name everything the result
// depends on: the tool's identity (see ToolID), its arguments and the
// input's content (see FileHash). TATTLE_TEST_CACHE=off turns the cache
// off; a cache that cannot be read or written is only bypassed. A result
// compute returns with an error is returned but not kept. Safe for
// concurrent use.
func Cached(key string, compute func() ([]byte, error)) ([]byte, error) {
	dir := os.Getenv("TATTLE_TEST_CACHE")
	if dir == "off" {
		return compute()
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return compute()
		}
		dir = filepath.Join(base, "tattle-test")
	}
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(dir, hex.EncodeToString(sum[:]))
	if b, err := os.ReadFile(path); err == nil {
		return b, nil
	}
	b, err := compute()
	if err != nil {
		return b, err
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		// Written whole under a temporary name, then renamed: a test
		// run in parallel never reads half an entry.
		if f, err := os.CreateTemp(dir, "tmp-*"); err == nil {
			_, werr := f.Write(b)
			if cerr := f.Close(); werr == nil && cerr == nil {
				os.Rename(f.Name(), path)
			} else {
				os.Remove(f.Name())
			}
		}
	}
	return b, nil
}

// FileHash returns the SHA-256 of a file's content, hex-encoded.
func FileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ToolID names an installed program by path, size and modification time,
// so that cached output is recomputed when the program is upgraded.
func ToolID(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return path
	}
	return fmt.Sprintf("%s %d %d", path, st.Size(), st.ModTime().UnixNano())
}

// SharedPolicies returns ../shared/policies (or $TATTLE_SHARED_POLICIES),
// real privacy policies that belong to their vendors and are never copied
// into the project; it skips the test when the folder is absent.
func SharedPolicies(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TATTLE_SHARED_POLICIES")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "policies")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("shared policies not found at %s: skipped", dir)
	}
	return dir
}
