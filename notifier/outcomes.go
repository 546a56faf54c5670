package notifier

import (
	"math/rand/v2"
	"time"

	"github.com/heed-dev/heed/store"
)

// record writes the outcome of one attempt and names it: sent, retry,
// refused (the relay's refusal: retried) or failed. An address refused for
// good is reported to the cases stage; a refusal by the relay alerts the
// operator and bounces nobody.
func (dv *Delivery) record(tx *writeTx, d delivery) (string, error) {
	now := dv.now()
	m := d.mail
	attempts := m.Attempts + 1
	if d.err == nil {
		dv.alert.clear(dv.log, m)
		_, err := tx.MarkMail(m.ID, m.ClaimedAt, store.MailSent, attempts, now, d.reply, now)
		return "sent", err
	}
	reply := d.err.Error()
	se, _ := asSendError(d.err)
	if _, poison := asWorkError(d.err); poison {
		// Heed itself failed on this mail: trying it again would fail the
		// same way, so it is set aside where the operator sees it.
		logSetAside(dv.log, "delivery: mail set aside", d.err, "mail", m.ID, "to", m.Recipient, "case", m.CaseID)
		_, err := tx.MarkMail(m.ID, m.ClaimedAt, store.MailFailed, attempts, now, reply, time.Time{})
		return "failed", err
	}
	switch {
	case se != nil && se.MailboxFault():
		dv.log.Warn("relay refused address permanently", "mail", m.ID, "to", m.Recipient, "case", m.CaseID, "err", d.err)
		if _, err := tx.MarkMail(m.ID, m.ClaimedAt, store.MailFailed, attempts, now, reply, time.Time{}); err != nil {
			return "", err
		}
		return "failed", dv.refusals.addressRefused(tx, m, reply)
	case se != nil && se.RelayRefusal():
		// The relay's or Heed's problem, never the recipient's: the mail
		// waits for the operator, however long that takes.
		dv.alert.raise(now, reply)
		dv.metrics.refusals.Inc()
		dv.log.Error("the relay refuses mail for a reason that is not the recipient's; nobody is marked bounced, the mail is retried: check the relay and the [smtp] settings",
			"mail", m.ID, "to", m.Recipient, "case", m.CaseID, "attempt", attempts, "err", d.err)
		_, err := tx.MarkMail(m.ID, m.ClaimedAt, store.MailPending, attempts, now.Add(backoff(attempts)), reply, time.Time{})
		return "refused", err
	case now.Sub(m.CreatedAt) > giveUpAfter:
		dv.log.Error("giving up on mail after retries", "mail", m.ID, "to", m.Recipient, "case", m.CaseID, "attempts", attempts, "err", d.err)
		_, err := tx.MarkMail(m.ID, m.ClaimedAt, store.MailFailed, attempts, now, reply, time.Time{})
		return "failed", err
	}
	dv.log.Warn("delivery failed; will retry", "mail", m.ID, "to", m.Recipient, "attempt", attempts, "err", d.err)
	_, err := tx.MarkMail(m.ID, m.ClaimedAt, store.MailPending, attempts, now.Add(backoff(attempts)), reply, time.Time{})
	return "retry", err
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
