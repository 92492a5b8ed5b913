// Package testutil holds helpers shared by tests: where the shared real
// captures are, and how to skip cleanly when they are absent.
package testutil

import (
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
