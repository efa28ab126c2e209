package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

// BenchmarkCleanDryRun measures deciding from the index: list every record,
// judge, build the verdicts, for stores of growing size.
func BenchmarkCleanDryRun(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := filepath.Join(b.TempDir(), "backups")
			bs := make([]GenBackup, n)
			for i := range bs {
				bs[i] = GenBackup{Host: []string{"cursor", "vscode", "codex"}[i%3], Created: cleanNow.Add(-time.Duration(i) * time.Hour)}
			}
			if _, err := Populate(root, time.UTC, bs); err != nil {
				b.Fatal(err)
			}
			s, err := Open(context.Background(), Options{Root: root, UpgradingReader: true, Now: func() time.Time { return cleanNow }})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			o := CleanOptions{DryRun: true, Policy: retention.Policy{OlderThanDays: intp(30), KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 12}}
			for b.Loop() {
				if _, err := s.Clean(context.Background(), o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
