package main

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/tattle-audit/tattle/audit"
	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/zeek"
	"github.com/tattle-audit/tattle/result"
)

// isZeekInput reports whether every path is a Zeek log or a directory of
// them (by content; see zeek.Detect).
func isZeekInput(paths []string) bool {
	if len(paths) == 0 {
		return false
	}
	for _, p := range paths {
		if p == "-" || !zeek.Detect(p) {
			return false
		}
	}
	return true
}

// captureBeside names a capture file in one of the directories among
// paths, if there is one: Zeek logs and captures are two scans.
func captureBeside(paths []string) string {
	found := ""
	for _, p := range paths {
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || found != "" || !d.Type().IsRegular() || zeek.Detect(path) {
				return nil
			}
			src, err := capture.Open(path)
			if err != nil {
				return nil
			}
			_, err = src.Next()
			src.Close()
			if !errors.Is(err, capture.ErrFormat) {
				found = path
				return fs.SkipAll
			}
			return nil
		})
	}
	return found
}

// scanZeek builds the result from Zeek logs.
func scanZeek(opts *ScanOptions, cfg audit.Config) (*result.Result, error) {
	if c := captureBeside(opts.Paths); c != "" {
		return nil, usageErrorf("scan: %s is a capture among Zeek logs: scan the logs and the captures apart (and tattle merge the results)", c)
	}
	src, err := zeek.Open(opts.Paths...)
	if err != nil {
		return nil, noInputError(err)
	}
	defer src.Close()
	res, scanErr := audit.ScanZeek(src, cfg)
	if res == nil || (scanErr != nil && len(res.Devices) == 0) {
		return nil, noInputError(scanErr)
	}
	return res, scanErr
}
