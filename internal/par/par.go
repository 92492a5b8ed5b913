// Package par runs loops over indexed items on a bounded number of
// goroutines with results that do not depend on scheduling: each index
// is handled exactly once, by a worker that writes only that index's own
// slot, and Ordered hands the results on in input order. It imports
// nothing of tattle's, so any package (result included) may use it.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// MaxWorkers caps the default number of workers: the loops it serves
// (assembling, redacting and encoding devices) keep a buffer per worker
// and gain little past eight cores on the memory they walk.
const MaxWorkers = 8

// Workers is the default number of workers: GOMAXPROCS, at most MaxWorkers.
func Workers() int { return min(runtime.GOMAXPROCS(0), MaxWorkers) }

// ForEach calls f(w, i) once for every i in [0, n) on at most workers
// goroutines (workers < 1 means Workers()) and returns when all calls
// have returned. w, in [0, workers), names the goroutine making the
// call: no two calls with the same w run at once, so f may keep scratch
// state per worker in a slice indexed by w. Indexes are taken in
// increasing order, but calls overlap; f(w, i) must touch only what
// belongs to i (and to w). With one worker, or one item, f runs on the
// caller's goroutine in order. A panic in f is not recovered.
func ForEach(n, workers int, f func(w, i int)) {
	forRange(0, n, workers, f)
}

// Ordered calls work(w, i) for every i in [0, n) as ForEach does, window
// items at a time, and after each window emit(i) for its items in
// increasing order on the caller's goroutine: output in input order,
// memory that of one window. Within a window item i may use slot
// i%window of a slice of window results: no two items of a window share
// it, and emit(i) runs before any later item reuses it. The first error
// emit returns stops the loop (the rest of that window is not emitted,
// later windows are not worked) and is returned.
func Ordered(n, window, workers int, work func(w, i int), emit func(i int) error) error {
	if window < 1 {
		window = 1
	}
	for lo := 0; lo < n; lo += window {
		hi := min(lo+window, n)
		forRange(lo, hi, workers, work)
		for i := lo; i < hi; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// forRange calls f(w, i) for every i in [lo, hi).
func forRange(lo, hi, workers int, f func(w, i int)) {
	if workers < 1 {
		workers = Workers()
	}
	workers = min(workers, hi-lo)
	if workers <= 1 {
		for i := lo; i < hi; i++ {
			f(0, i)
		}
		return
	}
	var next atomic.Int64
	next.Store(int64(lo))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < hi; i = int(next.Add(1) - 1) {
				f(w, i)
			}
		}()
	}
	wg.Wait()
}
