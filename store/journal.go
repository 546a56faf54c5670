package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Journal is delivery's own small SQLite file beside the database (the
// database's path with ".delivery" added): the claim of each mail before its
// SMTP exchange and the outcome right after it are committed there, under a
// write lock nobody else takes, so that a sender never waits for the
// database's writers (an advisory's apply holds that lock for most of a
// fan-out). Delivery folds the outcomes into the outbox in batches
// (Tx.FoldOutcome), then forgets them here. Only delivery writes it.
//
// The database records the journal's id (the setting delivery_journal)
// the first time one is made, so a journal that goes missing or is swapped
// for another database's is refused with an error, not silently replaced:
// it may hold outcomes the outbox does not have yet.
type Journal struct {
	path  string
	sql   *sql.DB
	stmts *stmtCache
}

// JournalTx is a write transaction of the journal.
type JournalTx struct{ tx Tx }

// Claim is one mail in the journal: claimed at ClaimedAt when its Attempts
// (before this one) were as read from the outbox, and its outcome, nil
// while the relay has it (or if Heed died during the exchange).
type Claim struct {
	MailID    int64
	ClaimedAt time.Time
	Attempts  int
	Outcome   *Outcome
}

// Outcome is what an SMTP exchange ended in, to be folded into the outbox.
type Outcome struct {
	State         string // MailSent, MailPending (retried at NextAttemptAt) or MailFailed
	NextAttemptAt time.Time
	Reply         string
	SentAt        time.Time
	// AddressRefused: the relay refused the recipient's address for good;
	// folding it tells the cases stage, in the same transaction.
	AddressRefused bool
}

// settingJournal is the setting that names the database's journal.
const settingJournal = "delivery_journal"

const journalSchema = `
CREATE TABLE IF NOT EXISTS journal_id (id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
	mail_id         INTEGER PRIMARY KEY,
	claimed_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL,
	state           TEXT,    -- the outcome; NULL while the relay has the mail
	next_attempt_at INTEGER,
	last_reply      TEXT,
	sent_at         INTEGER,
	address_refused INTEGER NOT NULL DEFAULT 0
);`

// JournalPath is where the journal of the database at dbPath is kept.
func JournalPath(dbPath string) string { return dbPath + ".delivery" }

// Journal opens the database's delivery journal, creating it the first
// time, once; later calls return the same. It refuses a journal that is
// missing although the database had one, that belongs to another
// database, or that is not a journal.
func (db *DB) Journal(ctx context.Context) (*Journal, error) {
	db.journalMu.Lock()
	defer db.journalMu.Unlock()
	if db.journal != nil {
		return db.journal, nil
	}
	j, err := db.openJournal(ctx)
	if err != nil {
		return nil, err
	}
	db.journal = j
	return j, nil
}

func (db *DB) openJournal(ctx context.Context) (*Journal, error) {
	path := JournalPath(db.path)
	var want string
	if err := db.View(ctx, func(tx *Tx) (err error) {
		want, err = tx.Setting(settingJournal)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}); err != nil {
		return nil, fmt.Errorf("open delivery journal: %w", err)
	}
	_, statErr := os.Stat(path)
	if errors.Is(statErr, os.ErrNotExist) && want != "" {
		return nil, fmt.Errorf("open delivery journal: %s is missing, but the database used one (id %s): it holds the outcomes of mails handed to the relay that the outbox may not have yet; put it back beside the database (copy the whole data directory). Only if it is lost for good, run \"heed delivery forget-journal\": the mails it alone recorded would be sent again",
			path, want)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// Made with the database's permissions (SQLite would make it
		// readable by all): it names the mails and the relay's replies.
		if err := createLike(path, db.path); err != nil {
			return nil, fmt.Errorf("open delivery journal: %w", err)
		}
	}
	pool, err := sql.Open("sqlite3", "file:"+path+"?"+writerPragmas().Encode())
	if err != nil {
		return nil, fmt.Errorf("open delivery journal %s: %w", path, err)
	}
	j := &Journal{path: path, sql: pool, stmts: newStmtCache(pool)}
	id, err := j.init(ctx)
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("open delivery journal %s (delivery's claims and outcomes, beside the database): %w", path, err)
	}
	switch {
	case want == "":
		if err := db.Update(ctx, func(tx *Tx) error { return tx.SetSetting(settingJournal, id) }); err != nil {
			j.Close()
			return nil, fmt.Errorf("open delivery journal: record its id: %w", err)
		}
	case want != id:
		j.Close()
		return nil, fmt.Errorf("open delivery journal: %s belongs to another database (its id %s, the database's journal is %s); put this database's journal beside it", path, id, want)
	}
	return j, nil
}

// ErrJournalPresent is ForgetLostJournal's refusal: the journal is there.
var ErrJournalPresent = errors.New("the delivery journal is there")

// ForgetLostJournal lets the database go on without a delivery journal it
// recorded and that is lost for good: the next use makes a new one. The
// mails only the lost journal recorded (claimed, or taken by the relay
// and not yet folded) still say pending or sending, and go out again. It
// refuses while the journal file is there.
func (db *DB) ForgetLostJournal(ctx context.Context) error {
	path := JournalPath(db.path)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("forget the delivery journal: %s: %w", path, ErrJournalPresent)
	}
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM settings WHERE key = ?`, settingJournal); err != nil {
			return fmt.Errorf("forget the delivery journal: %w", err)
		}
		return nil
	})
}

// createLike creates an empty file at path with the permissions of the
// file at like.
func createLike(path, like string) error {
	mode := os.FileMode(0o600)
	if info, err := os.Stat(like); err == nil {
		mode = info.Mode().Perm()
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	return f.Close()
}

// init creates the journal's tables if needed and returns its id, drawn
// the first time.
func (j *Journal) init(ctx context.Context) (string, error) {
	var id string
	err := j.Update(ctx, func(jtx *JournalTx) error {
		if _, err := jtx.tx.tx.ExecContext(ctx, journalSchema); err != nil {
			return err
		}
		err := jtx.tx.queryRow(`SELECT id FROM journal_id`).Scan(&id)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
		_, err = jtx.tx.exec(`INSERT INTO journal_id (id) VALUES (?)`, id)
		return err
	})
	return id, err
}

// Close closes the journal.
func (j *Journal) Close() error {
	j.stmts.close()
	return j.sql.Close()
}

// Update runs fn in a write transaction of the journal, committing if fn
// returns nil.
func (j *Journal) Update(ctx context.Context, fn func(jtx *JournalTx) error) error {
	sqlTx, err := j.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin delivery journal: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&JournalTx{tx: Tx{tx: sqlTx, ctx: ctx, cache: j.stmts}}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit delivery journal: %w", err)
	}
	return nil
}

// Claim records that a mail is being sent from claimedAt, unless the
// journal has it already, and reports whether it did.
func (jtx *JournalTx) Claim(mailID int64, claimedAt time.Time, attempts int) (bool, error) {
	res, err := jtx.tx.exec(`INSERT INTO claims (mail_id, claimed_at, attempts) VALUES (?, ?, ?)
		ON CONFLICT (mail_id) DO NOTHING`, mailID, ms(claimedAt), attempts)
	if err != nil {
		return false, fmt.Errorf("claim mail %d: %w", mailID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Record writes the outcome of a claim. A claim the journal no longer has
// (a process taking over turned it into the outbox's claim meanwhile) is
// written again with its outcome, to be folded like the others.
func (jtx *JournalTx) Record(c Claim) error {
	o := c.Outcome
	refused := 0
	if o.AddressRefused {
		refused = 1
	}
	_, err := jtx.tx.exec(`INSERT INTO claims (mail_id, claimed_at, attempts, state, next_attempt_at, last_reply, sent_at, address_refused)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (mail_id) DO UPDATE SET state = excluded.state, next_attempt_at = excluded.next_attempt_at,
			last_reply = excluded.last_reply, sent_at = excluded.sent_at, address_refused = excluded.address_refused
		WHERE claimed_at = excluded.claimed_at`,
		c.MailID, ms(c.ClaimedAt), c.Attempts, o.State, ms(o.NextAttemptAt), o.Reply, nullMS(o.SentAt), refused)
	if err != nil {
		return fmt.Errorf("record outcome of mail %d: %w", c.MailID, err)
	}
	return nil
}

// Claims lists every claim of the journal, with its outcome if it has
// one, in the order the mails were claimed.
func (j *Journal) Claims(ctx context.Context) ([]Claim, error) {
	// One statement reads one state of the file: no transaction, which
	// would take the journal's write lock (_txlock=immediate).
	rows, err := j.sql.QueryContext(ctx, `SELECT mail_id, claimed_at, attempts, state, coalesce(next_attempt_at, 0),
		coalesce(last_reply, ''), sent_at, address_refused FROM claims ORDER BY claimed_at, mail_id`)
	if err != nil {
		return nil, fmt.Errorf("read delivery journal %s: %w", j.path, err)
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		var c Claim
		var claimed, next int64
		var state sql.NullString
		var o Outcome
		var sent sql.NullInt64
		if err := rows.Scan(&c.MailID, &claimed, &c.Attempts, &state, &next, &o.Reply, &sent, &o.AddressRefused); err != nil {
			return nil, fmt.Errorf("read delivery journal %s: %w", j.path, err)
		}
		c.ClaimedAt = fromMS(claimed)
		if state.Valid {
			o.State, o.NextAttemptAt, o.SentAt = state.String, fromMS(next), fromNullMS(sent)
			c.Outcome = &o
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read delivery journal %s: %w", j.path, err)
	}
	return out, nil
}

// Forget removes claims the outbox has taken in (Tx.FoldOutcome,
// Tx.FoldInFlight), each only as it was claimed.
func (j *Journal) Forget(ctx context.Context, claims []Claim) error {
	return j.Update(ctx, func(jtx *JournalTx) error {
		for _, c := range claims {
			if _, err := jtx.tx.exec(`DELETE FROM claims WHERE mail_id = ? AND claimed_at = ?`, c.MailID, ms(c.ClaimedAt)); err != nil {
				return fmt.Errorf("forget claim of mail %d: %w", c.MailID, err)
			}
		}
		return nil
	})
}

// mailIDList is mail ids as one JSON array, read back with json_each (as
// idList, without encoding/json for the thousands a fan-out's journal holds).
func mailIDList(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
