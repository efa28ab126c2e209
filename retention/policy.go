package retention

import "fmt"

// Policy says which backups are removal candidates and which candidates are
// kept anyway. The zero value sets no criterion and is refused with
// ErrNoCriterion.
type Policy struct {
	// OlderThanDays, when not nil, makes a candidate of every backup created
	// more than *OlderThanDays × 24 h before now. 0 is meaningful: every
	// backup created before now.
	OlderThanDays *int
	// KeepCount, when not nil, makes a candidate of every backup that is not
	// among the *KeepCount newest of its host. 0 is meaningful: every backup.
	KeepCount *int
	// KeepDaily, KeepWeekly and KeepMonthly protect the newest backup of each
	// of the last N calendar days, ISO weeks and calendar months. 0 protects
	// nothing.
	KeepDaily   int
	KeepWeekly  int
	KeepMonthly int
}

// Validate returns ErrInvalid (wrapped, naming the flag) for a negative
// value and ErrNoCriterion when no removal criterion is set. Decide calls
// it; callers may call it earlier to fail before taking any lock.
func (p Policy) Validate() error {
	for _, f := range p.flags() {
		if f.set && f.n < 0 {
			return fmt.Errorf("%w: %s %d: must be 0 or more", ErrInvalid, f.name, f.n)
		}
	}
	if p.OlderThanDays == nil && p.KeepCount == nil {
		return ErrNoCriterion
	}
	return nil
}

type flag struct {
	name string
	n    int
	set  bool
}

// flags lists the policy's values in the CLI's flag order, so the error for
// several bad values is always about the same one.
func (p Policy) flags() []flag {
	return []flag{
		optFlag("--older-than-days", p.OlderThanDays),
		optFlag("--keep-count", p.KeepCount),
		{"--keep-daily", p.KeepDaily, true},
		{"--keep-weekly", p.KeepWeekly, true},
		{"--keep-monthly", p.KeepMonthly, true},
	}
}

func optFlag(name string, n *int) flag {
	if n == nil {
		return flag{name: name}
	}
	return flag{name, *n, true}
}
