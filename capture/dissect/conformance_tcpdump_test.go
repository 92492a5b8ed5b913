package dissect_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
)

var (
	tdPacket  = regexp.MustCompile(`(?m)^\s*(\d+)\s+\d{4}-\d\d-\d\d `)
	tdChaddr  = regexp.MustCompile(`Client-Ethernet-Address ([0-9a-f:]{17})`)
	tdYiaddr  = regexp.MustCompile(`Your-IP (\S+)`)
	tdMsgType = regexp.MustCompile(`DHCP-Message \(53\), length 1: (.+)`)
	tdParams  = regexp.MustCompile(`Parameter-Request \(55\), length (\d+)`)
	tdReqIP   = regexp.MustCompile(`Requested-IP \(50\), length 4: (\S+)`)
	tdCID     = regexp.MustCompile(`Client-ID \(61\), length \d+: ether ([0-9a-f:]{17})`)
	td6Type   = regexp.MustCompile(`dhcp6 ([a-z-]+) \(`)
	td6DUID   = regexp.MustCompile(`\(client-ID hwaddr(?:/time)? type 1 (?:time \d+ )?([0-9a-f]{12})\)`)
	td6ORO    = regexp.MustCompile(`\(option-request ([^)]*)\)`)
)

// tcpdump's names of DHCPv6 message types, as tattle spells them.
var tdTypes = map[string]string{"solicit": "SOLICIT", "advertise": "ADVERTISE", "request": "REQUEST", "confirm": "CONFIRM", "renew": "RENEW", "rebind": "REBIND",
	"reply": "REPLY", "release": "RELEASE", "decline": "DECLINE", "reconfigure": "RECONFIGURE", "inf-req": "INFORMATION-REQUEST"}

// TestTcpdumpDHCPPackets compares DHCP fields with tcpdump's decode
// packet by packet: message type, chaddr, yiaddr, requested address,
// client id, parameter list length (v4); message type (the innermost for
// relays), the MAC in the client DUID and the ORO length (v6).
func TestTcpdumpDHCPPackets(t *testing.T) {
	root := filepath.Join(testutil.SharedCaptures(t), "tcpdump")
	sel, err := os.ReadFile(filepath.Join(root, "SELECTED-TESTS.tsv"))
	if err != nil {
		t.Skipf("tcpdump tests not found: %v", err)
	}
	c := tally{}
	for _, l := range strings.Split(string(sel), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || !strings.HasPrefix(f[0], "dhcp") {
			continue
		}
		out, err := os.ReadFile(filepath.Join(root, "tests", f[2]))
		if err != nil {
			continue
		}
		byPkt := map[uint64]*capture.DHCPEvent{}
		for _, e := range scan(t, filepath.Join(root, "tests", f[1])) {
			if d, ok := e.(*capture.DHCPEvent); ok {
				byPkt[d.Packet] = d
			}
		}
		idx := tdPacket.FindAllStringSubmatchIndex(string(out), -1)
		for i, m := range idx {
			end := len(out)
			if i+1 < len(idx) {
				end = idx[i+1][0]
			}
			block := string(out[m[0]:end])
			n, _ := strconv.ParseUint(string(out[m[2]:m[3]]), 10, 64)
			at := f[1] + " #" + strconv.FormatUint(n, 10)
			d := byPkt[n]
			isV6 := strings.Contains(block, " dhcp6 ")
			if !isV6 && !strings.Contains(block, "BOOTP/DHCP") {
				continue
			}
			c.check(t, at, "message read", "", d != nil, "no event")
			if d == nil {
				continue
			}
			field := func(name string, re *regexp.Regexp, got func(string) (bool, any)) {
				if x := re.FindAllStringSubmatch(block, -1); x != nil {
					ok, g := got(x[len(x)-1][1])
					c.check(t, at, name, x[len(x)-1][1], ok, g)
				}
			}
			if isV6 {
				field("dhcp6 message type", td6Type, func(w string) (bool, any) {
					want, known := tdTypes[w]
					return !known || d.MsgType == want, d.MsgType
				})
				field("client DUID MAC", td6DUID, func(w string) (bool, any) {
					return hex.EncodeToString(d.ClientMAC[:]) == w, d.ClientMAC
				})
				field("ORO length", td6ORO, func(w string) (bool, any) {
					return len(strings.Fields(w)) == len(d.ParamList6), d.ParamList6
				})
				continue
			}
			field("DHCP message type", tdMsgType, func(w string) (bool, any) {
				want := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(w), " ", ""))
				if want == "NACK" {
					want = "NAK"
				}
				return want == d.MsgType, d.MsgType
			})
			field("chaddr", tdChaddr, func(w string) (bool, any) { return d.ClientMAC.String() == w, d.ClientMAC })
			field("yiaddr", tdYiaddr, func(w string) (bool, any) { return d.YourIP.String() == w, d.YourIP })
			field("requested IP", tdReqIP, func(w string) (bool, any) { return d.RequestedIP.String() == w, d.RequestedIP })
			field("client id", tdCID, func(w string) (bool, any) {
				return hex.EncodeToString(d.ClientID) == "01"+strings.ReplaceAll(w, ":", ""), hex.EncodeToString(d.ClientID)
			})
			field("parameter list length", tdParams, func(w string) (bool, any) { return strconv.Itoa(len(d.ParamList)) == w, d.ParamList })
		}
	}
	c.log(t, "tcpdump DHCP")
}
