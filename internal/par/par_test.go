package par

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestForEach(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 64, 1000} {
		for _, workers := range []int{-1, 0, 1, 2, 3, 8, 100} {
			t.Run(fmt.Sprintf("n=%d/workers=%d", n, workers), func(t *testing.T) {
				limit := workers
				if limit < 1 {
					limit = Workers()
				}
				calls := make([]atomic.Int32, n)
				busy := make([]atomic.Bool, max(limit, 1))
				var bad atomic.Value
				ForEach(n, workers, func(w, i int) {
					if w < 0 || w >= limit {
						bad.Store(fmt.Sprintf("worker %d out of [0, %d)", w, limit))
						return
					}
					if !busy[w].CompareAndSwap(false, true) {
						bad.Store(fmt.Sprintf("worker %d ran two calls at once", w))
						return
					}
					calls[i].Add(1)
					runtime.Gosched() // let another worker overlap, if the pool is wrong
					busy[w].Store(false)
				})
				if msg := bad.Load(); msg != nil {
					t.Fatal(msg)
				}
				for i := range calls {
					if c := calls[i].Load(); c != 1 {
						t.Fatalf("item %d handled %d times, want once", i, c)
					}
				}
			})
		}
	}
}

// With one worker the loop is the plain loop: in order, on the caller's
// goroutine (what a caller asking for no concurrency relies on).
func TestForEachOneWorkerInOrder(t *testing.T) {
	var got []int
	ForEach(10, 1, func(w, i int) {
		if w != 0 {
			t.Errorf("worker %d, want 0", w)
		}
		got = append(got, i) // unsynchronised: -race fails if this ran elsewhere
	})
	for i, v := range got {
		if v != i {
			t.Fatalf("order %v, want 0..9", got)
		}
	}
	if len(got) != 10 {
		t.Fatalf("%d calls, want 10", len(got))
	}
}

func TestOrdered(t *testing.T) {
	for _, tc := range []struct{ n, window, workers int }{
		{0, 4, 4}, {1, 4, 4}, {5, 1, 3}, {10, 3, 2}, {64, 64, 8}, {100, 7, 0}, {33, 0, 2},
	} {
		t.Run(fmt.Sprintf("n=%d/window=%d/workers=%d", tc.n, tc.window, tc.workers), func(t *testing.T) {
			window := max(tc.window, 1)
			slots := make([]int, window)
			var inFlight, maxInFlight atomic.Int32
			var emitted []int
			err := Ordered(tc.n, tc.window, tc.workers, func(w, i int) {
				v := inFlight.Add(1)
				for m := maxInFlight.Load(); v > m && !maxInFlight.CompareAndSwap(m, v); m = maxInFlight.Load() {
				}
				slots[i%window] = i * i
			}, func(i int) error {
				inFlight.Add(-1)
				if got := slots[i%window]; got != i*i {
					return fmt.Errorf("slot of item %d holds %d, want %d", i, got, i*i)
				}
				emitted = append(emitted, i)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(emitted) != tc.n {
				t.Fatalf("%d emitted, want %d", len(emitted), tc.n)
			}
			for i, v := range emitted {
				if v != i {
					t.Fatalf("emitted out of order: %v", emitted)
				}
			}
			if m := maxInFlight.Load(); int(m) > window {
				t.Fatalf("%d items worked and not emitted at once, want at most the window %d", m, window)
			}
		})
	}
}

func TestOrderedStopsAtError(t *testing.T) {
	stop := errors.New("stop")
	var worked atomic.Int32
	var emitted []int
	err := Ordered(100, 10, 4, func(w, i int) { worked.Add(1) }, func(i int) error {
		if i == 13 {
			return stop
		}
		emitted = append(emitted, i)
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the emit error", err)
	}
	if len(emitted) != 13 {
		t.Fatalf("emitted %v, want 0..12", emitted)
	}
	if w := worked.Load(); w != 20 {
		t.Fatalf("%d items worked, want the two windows up to the error (20)", w)
	}
}

// The benchmark compares the pool with a plain loop on work the size of
// one device's redaction (a few hundred small string operations).
func BenchmarkForEach(b *testing.B) {
	items := make([][]byte, 4096)
	for i := range items {
		items[i] = make([]byte, 2048)
	}
	work := func(i int) {
		s := items[i]
		for j := range s {
			s[j] = s[j]*31 + byte(j)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range items {
				work(i)
			}
		}
	})
	b.Run("par", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ForEach(len(items), 0, func(_, i int) { work(i) })
		}
	})
	b.Run("ordered64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Ordered(len(items), 64, 0, func(_, i int) { work(i) }, func(int) error { return nil })
		}
	})
}
