package reports_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/demo"
	"github.com/tattle-audit/tattle/result"
)

// TestEvidencePacketsHoldTheirMessage re-reads the demo capture and checks
// that every packet the demo's findings and destination names cite holds
// the protocol message the evidence claims: a TLS ClientHello for an SNI,
// an HTTP request for a Host, a DNS response for a DNS name. The README's
// worked example tells readers to open these packets in Wireshark.
func TestEvidencePacketsHoldTheirMessage(t *testing.T) {
	res := demoResult(t)
	name, data := demo.Capture()
	packets := readPackets(t, name, data)
	checked := map[string]int{}
	check := func(where string, e result.Evidence) {
		t.Helper()
		if e.Packet == 0 || e.File != name {
			return
		}
		p, ok := packets[e.Packet]
		if !ok {
			t.Errorf("%s: packet %d is not in %s", where, e.Packet, name)
			return
		}
		var why string
		switch e.Source {
		case "tls":
			why = isClientHello(p)
		case "http":
			why = isHTTPRequest(p, packets)
		case "dns":
			why = isDNSResponse(p)
		default:
			return
		}
		checked[e.Source]++
		if why != "" {
			t.Errorf("%s: %s evidence #%d (%s): %s", where, e.Source, e.Packet, e.Detail, why)
		}
	}
	for _, d := range res.Devices {
		for _, f := range d.Findings {
			for _, e := range f.Evidence {
				check(d.ID+" finding "+f.Title, e)
				// A named recipient is shown by the packet that names it
				// (ClientHello, request, DNS answer), not by a TCP SYN.
				if e.Source == "flow" && f.Organization != "" && (f.Kind == result.KindTrackerContact || f.Kind == result.KindThirdParty) {
					t.Errorf("%s finding %s cites the flow's first packet #%d, not the packet naming %s", d.ID, f.Title, e.Packet, f.Destination)
				}
			}
		}
		for i := range d.Destinations {
			dst := &d.Destinations[i]
			check(d.ID+" destination "+dst.Name, dst.NameEvidence())
			for _, n := range dst.Names {
				src := map[string]string{"sni": "tls", "http": "http", "dns": "dns"}[n.Source]
				check(d.ID+" name "+n.Name, result.Evidence{Source: src, File: n.File, Packet: n.Packet})
			}
		}
	}
	for _, src := range []string{"tls", "http", "dns"} {
		if checked[src] == 0 {
			t.Errorf("no %s evidence checked: the demo should cite some", src)
		}
	}
	t.Logf("evidence packets checked against the capture: %v", checked)
	// The README's worked example cites the TV's ClientHello to
	// pixel.tapad.com as packet 302.
	if why := isClientHello(packets[302]); why != "" {
		t.Errorf("README's packet 302: %s", why)
	}
}

func readPackets(t *testing.T, name string, data []byte) map[uint64]gopacket.Packet {
	src, err := capture.OpenReader(name, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]gopacket.Packet{}
	for {
		rp, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out[rp.Index] = gopacket.NewPacket(append([]byte(nil), rp.Data...), rp.LinkType, gopacket.Default)
	}
	return out
}

func tcpPayload(p gopacket.Packet) []byte {
	if tcp, ok := p.TransportLayer().(*layers.TCP); ok {
		return tcp.Payload
	}
	return nil
}

func isClientHello(p gopacket.Packet) string {
	if p == nil {
		return "no such packet"
	}
	b := tcpPayload(p)
	// TLS record: handshake (22), version, length; handshake type 1.
	if len(b) < 6 || b[0] != 22 || b[5] != 1 {
		return "not a TLS ClientHello"
	}
	return ""
}

// isHTTPRequest: p carries bytes of a client's HTTP request: its TCP
// stream's first payload starts with a method (a request split over
// segments is cited where the bytes are).
func isHTTPRequest(p gopacket.Packet, all map[uint64]gopacket.Packet) string {
	if p == nil || len(tcpPayload(p)) == 0 {
		return "no TCP payload"
	}
	flow := p.NetworkLayer().NetworkFlow().String() + p.TransportLayer().TransportFlow().String()
	first := uint64(1 << 62)
	var b []byte
	for n, q := range all {
		if n < first && q.TransportLayer() != nil && q.NetworkLayer() != nil && len(tcpPayload(q)) > 0 &&
			q.NetworkLayer().NetworkFlow().String()+q.TransportLayer().TransportFlow().String() == flow {
			first, b = n, tcpPayload(q)
		}
	}
	for _, m := range []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH "} {
		if bytes.HasPrefix(b, []byte(m)) {
			return ""
		}
	}
	return "not on an HTTP request stream"
}

func isDNSResponse(p gopacket.Packet) string {
	l := p.Layer(layers.LayerTypeDNS)
	if l == nil {
		return "not DNS"
	}
	if d := l.(*layers.DNS); !d.QR || len(d.Answers) == 0 {
		return "not a DNS response with answers"
	}
	return ""
}
