package gen

import (
	"fmt"
	"io"
	"net"
	"time"
)

// Floods are hostile captures for memory tests: many distinct devices or
// flows in little capture time, so that nothing expires while they come.
// They are written as they are made (nothing is held in memory), so a
// test streams them through an io.Pipe or a temporary file instead of
// committing them.

// floodStep is the capture time between two packets of a flood: a
// million packets last 10 s, well inside the flow idle timeout.
const floodStep = 10 * time.Microsecond

func newFlood(w io.Writer, seed int64) (*Gen, error) {
	g, err := New(w, seed, Router)
	if err != nil {
		return nil, err
	}
	g.step = floodStep
	return g, nil
}

// floodMAC is the i-th flood device's MAC: locally administered unicast.
func floodMAC(i int) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0xf1, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
}

// floodIP is the i-th address of 10.0.0.0/8 (from 10.0.1.0 on).
func floodIP(i int) net.IP {
	i += 256
	return net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).To4()
}

// DHCPFlood writes n DHCP clients, each with its own MAC and host name,
// going through DISCOVER/OFFER/REQUEST/ACK: 4n packets.
func DHCPFlood(w io.Writer, n int) error {
	g, err := newFlood(w, 14001)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		dev := Host{MAC: floodMAC(i), IP: floodIP(i)}
		g.DHCP(dev, Router, DHCPClient{Hostname: fmt.Sprintf("client-%d", i), VendorClass: "flood 1.0", Params: []byte{1, 3, 6, 15}})
	}
	return g.Close()
}

// MACFlood writes n devices, each with its own MAC and IP address,
// sending one UDP datagram to one server on the internet: n packets, n
// flows, n devices.
func MACFlood(w io.Writer, n int) error {
	g, err := newFlood(w, 14002)
	if err != nil {
		return err
	}
	srv := Host{IP: net.IPv4(203, 0, 113, 7).To4()}
	payload := []byte("flood")
	for i := 0; i < n; i++ {
		g.UDP(Host{MAC: floodMAC(i), IP: floodIP(i)}, srv, 40000, 9999, payload)
	}
	return g.Close()
}

// TupleFlood writes one device sending one UDP datagram to each of n
// distinct server addresses and ports: n packets, n flows, n distinct
// destinations of one device.
func TupleFlood(w io.Writer, n int) error {
	g, err := newFlood(w, 14003)
	if err != nil {
		return err
	}
	dev := Host{MAC: MustMAC("02:00:00:00:00:98"), IP: net.IPv4(192, 168, 1, 98).To4()}
	payload := []byte("flood")
	for i := 0; i < n; i++ {
		// 256 ports on each of n/256 addresses of 100.64.0.0/10's
		// neighbour 44.0.0.0/8 (public, not the CGNAT range).
		a := i >> 8
		srv := Host{IP: net.IPv4(44, byte(a>>16), byte(a>>8), byte(a)).To4()}
		g.UDP(dev, srv, 40000, uint16(1024+i&0xff), payload)
	}
	return g.Close()
}
