//go:build linux && !libpcap

package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// ErrPermission means the process may not open a packet socket.
var ErrPermission = errors.New("capture: live capture needs CAP_NET_RAW: run as root, or grant it with `setcap cap_net_raw,cap_net_admin+ep $(which tattle)`")

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string
	Promisc   bool
	Snaplen   int    // bytes kept per packet; 0 means 262144
	Filter    string // a pcap filter expression, compiled by tcpdump -ddd
	Duration  time.Duration
	Packets   uint64 // stop after this many; 0 means no limit
}

// LiveSource reads packets from a network interface through an AF_PACKET
// socket (pure Go, no libpcap). Close it from another goroutine to stop:
// Next then returns io.EOF.
type LiveSource struct {
	h        *pcapgo.EthernetHandle
	opts     LiveOptions
	info     InputInfo
	index    uint64
	start    time.Time
	mu       sync.Mutex
	closed   bool
	deadline time.Time
	timer    *time.Timer
}

// OpenLive opens an interface for capture.
func OpenLive(opts LiveOptions) (*LiveSource, error) {
	if opts.Interface == "" {
		return nil, errors.New("capture: no interface given")
	}
	h, err := pcapgo.NewEthernetHandle(opts.Interface)
	if err != nil {
		if strings.Contains(err.Error(), "operation not permitted") || errors.Is(err, syscall.EPERM) {
			return nil, ErrPermission
		}
		return nil, fmt.Errorf("capture: %s: %w", opts.Interface, err)
	}
	if opts.Snaplen > 0 {
		if err := h.SetCaptureLength(opts.Snaplen); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture: snaplen: %w", err)
		}
	}
	if opts.Promisc {
		if err := h.SetPromiscuous(true); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture: %s: promiscuous mode: %w", opts.Interface, err)
		}
	}
	if opts.Filter != "" {
		prog, err := CompileFilter(opts.Filter)
		if err != nil {
			h.Close()
			return nil, err
		}
		if err := h.SetBPF(prog); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture: filter: %w", err)
		}
	}
	s := &LiveSource{h: h, opts: opts, start: time.Now()}
	s.info = InputInfo{Name: "interface " + opts.Interface, Format: "live", LinkTypes: []string{layers.LinkTypeEthernet.String()}}
	if opts.Duration > 0 {
		s.timer = time.AfterFunc(opts.Duration, func() { s.Close() })
	}
	return s, nil
}

// CompileFilter compiles a pcap filter expression for Ethernet with
// tcpdump (`tcpdump -ddd`), which every system with libpcap has; tattle
// itself stays free of cgo.
func CompileFilter(expr string) ([]bpf.RawInstruction, error) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		return nil, errors.New("capture: --filter needs tcpdump to compile the expression (apt-get install tcpdump)")
	}
	out, err := exec.Command(tcpdump, "-y", "EN10MB", "-ddd", expr).Output()
	if err != nil {
		msg := ""
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return nil, fmt.Errorf("capture: filter %q: %s", expr, msg)
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		return nil, fmt.Errorf("capture: filter %q compiled to nothing", expr)
	}
	n, err := strconv.Atoi(lines[0])
	if err != nil || len(lines) != 1+4*n {
		return nil, fmt.Errorf("capture: unexpected tcpdump -ddd output")
	}
	prog := make([]bpf.RawInstruction, n)
	for i := 0; i < n; i++ {
		var v [4]uint64
		for j := 0; j < 4; j++ {
			if v[j], err = strconv.ParseUint(lines[1+4*i+j], 10, 32); err != nil {
				return nil, fmt.Errorf("capture: unexpected tcpdump -ddd output: %w", err)
			}
		}
		prog[i] = bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}
	}
	return prog, nil
}

// Next returns the next captured packet; io.EOF once the capture was
// stopped (Close, duration or packet count).
func (s *LiveSource) Next() (RawPacket, error) {
	if s.opts.Packets > 0 && s.index >= s.opts.Packets {
		s.Close()
		return RawPacket{}, io.EOF
	}
	data, ci, err := s.h.ZeroCopyReadPacketData()
	if err != nil {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed || errors.Is(err, os.ErrClosed) {
			return RawPacket{}, io.EOF
		}
		return RawPacket{}, fmt.Errorf("capture: %s: %w", s.opts.Interface, err)
	}
	s.index++
	p := RawPacket{Data: data, Time: ci.Timestamp.UTC(), CaptureLn: ci.Length, LinkType: layers.LinkTypeEthernet,
		Source: s.info.Name, Index: s.index}
	s.mu.Lock() // Inputs reads info from other goroutines (the live table)
	s.info.stamp(&p)
	s.mu.Unlock()
	return p, nil
}

// Drops returns the packets the kernel received and dropped so far.
func (s *LiveSource) Drops() (received, dropped uint64) {
	st, err := s.h.Stats()
	if err != nil || st == nil {
		return 0, 0
	}
	return uint64(st.Packets), uint64(st.Drops)
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

// Close stops the capture. It is safe to call from any goroutine, more
// than once.
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
	// Read the drop counters before the socket goes away.
	if st, err := s.h.Stats(); err == nil && st != nil {
		s.info.Drops += uint64(st.Drops)
	}
	return s.h.Close()
}

// DropPrivileges gives up root after the packet socket is open when the
// process was started through sudo: the rest of the scan needs none.
func DropPrivileges() (bool, error) {
	if os.Geteuid() != 0 {
		return false, nil
	}
	uid, err1 := strconv.Atoi(os.Getenv("SUDO_UID"))
	gid, err2 := strconv.Atoi(os.Getenv("SUDO_GID"))
	if err1 != nil || err2 != nil || uid == 0 {
		return false, nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return false, fmt.Errorf("capture: dropping privileges: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return false, fmt.Errorf("capture: dropping privileges: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return false, fmt.Errorf("capture: dropping privileges: %w", err)
	}
	return true, nil
}
