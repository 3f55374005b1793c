package vecfit

import (
	"runtime"
	"sync"
)

// workerCount returns the number of goroutines for units pieces of work
// of total size work: at most max (GOMAXPROCS when max ≤ 0), and one for
// small inputs.
func workerCount(max, units, work int) int {
	if work < 1<<18 {
		return 1
	}
	if max <= 0 {
		// GOMAXPROCS takes a lock, which took about 1% of the time of
		// a search of 2000 points in a CPU profile.
		max = runtime.GOMAXPROCS(0)
	}
	return min(max, units)
}

// parallel calls fn(u, scratch) for every unit u in [0, units) on up to
// workers goroutines. Each goroutine passes its own scratch value to fn.
// Units are handed out in increasing order, which segmentFold relies on.
func parallel[S any](workers, units int, fn func(u int, scratch *S)) {
	if workers <= 1 {
		var scratch S
		for u := range units {
			fn(u, &scratch)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
	)
	for range workers {
		wg.Go(func() {
			var scratch S
			for {
				mu.Lock()
				u := next
				next++
				mu.Unlock()
				if u >= units {
					return
				}
				fn(u, &scratch)
			}
		})
	}
	wg.Wait()
}
