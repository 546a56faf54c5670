package notifier

import (
	"math/rand/v2"
	"time"

	"github.com/heed-dev/heed/store"
)

// outcome is what one attempt ended in, to be committed in the delivery
// journal, and its name: sent, retry, refused (the relay's refusal:
// retried) or failed. An address refused for good is marked so, for the
// fold to report it to the cases stage; a refusal by the relay alerts the
// operator and bounces nobody.
func (dv *Delivery) outcome(d delivery) (store.Outcome, string) {
	now := dv.now()
	m := d.mail
	attempts := m.Attempts + 1
	if d.err == nil {
		dv.alert.clear(dv.log, m)
		return store.Outcome{State: store.MailSent, NextAttemptAt: now, Reply: d.reply, SentAt: now}, "sent"
	}
	reply := d.err.Error()
	failed := store.Outcome{State: store.MailFailed, NextAttemptAt: now, Reply: reply}
	se, _ := asSendError(d.err)
	if _, poison := asWorkError(d.err); poison {
		// Heed itself failed on this mail: trying it again would fail the
		// same way, so it is set aside where the operator sees it.
		logSetAside(dv.log, "delivery: mail set aside", d.err, "mail", m.ID, "to", m.Recipient, "case", m.CaseID)
		return failed, "failed"
	}
	retry := store.Outcome{State: store.MailPending, NextAttemptAt: now.Add(backoff(attempts)), Reply: reply}
	switch {
	case se != nil && se.MailboxFault():
		dv.log.Warn("relay refused address permanently", "mail", m.ID, "to", m.Recipient, "case", m.CaseID, "err", d.err)
		failed.AddressRefused = true
		return failed, "failed"
	case se != nil && se.RelayRefusal():
		// The relay's or Heed's problem, never the recipient's: the mail
		// waits for the operator, however long that takes.
		dv.alert.raise(now, reply)
		dv.metrics.refusals.Inc()
		dv.log.Error("the relay refuses mail for a reason that is not the recipient's; nobody is marked bounced, the mail is retried: check the relay and the [smtp] settings",
			"mail", m.ID, "to", m.Recipient, "case", m.CaseID, "attempt", attempts, "err", d.err)
		return retry, "refused"
	case now.Sub(m.CreatedAt) > giveUpAfter:
		dv.log.Error("giving up on mail after retries", "mail", m.ID, "to", m.Recipient, "case", m.CaseID, "attempts", attempts, "err", d.err)
		return failed, "failed"
	}
	dv.log.Warn("delivery failed; will retry", "mail", m.ID, "to", m.Recipient, "attempt", attempts, "err", d.err)
	return retry, "retry"
}

// backoff is the wait before attempt n+1: doubling from 30s, capped, with
// jitter so that a relay coming back is not hit by every message at once.
func backoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts-1, 10)
	if d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}
