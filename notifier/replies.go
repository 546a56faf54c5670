package notifier

import (
	"context"
	"crypto/hmac"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// Replies and bounces come back to addresses at the inbound domain that say
// what they are about: the Reply-To of a case's mail names the case and the
// contact, the envelope sender (Return-Path) names the mail. Both carry a
// MAC, so neither can be guessed or edited to point elsewhere. They are
// lowercase, as some mail systems lowercase local parts, and under RFC
// 5321's 64 octets.

// macLen is how many bytes of the HMAC an address keeps: 120 bits.
const macLen = 15

var lowerB32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrNotContact is returned for a reply whose sender is not a contact of the
// case's organization: it answers nothing.
var ErrNotContact = errors.New("the sender is not a contact of the organization")

func (lk *Links) addressMAC(purpose, payload string) string {
	return lowerB32.EncodeToString(lk.mac(purpose, payload)[:macLen])
}

// replyLocal is the local part of the reply address of a case's mail to a contact.
func (lk *Links) replyLocal(caseID string, contactID int64) string {
	payload := caseID + "." + strconv.FormatInt(contactID, 10)
	return "r." + payload + "." + lk.addressMAC("reply", payload)
}

// bounceLocal is the local part of the envelope sender of one mail.
func (lk *Links) bounceLocal(mailID int64) string {
	payload := strconv.FormatInt(mailID, 10)
	return "b." + payload + "." + lk.addressMAC("bounce", payload)
}

// ReplyTarget verifies the local part of a reply address: the case and
// contact of the mail replied to, or ErrBadLink.
func (lk *Links) ReplyTarget(local string) (Link, error) {
	parts := strings.Split(strings.ToLower(local), ".")
	if len(parts) != 4 || parts[0] != "r" {
		return Link{}, ErrBadLink
	}
	payload := parts[1] + "." + parts[2]
	if !hmac.Equal([]byte(parts[3]), []byte(lk.addressMAC("reply", payload))) {
		return Link{}, ErrBadLink
	}
	contact, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return Link{}, ErrBadLink
	}
	return Link{CaseID: parts[1], ContactID: contact}, nil
}

// BounceTarget verifies the local part of an envelope sender: the mail it
// was, or ErrBadLink.
func (lk *Links) BounceTarget(local string) (int64, error) {
	parts := strings.Split(strings.ToLower(local), ".")
	if len(parts) != 3 || parts[0] != "b" {
		return 0, ErrBadLink
	}
	if !hmac.Equal([]byte(parts[2]), []byte(lk.addressMAC("bounce", parts[1]))) {
		return 0, ErrBadLink
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, ErrBadLink
	}
	return id, nil
}

// RecordReply records the answer a reply gave, if its sender is a contact of
// the case's organization (else ErrNotContact): as that contact, through
// the same code as the pages.
func (an *Answers) RecordReply(ctx context.Context, l Link, sender string, in AnswerInput) (CaseView, error) {
	err := an.db.View(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(l.CaseID)
		if err != nil {
			return err
		}
		org, err := tx.Org(c.OrgID)
		if err != nil {
			return err
		}
		for _, k := range org.Contacts {
			if strings.EqualFold(k.Email, sender) {
				l.ContactID = k.ID
				return nil
			}
		}
		return ErrNotContact
	})
	if err != nil {
		return CaseView{}, err
	}
	return an.record(ctx, l, in)
}

// KeepReply keeps a reply received at a case's reply address, whatever it
// meant, for the operator (GET /api/v1/replies).
func (an *Answers) KeepReply(ctx context.Context, r store.Reply) error {
	r.ReceivedAt = an.now()
	return an.db.Update(ctx, func(tx *store.Tx) error { return tx.AddReply(&r) })
}

// helpEvery is how often a contact may get the mail that explains the
// answer words, per case: one reply that is not understood gets one mail,
// and a loop with a responder Heed failed to recognize ends there.
const helpEvery = 24 * time.Hour

// ReplyHelp answers a reply that gave no answer word with one short mail to
// the contact the reply address names (never to the sender's own address):
// the words, and the contact's link. It reports false when a help mail
// went to that contact about that case within helpEvery.
func (an *Answers) ReplyHelp(ctx context.Context, l Link, inReplyTo string) (bool, error) {
	sent := false
	err := an.outbox.update(ctx, func(tx *writeTx) error {
		c, err := tx.Case(l.CaseID)
		if err != nil {
			return err
		}
		contact, err := linkContact(tx.Tx, l, c)
		if err != nil {
			return err
		}
		mails, err := tx.Mails(store.MailFilter{CaseID: c.ID, Limit: 1000})
		if err != nil {
			return err
		}
		seq := 0
		for _, m := range mails {
			if m.Kind == templates.KindReplyHelp && m.ContactID == contact.ID {
				seq++
				if an.now().Sub(m.CreatedAt) < helpEvery {
					return nil
				}
			}
		}
		org, err := tx.Org(c.OrgID)
		if err != nil {
			return err
		}
		sent = true
		return an.outbox.queueHelp(tx, &c, org, contact, seq+1, inReplyTo)
	})
	if err != nil {
		return false, fmt.Errorf("reply help: %w", err)
	}
	if sent {
		an.wake()
	}
	return sent, nil
}

// BounceReported marks the contact of a mail bounced, as a delivery status
// notification said its mailbox is gone, and tells the next contact exactly
// as for a 5xx at the relay.
func (cs *Cases) BounceReported(ctx context.Context, mailID int64, status string) error {
	err := cs.outbox.update(ctx, func(tx *writeTx) error {
		m, err := tx.Mail(mailID)
		if err != nil {
			return err
		}
		cs.log.Warn("a delivery status notification reports the address gone", "mail", m.ID, "to", m.Recipient, "status", status)
		return cs.addressRefused(tx, m, "delivery status notification: "+status)
	})
	if err != nil {
		return fmt.Errorf("record bounce report: %w", err)
	}
	cs.wake()
	return nil
}
