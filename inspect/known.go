package inspect

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// knownTypes maps the keys of a --known-values file to data types.
var knownTypes = map[string]string{
	"serial_number": SerialNumber, "serial": SerialNumber,
	"email": EmailAddress, "email_address": EmailAddress,
	"account_name": AccountName, "username": AccountName,
	"name": PersonName, "person_name": PersonName,
	"ssid": RouterSSID, "wifi_ssid": RouterSSID,
	"wifi_password": WiFiPassword, "password": WiFiPassword,
	"router_mac": RouterMAC,
	"mac":        MACAddress,
	"phone":      PhoneNumber, "phone_number": PhoneNumber,
	"coordinates": Geolocation, "location": Geolocation,
	"device_id": DeviceID, "advertising_id": AdvertisingID, "imei": IMEI,
}

// LoadKnown reads a --known-values file: a YAML map from a data type key
// (serial_number, email, account_name, ssid, wifi_password, router_mac,
// mac, phone, coordinates, device_id, advertising_id, imei, person_name)
// to a list of values. It returns every form of every value.
func LoadKnown(path string) ([]Form, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	var m map[string][]string
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("inspect: %s: %w", path, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var forms []Form
	for _, k := range keys {
		dt, ok := knownTypes[strings.ToLower(k)]
		if !ok {
			return nil, fmt.Errorf("inspect: %s: unknown key %q (known: serial_number, email, account_name, ssid, wifi_password, router_mac, mac, phone, coordinates, device_id, advertising_id, imei, person_name)", path, k)
		}
		for _, v := range m[k] {
			switch dt {
			case MACAddress, RouterMAC:
				hw, err := net.ParseMAC(v)
				if err != nil || len(hw) != 6 {
					return nil, fmt.Errorf("inspect: %s: %s: %q is not a MAC address", path, k, v)
				}
				forms = append(forms, MACForms(dt, [6]byte(hw), "auditor")...)
			case Geolocation:
				forms = append(forms, ValueForms(dt, v, "auditor")...)
				if lat, lon, ok := strings.Cut(v, ","); ok {
					// Devices round coordinates: look for each at 3 decimals.
					for _, c := range []string{strings.TrimSpace(lat), strings.TrimSpace(lon)} {
						if i := strings.IndexByte(c, '.'); i > 0 && len(c) > i+4 {
							forms = append(forms, ValueForms(dt, c[:i+4], "auditor")...)
						}
					}
				}
			default:
				forms = append(forms, ValueForms(dt, v, "auditor")...)
			}
		}
	}
	return forms, nil
}
