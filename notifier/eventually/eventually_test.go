package eventually

import (
	"errors"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	t.Parallel()
	calls := 0
	if err := Wait(time.Second, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || calls != 3 {
		t.Errorf("Wait = %v after %d calls; want nil after 3", err, calls)
	}
	start := time.Now()
	err := Wait(30*time.Millisecond, func() error { return errors.New("never") })
	if err == nil || err.Error() != "never" || time.Since(start) < 30*time.Millisecond {
		t.Errorf("Wait on a condition that never holds = %v after %s; want its last error after the time", err, time.Since(start))
	}
}
