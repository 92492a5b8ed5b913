//go:build !linux && !libpcap

package capture

import (
	"errors"
	"time"

	"golang.org/x/net/bpf"
)

// ErrPermission means the process may not open a packet socket.
var ErrPermission = errors.New("capture: live capture needs CAP_NET_RAW")

// errNoLive is returned on systems without AF_PACKET.
var errNoLive = errors.New("capture: live capture is implemented for Linux (AF_PACKET) only; capture with tcpdump -w - and pipe into `tattle scan -`")

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string
	Promisc   bool
	Snaplen   int
	Filter    string
	Duration  time.Duration
	Packets   uint64
}

// LiveSource is not available on this system.
type LiveSource struct{}

// OpenLive reports that live capture is not available here.
func OpenLive(LiveOptions) (*LiveSource, error) { return nil, errNoLive }

// CompileFilter is not available here.
func CompileFilter(string) ([]bpf.RawInstruction, error) { return nil, errNoLive }

func (*LiveSource) Next() (RawPacket, error)          { return RawPacket{}, errNoLive }
func (*LiveSource) Close() error                      { return nil }
func (*LiveSource) Inputs() []InputInfo               { return nil }
func (*LiveSource) Drops() (received, dropped uint64) { return 0, 0 }

// DropPrivileges does nothing here.
func DropPrivileges() (bool, error) { return false, nil }
