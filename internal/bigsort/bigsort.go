// Package bigsort sorts slices of large elements (result devices,
// destinations, findings: hundreds of bytes each) in the order sort.Slice
// gives them, at less cost.
package bigsort

import "sort"

// Slice sorts s as sort.Slice(s, less) would, to the same order, equal
// elements included: it runs sort.Slice's algorithm, which is
// deterministic, on a slice of indices with the same comparisons, so it
// makes the same moves, of indices. The elements are then put in place,
// each moved once, instead of at every swap (sort.Slice swaps through
// reflection, with a write barrier per pointer moved; on big.pcap that
// was most of the sorting of a scan's result).
func Slice[T any](s []T, less func(a, b *T) bool) {
	if len(s) < 2 {
		return
	}
	idx := make([]int32, len(s))
	for i := range idx {
		idx[i] = int32(i)
	}
	sort.Slice(idx, func(i, j int) bool { return less(&s[idx[i]], &s[idx[j]]) })
	// s[i] is to be what s[idx[i]] is now: follow each cycle of the
	// permutation, marking each index placed as its own.
	for i := range idx {
		if int(idx[i]) == i {
			continue
		}
		tmp := s[i]
		j := i
		for {
			k := int(idx[j])
			idx[j] = int32(j)
			if k == i {
				s[j] = tmp
				break
			}
			s[j] = s[k]
			j = k
		}
	}
}
