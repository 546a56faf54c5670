package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
)

// watchKEV imports the catalog of known exploited vulnerabilities at path
// (kev.path) when act starts, and again whenever its content changes,
// looking every interval. A file that cannot be read or is not a catalog
// is logged and imports nothing; the next good version is imported. It
// runs only in act: a standby imports nothing.
func watchKEV(ctx context.Context, cases *notifier.Cases, path string, interval time.Duration, log *slog.Logger) {
	if path == "" {
		return
	}
	ctx = store.WithActor(ctx, store.Actor{Name: "kev.path", Via: "file"})
	var last []byte // the SHA-256 of the content last tried
	for {
		data, err := os.ReadFile(path)
		switch {
		case err != nil:
			log.Error("kev.path: reading the catalog", "path", path, "err", err)
		case !bytes.Equal(sum(data), last):
			res, err := cases.ImportKEV(ctx, data)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Error("kev.path: catalog not imported", "path", path, "err", err)
			} else {
				log.Info("kev.path: catalog imported", "path", path, "added", res.Added, "cases_changed", res.CasesChanged)
			}
			var bad *notifier.InputError
			if err == nil || errors.As(err, &bad) {
				last = sum(data) // a broken file is not tried again until it changes
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func sum(data []byte) []byte {
	h := sha256.Sum256(data)
	return h[:]
}
