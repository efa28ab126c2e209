package retention_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

// BenchmarkDecide100k: 100,000 backups of 10 hosts over about three years,
// shuffled, under a policy using every rule, with buckets in New York.
func BenchmarkDecide100k(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	items := make([]retention.Item, 100_000)
	for i := range items {
		items[i] = retention.Item{
			ID:         fmt.Sprintf("mcp.json.host%d.%06d", i%10, i),
			Host:       fmt.Sprintf("host%d", i%10),
			Created:    now.Add(-time.Duration(r.Int64N(int64(day(1100))))),
			Unparsable: i%17 == 0,
		}
	}
	p := retention.Policy{OlderThanDays: ip(30), KeepCount: ip(50), KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 12}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := retention.Decide(items, p, now, ny); err != nil {
			b.Fatal(err)
		}
	}
}
