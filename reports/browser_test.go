package reports_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/reports"
	"github.com/tattle-audit/tattle/result"
)

// TestHTMLInBrowser opens the demo's HTML report in headless Chromium:
// it must render (the DOM holds the report), log no console errors and
// make no network request, and a screenshot is kept in
// $TATTLE_ARTIFACTS (or the test's temporary directory).
func TestHTMLInBrowser(t *testing.T) {
	browser := ""
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no Chromium on PATH (apt-get install chromium): browser check skipped")
	}
	dir := t.TempDir()
	art := os.Getenv("TATTLE_ARTIFACTS")
	if art == "" {
		art = dir
	}
	os.MkdirAll(art, 0o755)
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0", "--window-size=1100,2400"}
	run := func(args ...string) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, append(append([]string{}, flags...), args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, errb.String())
		}
		return out.String(), errb.String()
	}
	for _, tc := range []struct {
		name string
		res  *result.Result
		want []string
	}{
		{"demo", demoResult(t), []string{"tattle report", "Samsung TV", "Overview", "Who it talks to", "Timeline", "<svg", "Tapad", "frame.number == 302"}},
		{"studio", fileResult(t, "studio.pcapng"), []string{"Overview", "Roku", "Timeline", "Infrastructure, computers and phones"}},
	} {
		page := filepath.Join(dir, tc.name+".html")
		os.WriteFile(page, render(t, "html", reports.Options{}, result.Redact(tc.res, testKey)), 0o644)
		dom, logs := run("--dump-dom", "file://"+page)
		for _, want := range tc.want {
			if !strings.Contains(dom, want) {
				t.Errorf("%s: rendered DOM lacks %q", tc.name, want)
			}
		}
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, "CONSOLE") || strings.Contains(l, "Refused to") || strings.Contains(l, "net::ERR") {
				t.Errorf("%s: browser console: %s", tc.name, l)
			}
		}
		shot := filepath.Join(art, "tattle-"+tc.name+"-report.png")
		run("--screenshot="+shot, "file://"+page)
		st, err := os.Stat(shot)
		if err != nil || st.Size() < 10_000 {
			t.Fatalf("%s: no screenshot: %v", tc.name, err)
		}
		t.Logf("screenshot: %s (%d bytes)", shot, st.Size())
	}
}
