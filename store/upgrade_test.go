package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// schema1 is the first schema as it was released (migration 1 of commit
// d964230), frozen: databases in the field were made by it, not by whatever
// migration 1 reads today.
const schema1 = "testdata/schema1.sql"

// TestUpgradeFromSchema1 writes a database with the frozen first schema and
// rows in every table a later migration changes, opens it, and checks that
// the data survived, that the new columns were filled, and that the result
// has the very schema of a new database. An edit of migration 1 (which an
// existing database never runs again) makes the two differ, and fails here.
func TestUpgradeFromSchema1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	frozen, err := os.ReadFile(schema1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 70000)
	for _, stmt := range []string{string(frozen), "PRAGMA user_version = 1",
		`INSERT INTO orgs (id, name, created_at) VALUES ('o1', 'Acme', 1)`,
		`INSERT INTO contacts (id, org_id, email, role) VALUES (1, 'o1', 'sec@acme.example', 'primary')`,
		`INSERT INTO items (id, org_id, vendor, product, version, asset) VALUES (4, 'o1', 'Fortinet', 'FortiOS', '7.0.1', 'fw')`,
		`INSERT INTO item_keys (key, item_id) VALUES ('name:fortinet/fortios', 4)`,
		`INSERT INTO advisories (id, revision, format, title, severity, doc, received_at, updated_at)
		 VALUES ('SA1', '3', 'heed', 'old', 'high', '{}', 1, 1)`,
		`INSERT INTO cases (id, advisory_id, org_id, state, opened_at, due_at, updated_at) VALUES ('c1', 'SA1', 'o1', 'open', 1, 2, 1)`,
		`INSERT INTO outbox (case_id, contact_id, kind, seq, recipient, subject, message_id, message, state, next_attempt_at, created_at)
		 VALUES ('c1', 1, 'notice', 0, 'sec@acme.example', 's', '<m1@heed>', 'raw', 'pending', 5, 1)`,
		`INSERT INTO rejected (subject, stream_seq, received_at, reason, payload) VALUES ('advisories.x', 7, 1, 'junk', '` + big + `')`,
	} {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	db.sql.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion() {
		t.Errorf("schema version after upgrade = %d, want %d", v, SchemaVersion())
	}
	err = db.View(ctx, func(tx *Tx) error {
		a, err := tx.Advisory("SA1")
		if err != nil {
			return err
		}
		if a.Revision != "3" || !a.Applied {
			t.Errorf("advisory after upgrade = %+v; want revision 3, applied", a)
		}
		due, err := tx.DueMails(time.UnixMilli(5), time.UnixMilli(0), 10, nil)
		if err != nil {
			return err
		}
		if len(due) != 1 || due[0].MessageID != "<m1@heed>" || due[0].State != MailPending {
			t.Errorf("pending mail after upgrade = %+v; want <m1@heed>, still due", due)
		}
		items, err := tx.ItemsByKeys([]string{"name:fortinet/fortios"}, false)
		if err != nil {
			return err
		}
		if len(items) != 1 || items[0].OrgID != "o1" || items[0].Version != "7.0.1" || items[0].Asset != "fw" {
			t.Errorf("candidates after upgrade = %+v; want the item FortiOS 7.0.1 of o1 copied into its key", items)
		}
		var size int
		var kept int
		if err := tx.tx.QueryRow(`SELECT payload_size, length(payload) FROM rejected WHERE stream_seq = 7`).Scan(&size, &kept); err != nil {
			return err
		}
		if size != len(big) || kept != 65536 {
			t.Errorf("rejected payload after upgrade: size %d, kept %d; want %d and 65536", size, kept, len(big))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	fresh, _ := openTestDB(t)
	if got, want := schemaOf(t, db.sql), schemaOf(t, fresh.sql); !slices.Equal(got, want) {
		t.Errorf("a database upgraded from the frozen schema 1 differs from a new one: was migration 1 edited?\nupgraded:\n%s\nnew:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// schemaOf lists every table, index and trigger with the SQL that made it.
func schemaOf(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
