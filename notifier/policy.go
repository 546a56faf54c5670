// Package notifier is Heed's engine: it takes advisories in from NATS, opens
// and updates cases, schedules reminders, renders mail into the outbox,
// delivers it, and records the answers given through the links.
package notifier

import (
	"fmt"
	"time"
)

// Policy says how hard Heed chases one severity.
type Policy struct {
	Severity string
	// Reminders are offsets from the first mail.
	Reminders []time.Duration
	// Repeat is the interval of reminders after the last offset.
	Repeat time.Duration
	// EscalateAfter: from the reminder after this many, escalation contacts are copied.
	EscalateAfter int
	// Due is the due date, from the first mail, when the advisory gives none.
	Due time.Duration
}

const day = 24 * time.Hour

// DefaultPolicies are the built-in policies, one per severity, and one
// (KnownExploited) for the cases whose flaw is known to be exploited.
func DefaultPolicies() map[string]Policy {
	return map[string]Policy{
		"critical": {Severity: "critical", Reminders: []time.Duration{day, 3 * day}, Repeat: 3 * day, EscalateAfter: 2, Due: 14 * day},
		"high":     {Severity: "high", Reminders: []time.Duration{3 * day, 7 * day}, Repeat: 7 * day, EscalateAfter: 2, Due: 30 * day},
		"medium":   {Severity: "medium", Reminders: []time.Duration{7 * day, 14 * day}, Repeat: 14 * day, EscalateAfter: 3, Due: 60 * day},
		"low":      {Severity: "low", Reminders: []time.Duration{14 * day, 30 * day}, Repeat: 30 * day, EscalateAfter: 3, Due: 90 * day},
		// A flaw known to be exploited is chased harder than any severity;
		// its due date counts from when Heed learnt it.
		KnownExploited: {Severity: KnownExploited, Reminders: []time.Duration{day, 2 * day}, Repeat: 2 * day, EscalateAfter: 1, Due: 7 * day},
	}
}

// Validate checks that the policy can produce a schedule.
func (p Policy) Validate() error {
	var last time.Duration
	for i, r := range p.Reminders {
		if r <= 0 || r <= last {
			return fmt.Errorf("reminders[%d] = %s: offsets must be positive and increasing", i, r)
		}
		last = r
	}
	if p.Repeat < 0 {
		return fmt.Errorf("repeat = %s: must not be negative", p.Repeat)
	}
	if p.EscalateAfter < 0 {
		return fmt.Errorf("escalate_after = %d: must not be negative", p.EscalateAfter)
	}
	if p.Due <= 0 {
		return fmt.Errorf("due = %s: must be positive", p.Due)
	}
	return nil
}

// reminderAt returns when reminder step (0 for the first reminder) is due for
// a case whose first mail went out at opened, or false if the policy plans no
// such reminder.
func (p Policy) reminderAt(opened time.Time, step int) (time.Time, bool) {
	if step < len(p.Reminders) {
		return opened.Add(p.Reminders[step]), true
	}
	if p.Repeat <= 0 {
		return time.Time{}, false
	}
	var last time.Duration
	if n := len(p.Reminders); n > 0 {
		last = p.Reminders[n-1]
	}
	extra := step - len(p.Reminders) + 1
	return opened.Add(last + time.Duration(extra)*p.Repeat), true
}

// nextStep returns the first step after step whose time is after now, so that
// reminders missed while Heed was down collapse into the one being sent.
func (p Policy) nextStep(opened time.Time, step int, now time.Time) (int, time.Time, bool) {
	for s := step + 1; ; s++ {
		at, ok := p.reminderAt(opened, s)
		if !ok {
			return s, time.Time{}, false
		}
		if at.After(now) {
			return s, at, true
		}
	}
}

// ParseDuration reads a Go duration, plus "d" for days ("14d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	for {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i >= len(rest) || rest[i] != 'd' {
			break
		}
		var n int
		fmt.Sscanf(rest[:i], "%d", &n)
		total += time.Duration(n) * day
		rest = rest[i+1:]
	}
	if rest == "" {
		if total == 0 && s != "0d" {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return total, nil
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use Go durations such as 36h, plus d for days", s)
	}
	return total + d, nil
}
