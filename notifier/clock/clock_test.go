package clock

import (
	"testing"
	"time"
)

func TestFakeWakesWaitersItPasses(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(t0)
	soon, later := f.After(time.Minute), f.After(time.Hour)
	select {
	case <-f.After(0):
	default:
		t.Fatal("After(0) must fire at once")
	}
	f.Advance(2 * time.Minute)
	select {
	case at := <-soon:
		if !at.Equal(t0.Add(2 * time.Minute)) {
			t.Errorf("woken at %v", at)
		}
	default:
		t.Fatal("the one-minute waiter was not woken by a two-minute advance")
	}
	select {
	case <-later:
		t.Fatal("the one-hour waiter woke early")
	default:
	}
	f.Set(t0) // never backwards
	if !f.Now().Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("Set moved the clock back to %v", f.Now())
	}
	f.Set(t0.Add(time.Hour))
	select {
	case <-later:
	default:
		t.Fatal("the one-hour waiter was not woken")
	}
}
