package fingerprints

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
)

// ParseLabel reads one user label, "MAC=vendor/type/model": any of the
// three may be empty ("aa:bb:cc:dd:ee:ff=//iKettle 2.0"), the model may
// itself hold slashes, and the type must be one of DeviceTypes. source
// says where it was given, for the evidence ("--label", "labels.txt:3").
func ParseLabel(s, source string) ([6]byte, Label, error) {
	var mac [6]byte
	m, rest, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return mac, Label{}, fmt.Errorf("fingerprints: label %q: want MAC=vendor/type/model", s)
	}
	hw, err := net.ParseMAC(strings.TrimSpace(m))
	if err != nil || len(hw) != 6 {
		return mac, Label{}, fmt.Errorf("fingerprints: label %q: %q is not a MAC address", s, m)
	}
	copy(mac[:], hw)
	parts := strings.SplitN(rest, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	l := Label{Vendor: strings.TrimSpace(parts[0]), Type: strings.TrimSpace(parts[1]), Model: strings.TrimSpace(parts[2]), Source: source}
	if l.Type != "" && !validType(l.Type) {
		return mac, Label{}, fmt.Errorf("fingerprints: label %q: unknown type %q (one of %s)", s, l.Type, strings.Join(DeviceTypes, ", "))
	}
	if l.Vendor == "" && l.Type == "" && l.Model == "" {
		return mac, Label{}, fmt.Errorf("fingerprints: label %q says nothing", s)
	}
	return mac, l, nil
}

// LoadLabels reads a labels file: one MAC=vendor/type/model a line;
// blank lines and lines starting with # are skipped. A MAC labelled twice
// is an error naming both lines.
func LoadLabels(r io.Reader, name string, into map[[6]byte]Label) error {
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, n)
		mac, l, err := ParseLabel(line, where)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if old, dup := into[mac]; dup {
			return fmt.Errorf("fingerprints: %s: %s already labelled at %s", where, net.HardwareAddr(mac[:]), old.Source)
		}
		into[mac] = l
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("fingerprints: %s: %w", name, err)
	}
	return nil
}
