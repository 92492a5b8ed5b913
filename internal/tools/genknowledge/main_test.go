package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var root = filepath.Join("..", "..", "..")

// The committed file is what the generator makes from the shared lists.
func TestCommittedFileIsGenerated(t *testing.T) {
	lists := filepath.Join(root, "..", "shared", "lists")
	if _, err := os.Stat(filepath.Join(lists, "adguard-companiesdb", "dist", "trackers.json")); err != nil {
		t.Skipf("shared lists not found: %v", err)
	}
	in, err := ReadInputs(lists, filepath.Join(root, "fingerprints", "data", "domains.yaml"), filepath.Join(root, "fingerprints", "data", "oui.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	want, st, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(st)
	got, err := os.ReadFile(filepath.Join(root, "fingerprints", "data", "trackers.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("fingerprints/data/trackers.txt is stale: go run ./internal/tools/genknowledge")
	}
}

// Each rule of the package comment, on a small made-up input.
func TestRules(t *testing.T) {
	var oui bytes.Buffer
	zw := gzip.NewWriter(&oui)
	zw.Write([]byte("# header\n001122\tPhonemaker Mobile Telecommunications Corp.,Ltd\n"))
	zw.Close()
	in := Inputs{
		Trackers: []byte(`{"timeUpdated":"2026-07-20T11:02:11Z",
		  "categories":{"4":"advertising","8":"misc","6":"site_analytics","9":"cdn","10":"hosting","15":"telemetry","101":"mobile_analytics"},
		  "trackers":{
		    "adco":{"name":"AdCo","categoryId":4,"url":"https://adco.example/","companyId":"adco"},
		    "adco_cdn":{"name":"CDNCo","categoryId":9,"companyId":"cdnco"},
		    "cdnco_stats":{"name":"CDNCo Stats","categoryId":6,"companyId":"cdnco"},
		    "adco_sdk":{"name":"AdCo SDK","categoryId":8,"companyId":"adco"},
		    "search":{"name":"Search","categoryId":4,"companyId":"bigsearch"},
		    "meter":{"name":"Meter","categoryId":6,"companyId":"measurer"},
		    "phone":{"name":"Phone Analytics","categoryId":101,"companyId":"phonemaker"},
		    "host":{"name":"Cloud","categoryId":10,"companyId":"bigsearch"},
		    "loner":{"name":"loner.example","categoryId":15}},
		  "trackerDomains":{"adco.example":"adco","adco-serve.example":"adco","adcocdn.example":"adco_cdn","adcosdk.example":"adco_sdk","cdnco-stats.example":"cdnco_stats",
		    "bigsearch.example":"search","bigsearch.de":"search","metrics.example":"meter","measure.example":"meter",
		    "phonedl.example":"phone","loner.example":"loner","cloudhost.example":"host","mine.example":"meter",
		    "handwritten.example":"adco","example":"adco"}}`),
		Companies: []byte(`{"companies":{"adco":{"name":"AdCo Inc."},"bigsearch":{"name":"Big Search"},
		  "measurer":{"name":"Measurer","websiteUrl":"https://measure.example/"},"phonemaker":{"name":"Phonemaker"}}}`),
		Perflyst: map[string][]byte{
			"android-tracking.txt": []byte("# comment\nsdk.adcosdk.example\nsdk.adcocdn.example\nx.cloudhost.example\nnobody.example\n0.0.0.0 t.metrics.example\n"),
		},
		HandWritten: []byte(`version: 1
date: 2026-11-22
organizations:
  - id: bigsearch
    name: Big Search
    category: service
    domains: {bigsearch.com: service}
  - id: measurer
    name: Measurer
    category: analytics
    domains: {metrics.example: analytics}
  - id: other
    name: Other
    category: iot-cloud
    domains: {handwritten.example: iot-cloud, dev.mine.example: iot-cloud}
`),
		OUI: oui.Bytes(),
	}
	out, st, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(st)
	s := string(out)
	for _, want := range []string{
		"date 2026-07-20\n",
		// a tracker; its web site (it has other domains) kept as a service;
		// a Perflyst host under its non-tracker domain, as tracking
		"@adco advertising AdCo Inc.\nadco-serve.example\nadco.example service\nsdk.adcosdk.example tracking\n",
		"@loner tracking loner.example\nloner.example\n",          // no company: the tracker is the owner
		"@measurer analytics Measurer\nmeasure.example service\n", // a hand-written tracker business; its web site kept as a service
		"CC BY-SA 4.0",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, not := range []string{
		"bigsearch.example", "bigsearch.de", // a hand-written organisation that is not a tracker business
		"metrics.example",     // the hand-written file's own entry (and Perflyst's host under it)
		"handwritten.example", // ditto, whoever AdGuard says owns it
		"mine.example",        // above a hand-written entry
		"phonedl.example",     // mobile analytics of a hardware maker
		"cloudhost.example",   // hosting, and a Perflyst host rented on it
		"adcocdn.example",     // a CDN, and a Perflyst host rented on it
		"cdnco-stats.example", // analytics of a company that runs a CDN
		"nobody.example",      // Perflyst host nobody names the owner of
		"\nexample\n",         // a public suffix
	} {
		if strings.Contains(s, not) {
			t.Errorf("output has %q:\n%s", not, s)
		}
	}
}
