package audit

import (
	"fmt"
	"strconv"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/result"
)

// maxLocal bounds the distinct local-protocol statements kept per device.
const maxLocal = 64

// deviceInfo records what a device said about itself in a vendor's local
// protocol (identity evidence) and the personal data the statement
// carried: the coordinates and the name its owner gave it, sent to any
// host on the network that asks.
func (b *Builder) deviceInfo(e *capture.DeviceInfoEvent) *device {
	d := b.senderDevice(&e.Meta)
	b.key = joinKey(b.key[:0], 0, e.Protocol, e.Model, e.Type, e.ProductKey, e.Version, strconv.FormatBool(e.Encrypted), strconv.FormatBool(e.Request))
	if o, ok := getKey(&d.local, b.key); ok {
		o.Count++
	} else {
		d.local.add(string(b.key), &result.LocalObs{Protocol: e.Protocol, Model: e.Model, Type: e.Type, ProductKey: e.ProductKey, Version: e.Version,
			Protection: e.Protection, Encrypted: e.Encrypted, Query: e.Request, Count: 1, File: e.File, Packet: e.Packet})
	}
	if e.Request {
		// An app asking (get_sysinfo): it says what the asker runs, not
		// what it is.
		return d
	}
	label := fmt.Sprintf("%s, %s", localProtocolName(e.Protocol), e.Protection)
	pd := func(dataType, value string) {
		b.personalData(&inspect.PersonalDataEvent{Meta: e.Meta, Protocol: e.Protocol, DataType: dataType, Label: label, Value: value,
			Owner: d.key.String(), Excerpt: value, Packets: []uint64{e.Packet}, FromClient: true})
	}
	if e.HasLocation {
		pd("geolocation", fmt.Sprintf("%.4f,%.4f", e.Latitude, e.Longitude))
	}
	if e.Alias != "" {
		pd("device name", e.Alias)
	}
	return d
}

func localProtocolName(p string) string {
	switch p {
	case "kasa":
		return "TP-Link Kasa get_sysinfo reply"
	case "tuya":
		return "Tuya LAN discovery"
	}
	return p
}
