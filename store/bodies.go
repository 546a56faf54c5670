package store

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A mail's body is stored in mail_bodies whole, or, when the caller says
// which runs of it are found in a body shared by many mails
// (Mail.Shared, Mail.Splices), as its own bytes with those runs cut out,
// the shared body stored once in mail_shared, and a list of splices
// saying where the runs go back. Readers get the whole message either
// way: the outbox keeps the exact bytes that were sent.

// SharedBody is bytes that many mails' messages carry runs of: the lines
// that the mails of one advisory to many organizations have in common. It
// is stored once, however many mails use it.
type SharedBody struct {
	body []byte
	hash [sha256.Size]byte
}

// NewSharedBody returns the shared body of these bytes, which it keeps.
func NewSharedBody(body []byte) *SharedBody {
	return &SharedBody{body: body, hash: sha256.Sum256(body)}
}

// Size is the shared body's length.
func (s *SharedBody) Size() int { return len(s.body) }

// Splice says that a message's bytes [At, At+Len) are its shared body's
// [From, From+Len).
type Splice struct{ At, From, Len int }

// cutBody is a message as stored around its shared runs: its own bytes,
// and the splices that put the runs back (cutShared).
type cutBody struct{ own, splices []byte }

// CutShared works out how AddMail will store m's body around its shared
// runs, so that a caller can do it before its write transaction rather
// than while holding the write lock (a fan-out's batch cuts 500 bodies of
// about 11 KB). m's Message, Shared and Splices must not change after.
func (m *Mail) CutShared() error {
	if m.Shared == nil {
		return nil
	}
	own, splices, err := cutShared(m.Message, m.Shared, m.Splices)
	if err != nil {
		return err
	}
	m.cut = &cutBody{own: own, splices: splices}
	return nil
}

// addBody writes a mail's body: whole, or cut around its shared pieces.
func (tx *Tx) addBody(m *Mail) error {
	if m.Shared == nil {
		_, err := tx.exec(`INSERT INTO mail_bodies (mail_id, created_at, message) VALUES (?, ?, ?)`,
			m.ID, ms(m.CreatedAt), nonNilBytes(m.Message))
		return err
	}
	if m.cut == nil {
		if err := m.CutShared(); err != nil {
			return err
		}
	}
	own, splices := m.cut.own, m.cut.splices
	sharedID, err := tx.sharedID(m.Shared, m.CreatedAt)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO mail_bodies (mail_id, created_at, message, shared_id, splices) VALUES (?, ?, ?, ?, ?)`,
		m.ID, ms(m.CreatedAt), own, sharedID, splices)
	return err
}

// sharedID returns the row of a shared body, writing it the first time.
func (tx *Tx) sharedID(s *SharedBody, now time.Time) (int64, error) {
	if id, ok := tx.sharedIDs[s]; ok {
		return id, nil
	}
	var id int64
	err := tx.queryRow(`SELECT id FROM mail_shared WHERE hash = ?`, s.hash[:]).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		var res sql.Result
		if res, err = tx.exec(`INSERT INTO mail_shared (hash, created_at, body) VALUES (?, ?, ?)`,
			s.hash[:], ms(now), s.body); err == nil {
			id, err = res.LastInsertId()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("write shared body: %w", err)
	}
	if tx.sharedIDs == nil {
		tx.sharedIDs = map[*SharedBody]int64{}
	}
	tx.sharedIDs[s] = id
	return id, nil
}

// cutShared returns msg without the runs that splices name, and the
// splices that put them back: for each, where it goes in the rest, where
// it starts in the shared body and its length, as unsigned varints. It
// refuses a run that is not what the shared body holds, so what is stored
// always reads back as msg.
func cutShared(msg []byte, s *SharedBody, splices []Splice) (own, enc []byte, err error) {
	// Sized for what is left of msg: most of a fan-out's mail is runs.
	n := len(msg)
	for _, sp := range splices {
		n -= sp.Len
	}
	own = make([]byte, 0, min(max(n, 0), len(msg)))
	enc = make([]byte, 0, 8*len(splices)) // three varints a splice, mostly of a byte or two
	prev := 0
	for _, sp := range splices {
		if sp.At < prev || sp.Len < 0 || sp.At+sp.Len > len(msg) || sp.From < 0 || sp.From+sp.Len > len(s.body) ||
			!bytes.Equal(msg[sp.At:sp.At+sp.Len], s.body[sp.From:sp.From+sp.Len]) {
			return nil, nil, fmt.Errorf("cut shared runs: the %d bytes at %d are not the shared body's at %d", sp.Len, sp.At, sp.From)
		}
		own = append(own, msg[prev:sp.At]...)
		enc = binary.AppendUvarint(enc, uint64(len(own)))
		enc = binary.AppendUvarint(enc, uint64(sp.From))
		enc = binary.AppendUvarint(enc, uint64(sp.Len))
		prev = sp.At + sp.Len
	}
	return append(own, msg[prev:]...), enc, nil
}

// splice puts the runs of a shared body back into the rest of a message.
func splice(own, shared, enc []byte) ([]byte, error) {
	var runs []Splice // At: where in own
	size, prev := len(own), 0
	for len(enc) > 0 {
		var v [3]uint64 // where in own, where in shared, how long
		for i := range v {
			n, k := binary.Uvarint(enc)
			if k <= 0 {
				return nil, errors.New("splices unreadable")
			}
			v[i], enc = n, enc[k:]
		}
		at, from, n := v[0], v[1], v[2]
		if at < uint64(prev) || at > uint64(len(own)) || from > uint64(len(shared)) || n > uint64(len(shared))-from {
			return nil, errors.New("splices do not fit the body")
		}
		runs = append(runs, Splice{At: int(at), From: int(from), Len: int(n)})
		size += int(n)
		prev = int(at)
	}
	out := make([]byte, 0, size)
	prev = 0
	for _, r := range runs {
		out = append(out, own[prev:r.At]...)
		out = append(out, shared[r.From:r.From+r.Len]...)
		prev = r.At
	}
	return append(out, own[prev:]...), nil
}

// storedBody is a body as read, before its shared pieces are put back.
type storedBody struct {
	sharedID sql.NullInt64
	splices  []byte
}

// wholeMessage puts back the shared pieces of a body read with
// mailBodyColumns into m.Message.
func (tx *Tx) wholeMessage(m *Mail, b storedBody) error {
	if !b.sharedID.Valid {
		return nil
	}
	shared, err := tx.sharedBody(b.sharedID.Int64)
	if err != nil {
		return fmt.Errorf("read mail %d: %w", m.ID, err)
	}
	if m.Message, err = splice(m.Message, shared, b.splices); err != nil {
		return fmt.Errorf("read mail %d: %w", m.ID, err)
	}
	return nil
}

// sharedBody reads a shared body, kept in memory after the first read:
// every mail of a fan-out that delivery reads carries the same few.
func (tx *Tx) sharedBody(id int64) ([]byte, error) {
	if b, ok := tx.bodies.get(id); ok {
		return b, nil
	}
	var b []byte
	if err := tx.queryRow(`SELECT body FROM mail_shared WHERE id = ?`, id).Scan(&b); err != nil {
		return nil, fmt.Errorf("read shared body %d: %w", id, err)
	}
	tx.bodies.put(id, b)
	return b, nil
}

// maxCachedBodies bounds the bytes of shared bodies kept in memory: one
// for each batch of an advisory's mails, some tens of kilobytes each.
const maxCachedBodies = 8 << 20

// bodyCache keeps shared bodies by id. A row never changes and its id is
// never reused, so a kept body is never stale.
type bodyCache struct {
	mu     sync.Mutex
	bodies map[int64][]byte
	size   int // bytes kept
}

func (c *bodyCache) get(id int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.bodies[id]
	return b, ok
}

func (c *bodyCache) put(id int64, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bodies == nil {
		c.bodies = map[int64][]byte{}
	}
	for k, old := range c.bodies { // in the map's order, which is random
		if c.size+len(b) <= maxCachedBodies {
			break
		}
		delete(c.bodies, k)
		c.size -= len(old)
	}
	if _, ok := c.bodies[id]; !ok && len(b) <= maxCachedBodies {
		c.bodies[id] = b
		c.size += len(b)
	}
}

// pruneShared removes the shared bodies that no body uses any more.
func (tx *Tx) pruneShared() error {
	if _, err := tx.exec(`DELETE FROM mail_shared WHERE NOT EXISTS
		(SELECT 1 FROM mail_bodies WHERE shared_id = mail_shared.id)`); err != nil {
		return fmt.Errorf("prune shared bodies: %w", err)
	}
	return nil
}
