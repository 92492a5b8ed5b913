package audit

import (
	"errors"
	"sync"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// ScanEach scans each input of src on its own, jobs at a time, and
// merges the results in input order (see Merge): each file is one
// capture, whose flows and DNS answers are its own. The result is the
// same whatever jobs is; each job holds one file's state, and a finished
// result is merged (and let go) as soon as those before it are.
// Hooks are run only with one job (they are not safe for concurrent use).
func ScanEach(src *capture.FileSource, cfg Config, jobs int) (*result.Result, error) {
	parts := src.Split()
	if jobs < 1 {
		jobs = 1
	}
	if jobs > 1 {
		cfg.Hooks = nil
	}
	type done struct {
		res *result.Result
		err error
	}
	slots := make([]chan done, len(parts))
	for i := range slots {
		slots[i] = make(chan done, 1)
	}
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	go func() {
		for i, p := range parts {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				res, err := Scan(p, cfg)
				p.Close()
				slots[i] <- done{res, err}
			}()
		}
	}()
	m := NewMerger(cfg.Knowledge)
	var errs []error
	for i := range parts {
		d := <-slots[i]
		parts[i] = nil
		if d.err != nil {
			errs = append(errs, d.err)
		}
		if d.res == nil {
			continue
		}
		if err := m.Add(d.res); err != nil {
			errs = append(errs, err)
		}
	}
	wg.Wait()
	res := m.Result()
	if res.Devices == nil {
		res.Devices = []result.Device{}
	}
	return res, errors.Join(errs...)
}
