package retention

import "errors"

// Sentinel errors. Both are returned before any decision is made: Decide
// then returns no decisions at all, so a caller cannot remove anything by
// mistake.
var (
	// ErrNoCriterion: the policy sets neither OlderThanDays nor KeepCount.
	// KeepDaily, KeepWeekly and KeepMonthly only protect; alone they would
	// remove nothing, and a "clean" that removes nothing is a usage error.
	ErrNoCriterion = errors.New("no removal criterion: give --older-than-days or --keep-count")
	// ErrInvalid: a policy value is negative. The wrapping error names the
	// flag and the value, e.g. "--keep-count -1".
	ErrInvalid = errors.New("invalid retention policy")
)
