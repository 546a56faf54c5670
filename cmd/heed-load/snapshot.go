package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// An onboarded snapshot is a run's folder as it stood right after the
// onboarding (Heed stopped, so its database is checkpointed and its NATS
// store closed): onboarding 100,000 organizations takes minutes, copying
// their database seconds. Each run works on a copy, so every run starts
// from the same state: no earlier run's advisories, cases or mails.

// snapshotManifest names what a snapshot holds; a run reuses it only for
// the same organizations and items.
const snapshotManifest = "heed-load-onboarded.json"

type manifest struct {
	Orgs        int       `json:"orgs"`
	ItemsPerOrg int       `json:"items_per_org"`
	Made        time.Time `json:"made"`
}

// snapshotFiles are the parts of a run's folder a snapshot keeps: the
// database (its write-ahead log, should one be left), delivery's journal
// beside it (a database that had one refuses to start without it) and the
// embedded NATS server's store. Not the configuration (each start writes
// its own), the binary or the lock file.
var snapshotFiles = []string{"heed.db", "heed.db-wal", "heed.db.delivery", "heed.db.delivery-wal", "nats"}

// startOnboarded runs heed serve (with the extra arguments profile) on
// the run's organizations: on a copy of the -onboarded snapshot when there
// is one, or else onboarded now. Heed is restarted after an onboarding for
// a profile of what follows and to save a snapshot.
func startOnboarded(ctx context.Context, o options, bin, dir, relay string, profile []string, ob *onboarding, progress io.Writer) (*heedServer, error) {
	if o.onboarded != "" {
		start := time.Now()
		reused, err := restoreOnboarded(o.onboarded, dir, o.orgs, o.itemsPerOrg)
		if err != nil {
			return nil, err
		}
		if reused {
			*ob = onboarding{Orgs: o.orgs, Items: o.orgs * o.itemsPerOrg, Reused: o.onboarded, CopyTook: time.Since(start)}
			fmt.Fprintf(progress, "heed-load: copied the onboarded database from %s in %.1f s\n", o.onboarded, ob.CopyTook.Seconds())
			h, err := startHeed(ctx, bin, dir, relay, o.conns, profile...)
			if err == nil {
				fmt.Fprintf(progress, "heed-load: heed serve is running (pid %d, %s)\n", h.cmd.Process.Pid, h.base)
			}
			return h, err
		}
	}
	h, err := startHeed(ctx, bin, dir, relay, o.conns)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "heed-load: heed serve is running (pid %d, %s); creating %d organizations\n", h.cmd.Process.Pid, h.base, o.orgs)
	if _, *ob, err = onboard(ctx, h, o.orgs, o.itemsPerOrg, o.importBatch, o.onboardConns, progress); err != nil {
		h.stop()
		return nil, fmt.Errorf("%w\nheed's output, last lines:\n%s", err, h.log.tail(4096))
	}
	if o.onboarded == "" && len(profile) == 0 {
		return h, nil
	}
	h.stop()
	if o.onboarded != "" {
		if err := saveOnboarded(dir, o.onboarded, o.orgs, o.itemsPerOrg); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "heed-load: saved the onboarded database to %s (-onboarded %s reuses it)\n", o.onboarded, o.onboarded)
	}
	if h, err = startHeed(ctx, bin, dir, relay, o.conns, profile...); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "heed-load: heed restarted %s(pid %d)\n", strings.Join(append(profile, ""), " "), h.cmd.Process.Pid)
	return h, nil
}

// restoreOnboarded copies the snapshot in from into the run's folder dir.
// It reports false, and copies nothing, when from holds no snapshot yet;
// a snapshot of other organizations or items is an error.
func restoreOnboarded(from, dir string, orgs, itemsPerOrg int) (bool, error) {
	data, err := os.ReadFile(filepath.Join(from, snapshotManifest))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the onboarded snapshot: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return false, fmt.Errorf("read the onboarded snapshot %s: %w", filepath.Join(from, snapshotManifest), err)
	}
	if m.Orgs != orgs || m.ItemsPerOrg != itemsPerOrg {
		return false, fmt.Errorf("-onboarded %s holds %d organizations with %d items each, not the %d with %d asked for: give another folder",
			from, m.Orgs, m.ItemsPerOrg, orgs, itemsPerOrg)
	}
	if _, err := os.Stat(filepath.Join(dir, "heed.db")); err == nil {
		return false, fmt.Errorf("-onboarded: the run's folder %s already holds a database: give an empty -dir", dir)
	}
	for _, name := range snapshotFiles {
		if err := copyTree(filepath.Join(from, name), filepath.Join(dir, name)); err != nil {
			return false, fmt.Errorf("restore the onboarded snapshot: %w", err)
		}
	}
	return true, nil
}

// saveOnboarded copies the run's folder dir, with Heed stopped, into a
// snapshot at to. It is made beside to and renamed into place, so that a
// run reading the snapshot meanwhile, or a save cut short, never sees half
// of one.
func saveOnboarded(dir, to string, orgs, itemsPerOrg int) error {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(to)), 0o700); err != nil {
		return fmt.Errorf("save the onboarded snapshot: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(to)), ".heed-load-onboarded-")
	if err != nil {
		return fmt.Errorf("save the onboarded snapshot: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range snapshotFiles {
		if err := copyTree(filepath.Join(dir, name), filepath.Join(tmp, name)); err != nil {
			return fmt.Errorf("save the onboarded snapshot: %w", err)
		}
	}
	data, err := json.MarshalIndent(manifest{Orgs: orgs, ItemsPerOrg: itemsPerOrg, Made: time.Now().UTC()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, snapshotManifest), data, 0o600); err != nil {
		return fmt.Errorf("save the onboarded snapshot: %w", err)
	}
	// An empty folder (made by the user beforehand) gives way; one with
	// anything in it makes the rename fail, which is reported.
	os.Remove(to)
	if err := os.Rename(tmp, to); err != nil {
		return fmt.Errorf("save the onboarded snapshot: %w", err)
	}
	return nil
}

// copyTree copies the file or folder src to dst; a missing src copies
// nothing (a database without a write-ahead log left).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == src {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("copy %s: not a regular file", path)
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}
