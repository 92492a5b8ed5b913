//go:build libpcap

package capture

// Live capture through libpcap, for systems without AF_PACKET (macOS, the
// BSDs) or when libpcap's filters are wanted: build with -tags libpcap
// (cgo, and libpcap's headers: apt-get install libpcap-dev).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"
)

// ErrPermission means the process may not open the interface.
var ErrPermission = errors.New("capture: live capture needs CAP_NET_RAW (or access to /dev/bpf*): run as root")

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string
	Promisc   bool
	Snaplen   int
	Filter    string
	Duration  time.Duration
	Packets   uint64
}

// LiveSource reads packets from an interface through libpcap.
type LiveSource struct {
	h      *pcap.Handle
	opts   LiveOptions
	info   InputInfo
	index  uint64
	mu     sync.Mutex
	closed bool
	timer  *time.Timer
	drops  uint64
}

// OpenLive opens an interface for capture.
func OpenLive(opts LiveOptions) (*LiveSource, error) {
	snap := int32(262144)
	if opts.Snaplen > 0 {
		snap = int32(opts.Snaplen)
	}
	// A short read timeout lets Close take effect promptly.
	h, err := pcap.OpenLive(opts.Interface, snap, opts.Promisc, 200*time.Millisecond)
	if err != nil {
		if strings.Contains(err.Error(), "permission") || strings.Contains(err.Error(), "not permitted") {
			return nil, ErrPermission
		}
		return nil, fmt.Errorf("capture: %s: %w", opts.Interface, err)
	}
	if opts.Filter != "" {
		if err := h.SetBPFFilter(opts.Filter); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture: filter %q: %w", opts.Filter, err)
		}
	}
	s := &LiveSource{h: h, opts: opts}
	s.info = InputInfo{Name: "interface " + opts.Interface, Format: "live", LinkTypes: []string{h.LinkType().String()}}
	if opts.Duration > 0 {
		s.timer = time.AfterFunc(opts.Duration, func() { s.Close() })
	}
	return s, nil
}

// CompileFilter compiles with libpcap.
func CompileFilter(expr string) ([]bpf.RawInstruction, error) {
	ins, err := pcap.CompileBPFFilter(1 /* Ethernet */, 262144, expr)
	if err != nil {
		return nil, fmt.Errorf("capture: filter %q: %w", expr, err)
	}
	out := make([]bpf.RawInstruction, len(ins))
	for i, x := range ins {
		out[i] = bpf.RawInstruction{Op: x.Code, Jt: x.Jt, Jf: x.Jf, K: x.K}
	}
	return out, nil
}

func (s *LiveSource) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Next returns the next packet; io.EOF once stopped.
func (s *LiveSource) Next() (RawPacket, error) {
	for {
		if s.isClosed() || (s.opts.Packets > 0 && s.index >= s.opts.Packets) {
			return RawPacket{}, io.EOF
		}
		data, ci, err := s.h.ZeroCopyReadPacketData()
		if err == pcap.NextErrorTimeoutExpired {
			continue
		}
		if err != nil {
			if s.isClosed() || errors.Is(err, os.ErrClosed) || err == io.EOF {
				return RawPacket{}, io.EOF
			}
			return RawPacket{}, fmt.Errorf("capture: %s: %w", s.opts.Interface, err)
		}
		s.index++
		p := RawPacket{Data: data, Time: ci.Timestamp.UTC(), CaptureLn: ci.Length, LinkType: s.h.LinkType(), Source: s.info.Name, Index: s.index}
		s.mu.Lock() // Inputs and Drops read info from other goroutines
		s.info.stamp(&p)
		s.mu.Unlock()
		return p, nil
	}
}

// Drops returns the packets received and dropped so far.
func (s *LiveSource) Drops() (received, dropped uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.info.Packets, s.drops
	}
	st, err := s.h.Stats()
	if err != nil {
		return 0, 0
	}
	return uint64(st.PacketsReceived), uint64(st.PacketsDropped + st.PacketsIfDropped)
}

// Inputs describes the capture. It may be called while Next runs.
func (s *LiveSource) Inputs() []InputInfo {
	s.mu.Lock()
	in := s.info
	in.LinkTypes = append([]string(nil), in.LinkTypes...)
	s.mu.Unlock()
	_, in.Drops = s.Drops()
	return []InputInfo{in}
}

// Close stops the capture.
func (s *LiveSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	if st, err := s.h.Stats(); err == nil {
		s.drops = uint64(st.PacketsDropped + st.PacketsIfDropped)
	}
	s.h.Close()
	return nil
}

// DropPrivileges is left to the platform's tools with libpcap.
func DropPrivileges() (bool, error) { return false, nil }
