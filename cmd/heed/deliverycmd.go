package main

import (
	"context"
	"fmt"
	"io"

	"github.com/heed-dev/heed/store"
)

// cmdDeliveryForgetJournal lets a database go on without the delivery
// journal it recorded, once that journal is lost for good: heed serve
// refuses to start without it, since the mails only it recorded would go
// out again.
func cmdDeliveryForgetJournal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("delivery forget-journal", "heed delivery forget-journal [-config FILE]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError(fs, "no arguments")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.ForgetLostJournal(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "the database %s no longer expects %s; mails it alone recorded as claimed or sent will be sent again\n",
		cfg.Store.Path, store.JournalPath(cfg.Store.Path))
	return nil
}
