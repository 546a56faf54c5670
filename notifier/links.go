package notifier

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
)

// Links makes and verifies the signed links in mails.
type Links struct {
	*deps
	secret []byte
}

// ErrBadLink is returned for a link that is malformed, forged or expired.
var ErrBadLink = errors.New("this link is not valid or has expired")

// linkTTL is how long a link stays usable after the case's due date.
const linkTTL = 90 * day

// expiry is when the links of a case stop working.
func (lk *Links) expiry(c *store.Case) time.Time {
	base := c.DueAt
	if now := lk.now(); now.After(base) {
		base = now
	}
	return base.Add(linkTTL)
}

// ackToken returns the token of a link: the case, the recipient and the
// expiry, signed with HMAC-SHA256. It cannot be guessed, and changing the
// case or recipient in it breaks the signature.
func (lk *Links) ackToken(caseID string, contactID int64, expires time.Time) string {
	payload := caseID + "." + strconv.FormatInt(contactID, 10) + "." + strconv.FormatInt(expires.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + lk.Sign("ack", payload)
}

// Sign returns a MAC of value for purpose: the links in mails ("ack"), and
// values the web layer hands out and must recognize later (the operator's
// session cookie).
func (lk *Links) Sign(purpose, payload string) string {
	return base64.RawURLEncoding.EncodeToString(lk.mac(purpose, payload))
}

func (lk *Links) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, lk.secret)
	m.Write([]byte(purpose + "\x00" + payload))
	return m.Sum(nil)
}

// Link is a verified link: whose case it is, and for whom.
type Link struct {
	CaseID    string
	ContactID int64
	Expires   time.Time
}

// Verify checks a link's token, its signature and expiry: it answers whose
// case and recipient the link is for, or ErrBadLink. The outbox view uses it
// to tell the link Heed made from one planted in an advisory's text.
func (lk *Links) Verify(token string) (Link, error) {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return Link{}, ErrBadLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Link{}, ErrBadLink
	}
	payload := string(raw)
	if !hmac.Equal([]byte(sig), []byte(lk.Sign("ack", payload))) {
		return Link{}, ErrBadLink
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 {
		return Link{}, ErrBadLink
	}
	contact, err1 := strconv.ParseInt(parts[1], 10, 64)
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return Link{}, ErrBadLink
	}
	l := Link{CaseID: parts[0], ContactID: contact, Expires: time.Unix(exp, 0).UTC()}
	if lk.now().After(l.Expires) {
		return Link{}, fmt.Errorf("%w (expired %s)", ErrBadLink, l.Expires.Format("2006-01-02"))
	}
	return l, nil
}
