package retention_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hatch-backup/hatch-backup/retention"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       retention.Policy
		wantErr error
		wantMsg string // substring of the error, naming the flag
	}{
		{"zero value", retention.Policy{}, retention.ErrNoCriterion, ""},
		{"protections only", retention.Policy{KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 6}, retention.ErrNoCriterion, ""},
		{"older-than-days 0", retention.Policy{OlderThanDays: ip(0)}, nil, ""},
		{"keep-count 0", retention.Policy{KeepCount: ip(0)}, nil, ""},
		{"both criteria", retention.Policy{OlderThanDays: ip(30), KeepCount: ip(5)}, nil, ""},
		{"everything", retention.Policy{OlderThanDays: ip(30), KeepCount: ip(5), KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 6}, nil, ""},
		{"negative older-than-days", retention.Policy{OlderThanDays: ip(-1)}, retention.ErrInvalid, "--older-than-days -1"},
		{"negative keep-count", retention.Policy{KeepCount: ip(-1)}, retention.ErrInvalid, "--keep-count -1"},
		{"negative keep-daily", retention.Policy{KeepCount: ip(1), KeepDaily: -2}, retention.ErrInvalid, "--keep-daily -2"},
		{"negative keep-weekly", retention.Policy{KeepCount: ip(1), KeepWeekly: -3}, retention.ErrInvalid, "--keep-weekly -3"},
		{"negative keep-monthly", retention.Policy{KeepCount: ip(1), KeepMonthly: -4}, retention.ErrInvalid, "--keep-monthly -4"},
		{"negative without criterion", retention.Policy{KeepDaily: -1}, retention.ErrInvalid, "--keep-daily -1"},
		{"first bad flag named", retention.Policy{OlderThanDays: ip(-5), KeepCount: ip(-6)}, retention.ErrInvalid, "--older-than-days -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Validate() = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not name %q", err, tt.wantMsg)
			}
			// Decide refuses the same policies and decides nothing.
			items := []retention.Item{it("a", now.Add(-day(100))), it("b", now.Add(-day(200)))}
			ds, derr := retention.Decide(items, tt.p, now, nil)
			if !errors.Is(derr, tt.wantErr) || (tt.wantErr == nil && derr != nil) {
				t.Fatalf("Decide() error = %v, want %v", derr, tt.wantErr)
			}
			if derr != nil && ds != nil {
				t.Errorf("Decide returned %d decisions with an error", len(ds))
			}
		})
	}
}
