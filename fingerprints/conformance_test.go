package fingerprints

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/internal/testutil"
)

// TestMonIoTrCoverage classifies the destination host names of the
// Mon(IoT)r study (Ren et al., IMC 2019) and compares the owners with the
// study's IP-to-organisation table. That table names who hosts an
// address (a Roku name on AWS says Amazon), so disagreement is expected
// where a vendor rents cloud servers; coverage is what must be high.
func TestMonIoTrCoverage(t *testing.T) {
	dir := filepath.Join(testutil.SharedCaptures(t), "NEU-SNS-intl-iot", "destination", "aux")
	f, err := os.Open(filepath.Join(dir, "ipToOrg.csv"))
	if err != nil {
		t.Skipf("Mon(IoT)r tables not found: %v", err)
	}
	cr := csv.NewReader(f)
	cr.LazyQuotes, cr.FieldsPerRecord = true, -1
	recs, err := cr.ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	ipOrg := map[string]string{}
	for _, r := range recs[1:] {
		ipOrg[r[0]] = r[1]
	}
	kb := DefaultKB()
	total, covered, compared, agree, hosting := 0, 0, 0, 0, 0
	for _, name := range []string{"tshark_us.hosts", "tshark_uk.hosts"} {
		hf, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(hf)
		for sc.Scan() {
			ip, host, ok := strings.Cut(sc.Text(), "\t")
			if !ok || host == "" {
				continue
			}
			total++
			m, ok := kb.Lookup(host)
			if !ok {
				continue
			}
			covered++
			theirs, ok := ipOrg[ip]
			if !ok || theirs == "" {
				continue
			}
			o, ok := kb.OrgByName(theirs)
			if !ok {
				continue
			}
			compared++
			if kb.Ultimate(o.ID) == m.Parent {
				agree++
			} else if IsSupport(m.Category) || m.Category == CatIoTCloud {
				hosting++
			}
		}
		hf.Close()
	}
	if total == 0 {
		t.Fatal("no host names read")
	}
	cov := float64(covered) / float64(total)
	t.Logf("Mon(IoT)r host names: %d, with an organisation: %d (%.1f%%); owner comparable with the IP table: %d, same owner: %d, differing where the name's owner rents hosting: %d",
		total, covered, 100*cov, compared, agree, hosting)
	if cov < 0.80 {
		t.Errorf("coverage %.1f%% is under 80%%", 100*cov)
	}
}

var (
	ndpiCat  = regexp.MustCompile(`\[cat: (Advertisement|Tracking)[^\]]*\]`)
	ndpiHost = regexp.MustCompile(`\[Hostname/SNI: ([^\]]+)\]`)
)

// TestNDPITrackersAreTrackers checks that every host nDPI's results label
// as advertising or tracking is a tracker in tattle's knowledge (hence a
// third party to any device whose vendor does not own it).
func TestNDPITrackersAreTrackers(t *testing.T) {
	dir := filepath.Join(testutil.SharedCaptures(t), "ntop-nDPI", "tests", "cfgs", "default", "result")
	files, _ := filepath.Glob(filepath.Join(dir, "*.out"))
	kb := DefaultKB()
	seen := map[string]bool{}
	ok := 0
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if !ndpiCat.MatchString(l) {
				continue
			}
			h := ndpiHost.FindStringSubmatch(l)
			if h == nil || seen[h[1]] {
				continue
			}
			seen[h[1]] = true
			m, found := kb.Lookup(h[1])
			if !found || !IsTracker(m.Category) {
				t.Errorf("%s (%s): nDPI says advertising/tracking; tattle says %q/%q", h[1], filepath.Base(fn), m.Org, m.Category)
				continue
			}
			if p := kb.Party("tp-link", m); p != PartyThird {
				t.Errorf("%s: party %s for a TP-Link device, want third", h[1], p)
				continue
			}
			ok++
		}
	}
	t.Logf("nDPI advertising/tracking hosts: %d, classified as trackers and third parties: %d", len(seen), ok)
}
