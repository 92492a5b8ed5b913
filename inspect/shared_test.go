package inspect_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// sharedTrue are the pattern matches in ../shared/captures that are what
// they claim, each checked by hand in its packet; anything else the
// detectors report there is a false alarm. n is how many there are, so a
// detector that stops finding them fails too. A new true hit goes here
// after the same inspection.
var sharedTrue = []struct {
	file, dataType, value string // file: a regular expression on the path under ../shared/captures
	n                     int
}{
	// The account an IoT Sentinel D-Link camera and home hub send to
	// their cloud in cleartext XML: <Account>mmietti.work@outlook.com</Account>.
	{`^IoT_Sentinel/.*/D-Link(Cam|HomeHub)/Setup-A-\d-STA\.pcap$`, inspect.EmailAddress, `^mmietti\.work@outlook\.com$`, 9},
	// SMTP envelopes (MAIL From, RCPT To) and the To: header of a message.
	{`^ntop-nDPI/.*/smtp\.pcap$`, inspect.EmailAddress, `^[a-z]+@([a-z]+\.eyrie\.af|delta\.peach)\.mil$`, 84},
	// Emotet's SMTP spam: MAIL FROM, RCPT TO and an address in the body.
	{`^ntop-nDPI/.*/emotet\.pcap$`, inspect.EmailAddress, `^(raulparedes@wanadoo\.fr|mitzy\.torres@2080\.cl|info@2080\.cl)$`, 3},
	// A POP3 USER command.
	{`^ntop-nDPI/.*/pop3\.pcap$`, inspect.EmailAddress, `^cicciopernacchio@mail\.com$`, 1},
}

// patternHit is one pattern match the payload inspection reported.
type patternHit struct {
	dataType, file, value, where string
}

type patternHits struct {
	dir  string
	hits []patternHit
}

func (h *patternHits) Flow(string, *capture.Flow) {}
func (h *patternHits) Event(_ string, e capture.Event) {
	p, ok := e.(*inspect.PersonalDataEvent)
	if !ok || p.Owner != "" {
		return
	}
	switch p.DataType {
	case inspect.IMEI, inspect.AdvertisingID, inspect.EmailAddress:
		rel, _ := filepath.Rel(h.dir, p.File)
		h.hits = append(h.hits, patternHit{p.DataType, filepath.ToSlash(rel), p.Value, fmt.Sprintf("#%d %q", p.Packet, p.Excerpt)})
	}
}

// TestSharedCapturesPatternFalseAlarms scans every capture in
// ../shared/captures with payload inspection and counts the IMEIs,
// advertising IDs and e-mail addresses found by their patterns (not by
// known values): each is in sharedTrue, checked by hand, so the
// false-alarm rate on these captures is zero.
func TestSharedCapturesPatternFalseAlarms(t *testing.T) {
	dir := testutil.SharedCaptures(t)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	h := &patternHits{dir: dir}
	captures := 0
	for _, f := range files {
		src, err := capture.Open(f)
		if err != nil {
			continue // not a capture: tattle tells by content, not by name
		}
		res, _ := audit.Scan(src, audit.Config{Version: "t", Hooks: []audit.Hook{h}})
		src.Close()
		if res != nil && res.Stats.Packets > 0 {
			captures++
		}
	}
	if captures < 300 {
		t.Fatalf("only %d captures read under %s: the measure would cover too little", captures, dir)
	}
	count := map[string]int{}
	matched := make([]int, len(sharedTrue))
	for _, x := range h.hits {
		count[x.dataType]++
		ok := false
		for i, tr := range sharedTrue {
			if tr.dataType == x.dataType && regexp.MustCompile(tr.file).MatchString(x.file) && regexp.MustCompile(tr.value).MatchString(x.value) {
				matched[i]++
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("false alarm: %s %q in %s %s", x.dataType, x.value, x.file, x.where)
		}
	}
	for i, tr := range sharedTrue {
		if matched[i] != tr.n {
			t.Errorf("%s in %s: found %d, checked by hand %d", tr.dataType, tr.file, matched[i], tr.n)
		}
	}
	t.Logf("%d captures of %d files: pattern findings %d IMEI, %d advertising ID, %d e-mail; false alarms %d",
		captures, len(files), count[inspect.IMEI], count[inspect.AdvertisingID], count[inspect.EmailAddress], len(h.hits)-sum(matched))
}

func sum(l []int) int {
	n := 0
	for _, x := range l {
		n += x
	}
	return n
}
