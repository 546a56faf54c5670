package notifier

import (
	"testing"
	"time"
)

func TestPolicySchedule(t *testing.T) {
	t.Parallel()
	p := Policy{Reminders: []time.Duration{day, 3 * day}, Repeat: 3 * day, EscalateAfter: 2, Due: 14 * day}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for step, want := range []time.Duration{day, 3 * day, 6 * day, 9 * day, 12 * day} {
		got, ok := p.reminderAt(t0, step)
		if !ok || !got.Equal(t0.Add(want)) {
			t.Errorf("ReminderAt(step %d) = %v, %v; want %v", step, got, ok, t0.Add(want))
		}
	}
	once := Policy{Reminders: []time.Duration{day}, Due: day}
	if _, ok := once.reminderAt(t0, 1); ok {
		t.Error("a policy without repeat must plan nothing after its last offset")
	}
}

func TestPolicyNextStepCollapsesMissedReminders(t *testing.T) {
	t.Parallel()
	p := Policy{Reminders: []time.Duration{day, 3 * day}, Repeat: 3 * day, Due: 14 * day}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		step     int
		now      time.Duration
		wantStep int
		wantAt   time.Duration
	}{
		{"on time", 0, day, 1, 3 * day},
		{"a minute late", 1, 3*day + time.Minute, 2, 6 * day},
		{"down across two", 1, 6*day + time.Hour, 3, 9 * day},
		{"down for a month", 0, 31 * day, 11, 33 * day},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, at, ok := p.nextStep(t0, tt.step, t0.Add(tt.now))
			if !ok || step != tt.wantStep || !at.Equal(t0.Add(tt.wantAt)) {
				t.Errorf("NextStep = %d, %v, %v; want %d, %v", step, at.Sub(t0), ok, tt.wantStep, tt.wantAt)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"72h": 72 * time.Hour, "14d": 14 * day, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "0d": 0,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "14", "1w", "3 days", "-d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded; want an error", bad)
		}
	}
}
