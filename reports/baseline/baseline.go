// Package baseline compares two scans: what is new in the later one
// (devices, destinations, third parties, findings) and which scores
// dropped. CI uses it to fail only on what a firmware build changed.
package baseline

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/tattle-audit/tattle/result"
)

// Diff is what a new scan has that an old one had not.
type Diff struct {
	NewDevices      []string        `json:"new_devices,omitempty"`
	NewDeviceItems  []Item          `json:"new_device_names,omitempty"` // NewDevices with their names
	NewDestinations []Item          `json:"new_destinations,omitempty"`
	NewThirdParties []Item          `json:"new_third_parties,omitempty"`
	NewFindings     []Item          `json:"new_findings,omitempty"`
	ScoreDrops      []ScoreDrop     `json:"score_drops,omitempty"`
	Gone            int             `json:"resolved_findings"`
	findingIDs      map[string]bool // new finding IDs
	destKeys        map[string]bool
}

// Item names one new thing on one device: the device by ID and by the
// name reports give it, the thing by its value (a device ID, a
// destination, an organisation, a finding ID) and, for a finding, its
// title, severity and destination.
type Item struct {
	Device      string `json:"device"`
	DeviceName  string `json:"device_name,omitempty"`
	Value       string `json:"value"`
	Title       string `json:"title,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Destination string `json:"destination,omitempty"`
}

// ScoreDrop is a device whose score fell.
type ScoreDrop struct {
	Device     string `json:"device"`
	DeviceName string `json:"device_name,omitempty"`
	Old        int    `json:"old"`
	New        int    `json:"new"`
}

// Empty reports whether nothing is new.
func (d *Diff) Empty() bool {
	return len(d.NewDevices) == 0 && len(d.NewDestinations) == 0 && len(d.NewThirdParties) == 0 && len(d.NewFindings) == 0 && len(d.ScoreDrops) == 0
}

// Load reads a saved JSON result.
func Load(path string) (*result.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var r result.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("baseline: %s: %w", path, err)
	}
	if r.Schema != result.SchemaVersion {
		return nil, fmt.Errorf("baseline: %s: schema %q, want %q", path, r.Schema, result.SchemaVersion)
	}
	return &r, nil
}

func destKey(dev string, d *result.Destination) string {
	n := d.Name
	if n == "" {
		n = d.IP
	}
	return fmt.Sprintf("%s|%s|%d|%s", dev, n, d.Port, d.Transport)
}

// Compare lists what is new in next against prev. Devices are matched by
// ID (their MAC), so a baseline must come from the same devices.
func Compare(prev, next *result.Result) *Diff {
	d := &Diff{findingIDs: map[string]bool{}, destKeys: map[string]bool{}}
	oldDev := map[string]*result.Device{}
	oldDest, oldThird, oldFind := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range prev.Devices {
		dv := &prev.Devices[i]
		oldDev[dv.ID] = dv
		for j := range dv.Destinations {
			dst := &dv.Destinations[j]
			oldDest[destKey(dv.ID, dst)] = true
			if dst.Party == result.PartyThird {
				oldThird[dv.ID+"|"+dst.Organization] = true
			}
		}
		for _, f := range dv.Findings {
			oldFind[f.ID] = true
		}
	}
	newFind := map[string]bool{}
	for i := range next.Devices {
		dv := &next.Devices[i]
		od := oldDev[dv.ID]
		name := result.DeviceLabel(dv)
		if od == nil {
			d.NewDevices = append(d.NewDevices, dv.ID)
			d.NewDeviceItems = append(d.NewDeviceItems, Item{Device: dv.ID, DeviceName: name, Value: dv.ID})
		}
		seenThird := map[string]bool{}
		for j := range dv.Destinations {
			dst := &dv.Destinations[j]
			k := destKey(dv.ID, dst)
			if !oldDest[k] {
				d.destKeys[k] = true
				n := dst.Name
				if n == "" {
					n = dst.IP
				}
				d.NewDestinations = append(d.NewDestinations, Item{Device: dv.ID, DeviceName: name, Value: fmt.Sprintf("%s:%d/%s", n, dst.Port, dst.Transport)})
			}
			if dst.Party == result.PartyThird && !oldThird[dv.ID+"|"+dst.Organization] && !seenThird[dst.Organization] {
				seenThird[dst.Organization] = true
				d.NewThirdParties = append(d.NewThirdParties, Item{Device: dv.ID, DeviceName: name, Value: dst.Organization})
			}
		}
		for _, f := range dv.Findings {
			newFind[f.ID] = true
			if !oldFind[f.ID] {
				d.findingIDs[f.ID] = true
				d.NewFindings = append(d.NewFindings, Item{Device: dv.ID, DeviceName: name, Value: f.ID, Title: f.Title, Severity: f.Severity, Destination: f.Destination})
			}
		}
		if od != nil && od.Score != nil && dv.Score != nil && dv.Score.Value < od.Score.Value {
			d.ScoreDrops = append(d.ScoreDrops, ScoreDrop{Device: dv.ID, DeviceName: name, Old: od.Score.Value, New: dv.Score.Value})
		}
	}
	for id := range oldFind {
		if !newFind[id] {
			d.Gone++
		}
	}
	sort.Strings(d.NewDevices)
	return d
}

// Filter returns a copy of next that keeps only what d says is new:
// new findings, new destinations, and the devices that have either (or
// are new, or whose score dropped). Every report format renders it, and
// says (Result.Baseline) that it was compared with the baseline at path.
func Filter(next *result.Result, d *Diff, path string) *result.Result {
	out := *next
	out.Devices = nil
	out.Baseline = d.Summary(path)
	newDev := map[string]bool{}
	for _, id := range d.NewDevices {
		newDev[id] = true
	}
	drops := map[string]bool{}
	for _, s := range d.ScoreDrops {
		drops[s.Device] = true
	}
	for _, dv := range next.Devices {
		nd := dv
		nd.Findings, nd.Destinations = nil, nil
		for _, f := range dv.Findings {
			if d.findingIDs[f.ID] {
				nd.Findings = append(nd.Findings, f)
			}
		}
		for j := range dv.Destinations {
			if d.destKeys[destKey(dv.ID, &dv.Destinations[j])] {
				nd.Destinations = append(nd.Destinations, dv.Destinations[j])
			}
		}
		if len(nd.Findings) > 0 || len(nd.Destinations) > 0 || newDev[dv.ID] || drops[dv.ID] {
			out.Devices = append(out.Devices, nd)
		}
	}
	if out.Devices == nil {
		out.Devices = []result.Device{}
	}
	return &out
}

// Summary is what a report says of the comparison: the baseline and the
// counts of what is new.
func (d *Diff) Summary(path string) *result.BaselineSummary {
	return &result.BaselineSummary{File: path, NewDevices: len(d.NewDevices), NewDestinations: len(d.NewDestinations),
		NewThirdParties: len(d.NewThirdParties), NewFindings: len(d.NewFindings), ScoreDrops: len(d.ScoreDrops), Resolved: d.Gone}
}

// Lines lists every new thing, one line each, for a person: "+ new
// device", "+ third party", "+ finding", "+ destination", "- score".
// Values come from captures: the caller escapes them for its output.
func (d *Diff) Lines() []string {
	var out []string
	on := func(it Item) string {
		if it.DeviceName != "" {
			return it.DeviceName + " (" + it.Device + ")"
		}
		return it.Device
	}
	for _, x := range d.NewDeviceItems {
		out = append(out, "+ new device "+on(x))
	}
	for _, x := range d.NewThirdParties {
		out = append(out, "+ third party "+x.Value+" on "+on(x))
	}
	for _, x := range d.NewFindings {
		l := fmt.Sprintf("+ finding [%s] %s", x.Severity, x.Title)
		if x.Destination != "" {
			l += " → " + x.Destination
		}
		out = append(out, l+" on "+on(x))
	}
	for _, x := range d.NewDestinations {
		out = append(out, "+ destination "+x.Value+" on "+on(Item{Device: x.Device, DeviceName: x.DeviceName}))
	}
	for _, s := range d.ScoreDrops {
		out = append(out, fmt.Sprintf("- score of %s: %d -> %d", on(Item{Device: s.Device, DeviceName: s.DeviceName}), s.Old, s.New))
	}
	return out
}
