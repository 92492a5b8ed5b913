package dissect_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/dissect"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// appSink keeps each flow's App by both directions of its key.
type appSink struct{ apps map[string]string }

func (s *appSink) Event(capture.Event) {}
func (s *appSink) Flow(f *capture.Flow) {
	s.apps[flowKey(f.Key.Client, f.Key.Server)] = f.App
	s.apps[flowKey(f.Key.Server, f.Key.Client)] = f.App
}

// ndpiProto is nDPI's protocol name (ndpiApp stops at digits and "_").
var ndpiProto = regexp.MustCompile(`\[proto: [0-9.]+/([A-Za-z0-9_]+)[\]/]`)

// ndpiCleartext maps nDPI's names of the cleartext protocols tattle
// recognises to tattle's Flow.App.
var ndpiCleartext = map[string]string{"MQTT": "mqtt", "Telnet": "telnet", "FTP_CONTROL": "ftp", "CoAP": "coap",
	"POP3": "pop3", "IMAP": "imap", "SMTP": "smtp"}

// TestNDPICleartextProtocols: every flow nDPI labels MQTT, Telnet, FTP,
// CoAP, POP3, IMAP or SMTP (cleartext; "SMTP" with STARTTLS counts, as
// its greeting is) is named the same by tattle, so its bytes count as
// unencrypted traffic.
func TestNDPICleartextProtocols(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "ntop-nDPI", "tests", "cfgs", "default")
	outs, _ := filepath.Glob(filepath.Join(root, "result", "*.out"))
	agree := map[string][2]int{}
	wrong := 0
	for _, out := range outs {
		b, _ := os.ReadFile(out)
		// wants: flows nDPI labels one of these protocols; others: its
		// other labels, to catch tattle naming a flow one of these
		// protocols that nDPI knows to be something else.
		wants, others := map[string]string{}, map[string]string{}
		for _, l := range strings.Split(string(b), "\n") {
			m := ndpiFlow.FindStringSubmatch(l)
			a := ndpiProto.FindStringSubmatch(l)
			if m == nil || a == nil {
				continue
			}
			src, err1 := netip.ParseAddr(strings.Trim(m[2], "[]"))
			dst, err2 := netip.ParseAddr(strings.Trim(m[4], "[]"))
			if err1 != nil || err2 != nil {
				continue
			}
			k := src.String() + "|" + m[3] + "|" + dst.String() + "|" + m[5]
			if app, ok := ndpiCleartext[a[1]]; ok {
				wants[k] = app
			} else {
				others[k] = a[1]
			}
		}
		pcap := filepath.Join(root, "pcap", strings.TrimSuffix(filepath.Base(out), ".out"))
		src, err := capture.Open(pcap)
		if err != nil {
			continue
		}
		s := &appSink{apps: map[string]string{}}
		_ = capture.NewScanner(s, capture.Options{Dissectors: dissect.Default()}).Run(src)
		src.Close()
		for k, app := range s.apps {
			if other, ok := others[k]; ok && isCleartextApp(app) && other != "Unknown" {
				t.Errorf("%s %s: tattle names it %s, nDPI %s", filepath.Base(pcap), k, app, other)
				wrong++
			}
		}
		if len(wants) == 0 {
			continue
		}
		keys := make([]string, 0, len(wants))
		for k := range wants {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			want := wants[k]
			c := agree[want]
			c[1]++
			if got := s.apps[k]; got == want {
				c[0]++
			} else {
				t.Errorf("%s %s: nDPI says %s, tattle %q", filepath.Base(pcap), k, want, got)
			}
			agree[want] = c
		}
	}
	names := make([]string, 0, len(agree))
	for n := range agree {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("nDPI %s flows named %s by tattle: %d of %d", n, n, agree[n][0], agree[n][1])
	}
	t.Logf("flows tattle names one of these protocols that nDPI labels otherwise: %d", wrong)
	if len(agree) == 0 {
		t.Error("no nDPI cleartext-protocol flows read")
	}
}

func isCleartextApp(app string) bool {
	for _, a := range ndpiCleartext {
		if a == app {
			return true
		}
	}
	return false
}
