package testutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCached(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv("TATTLE_TEST_CACHE", dir)
	calls := 0
	compute := func(v string, err error) func() ([]byte, error) {
		return func() ([]byte, error) { calls++; return []byte(v), err }
	}
	get := func(key string, f func() ([]byte, error)) string {
		t.Helper()
		b, err := Cached(key, f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := get("a", compute("one", nil)); got != "one" || calls != 1 {
		t.Fatalf("first call: %q, %d computations", got, calls)
	}
	if got := get("a", compute("two", nil)); got != "one" || calls != 1 {
		t.Errorf("same key: %q, %d computations; want the kept result", got, calls)
	}
	if got := get("b", compute("three", nil)); got != "three" || calls != 2 {
		t.Errorf("other key: %q, %d computations", got, calls)
	}
	// A failed computation is returned with its error, and not kept.
	boom := errors.New("boom")
	if b, err := Cached("c", compute("partial", boom)); err != boom || string(b) != "partial" {
		t.Errorf("failed computation: %q, %v", b, err)
	}
	if got := get("c", compute("four", nil)); got != "four" {
		t.Errorf("after a failure: %q, want a new computation", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d entries in the cache, want 3 (a, b, c; no temporary files)", len(entries))
	}

	t.Setenv("TATTLE_TEST_CACHE", "off")
	calls = 0
	get("a", compute("five", nil))
	if got := get("a", compute("five", nil)); got != "five" || calls != 2 {
		t.Errorf("cache off: %q, %d computations, want 2", got, calls)
	}
}

func TestFileHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("abc"), 0o644)
	h, err := FileHash(path)
	if err != nil || h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("FileHash = %s, %v", h, err)
	}
	if _, err := FileHash(path + ".missing"); err == nil {
		t.Error("missing file hashed")
	}
}
