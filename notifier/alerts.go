package notifier

import (
	"log/slog"
	"sync"
	"time"

	"github.com/heed-dev/heed/store"
)

// RelayAlert is what the operator is told while the relay refuses mail for a
// reason that is not the recipients' (relay access, policy, content): those
// mails wait and are retried, and nobody is marked bounced.
type RelayAlert struct {
	Since   time.Time // the first refusal since the relay last took a mail
	Last    time.Time // the latest refusal
	Reply   string    // the latest refusal, as the relay worded it
	Refused int       // refusals since Since
}

// relayAlert holds the current alert; it ends when the relay takes a mail.
type relayAlert struct {
	mu     sync.Mutex
	active bool
	RelayAlert
}

func (a *relayAlert) raise(at time.Time, reply string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.active {
		a.active, a.RelayAlert = true, RelayAlert{Since: at}
	}
	a.Last, a.Reply = at, reply
	a.Refused++
}

func (a *relayAlert) clear(log *slog.Logger, m store.Mail) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.active {
		log.Info("the relay takes mail again", "mail", m.ID, "refused_before", a.Refused, "since", a.Since)
		a.active = false
	}
}

// RelayAlert reports whether the relay is refusing mail for a reason that
// is not the recipients', and what it said.
func (dv *Delivery) RelayAlert() (RelayAlert, bool) {
	dv.alert.mu.Lock()
	defer dv.alert.mu.Unlock()
	return dv.alert.RelayAlert, dv.alert.active
}
