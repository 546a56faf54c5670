package notifier

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// workError is a failure of Heed's own work on one thing (an advisory, a
// mail, a case's reminder): a panic, or a mail its templates cannot render.
// Unlike a failing store, trying again will not help, so that work is set
// aside and logged with what it came from, and the rest goes on.
type workError struct {
	what  string // the work and what it was for: "render notice mail of case c to x"
	err   error
	stack []byte // for a panic: where it happened
}

func (e *workError) Error() string { return e.what + ": " + e.err.Error() }
func (e *workError) Unwrap() error { return e.err }

// asWorkError reports whether err is, or wraps, a workError.
func asWorkError(err error) (*workError, bool) {
	var we *workError
	ok := errors.As(err, &we)
	return we, ok
}

// recovered runs fn; a panic in it becomes a workError naming what, with the
// stack, so that one poison document or mail cannot crash the service.
func recovered(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &workError{what: what, err: fmt.Errorf("panic: %v", r), stack: debug.Stack()}
		}
	}()
	return fn()
}

// logSetAside logs work that was set aside, with the stack of a panic.
func logSetAside(log *slog.Logger, msg string, err error, args ...any) {
	args = append(args, "err", err)
	if we, ok := asWorkError(err); ok && we.stack != nil {
		args = append(args, "stack", string(we.stack))
	}
	log.Error(msg, args...)
}
