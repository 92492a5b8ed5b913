package bigsort

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

type elem struct {
	key  int
	id   int // tells elements of one key apart: their order is sort.Slice's
	name string
	pad  [8]*int
}

// TestSliceAsSortSlice checks that Slice gives sort.Slice's order, equal
// elements included, for lengths on both sides of sort.Slice's
// insertion-sort threshold and keys with many ties.
func TestSliceAsSortSlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 11, 12, 13, 50, 1000, 5000} {
		for _, keys := range []int{1, 3, 100, 1 << 30} {
			s := make([]elem, n)
			for i := range s {
				s[i] = elem{key: rng.IntN(keys), id: i, name: string(rune('a' + i%26))}
			}
			want := make([]elem, n)
			copy(want, s)
			sort.Slice(want, func(i, j int) bool { return want[i].key < want[j].key })
			Slice(s, func(a, b *elem) bool { return a.key < b.key })
			if !reflect.DeepEqual(s, want) {
				t.Fatalf("n=%d keys=%d: order differs from sort.Slice's", n, keys)
			}
		}
	}
}

func BenchmarkSlice(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]elem, 4096)
	for i := range src {
		src[i] = elem{key: rng.IntN(1 << 20), id: i}
	}
	s := make([]elem, len(src))
	b.Run("bigsort", func(b *testing.B) {
		for b.Loop() {
			copy(s, src)
			Slice(s, func(a, b *elem) bool { return a.key < b.key })
		}
	})
	b.Run("sort.Slice", func(b *testing.B) {
		for b.Loop() {
			copy(s, src)
			sort.Slice(s, func(i, j int) bool { return s[i].key < s[j].key })
		}
	})
}
