package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSpillSorter: records come back in byte order, duplicates and
// prefixes included, whether they stay in memory or go through many runs
// of the temp file.
func TestSpillSorter(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var recs []string
	for i := range 3000 {
		r := fmt.Sprintf("%x", rng.IntN(5000))
		if i%10 == 0 {
			r = r[:1] // a prefix of others
		}
		recs = append(recs, r, r+"\x00tail")
	}
	want := slices.Sorted(slices.Values(recs))
	for _, limit := range []int{1 << 30, 512} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			old := spillBytes
			spillBytes = limit
			defer func() { spillBytes = old }()
			var s spillSorter
			defer s.Close()
			for _, r := range recs {
				if err := s.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			if limit < 1<<20 && len(s.runs) < 10 {
				t.Fatalf("%d runs, want many", len(s.runs))
			}
			var got []string
			for r, err := range s.All() {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d records out of order or changed, want %d", len(got), len(want))
			}
		})
	}
}
