package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/heed-dev/heed/store"
)

// When publishers are configured, the embedded NATS server takes no
// anonymous connection: each publisher connects with an NKey of its own,
// which may publish on its subjects only and read nothing, and Heed
// connects with one of its own. The seeds are kept in the database's
// settings (as the ack secret is), so a restart keeps them and
// "heed publisher key" can hand a publisher its seed.

// heedNKeyName is the settings name of Heed's own seed; a publisher's is
// "nats_seed:" and its name.
const heedNKeyName = "nats_seed"

// natsSeed returns the seed kept under name, making it on first use.
func natsSeed(tx *store.Tx, name string) ([]byte, error) {
	seed, err := tx.Setting(name)
	if err == nil {
		return []byte(seed), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("make an NKey: %w", err)
	}
	s, err := kp.Seed()
	if err != nil {
		return nil, fmt.Errorf("make an NKey: %w", err)
	}
	return s, tx.SetSetting(name, string(s))
}

func publisherSeedName(publisher string) string { return heedNKeyName + ":" + publisher }

// natsUsers returns the embedded server's users when publishers are
// configured (nil otherwise: the server stays open, as a fresh start on
// 127.0.0.1 is), and Heed's own seed.
func natsUsers(ctx context.Context, db *store.DB, cfg Config) (users []*server.NkeyUser, heedSeed []byte, err error) {
	if len(cfg.Publishers) == 0 {
		return nil, nil, nil
	}
	err = db.Update(ctx, func(tx *store.Tx) error {
		if heedSeed, err = natsSeed(tx, heedNKeyName); err != nil {
			return err
		}
		pub, err := publicKey(heedSeed)
		if err != nil {
			return err
		}
		// Heed itself runs the stream and its consumer: no limits.
		users = append(users, &server.NkeyUser{Nkey: pub})
		if cfg.Events.Enabled {
			seed, err := natsSeed(tx, eventsSeedName)
			if err != nil {
				return err
			}
			pub, err := publicKey(seed)
			if err != nil {
				return err
			}
			users = append(users, &server.NkeyUser{Nkey: pub, Permissions: eventsReaderPermissions(cfg.Events)})
		}
		for _, p := range cfg.Publishers {
			seed, err := natsSeed(tx, publisherSeedName(p.Name))
			if err != nil {
				return err
			}
			pub, err := publicKey(seed)
			if err != nil {
				return err
			}
			users = append(users, &server.NkeyUser{Nkey: pub, Permissions: publisherPermissions(p.Subjects)})
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("NATS keys: %w", err)
	}
	return users, heedSeed, nil
}

// publisherPermissions: publish on its own subjects, subscribe to nothing
// (so no reading of other publishers' documents, nor of JetStream's API
// answers: a plain publish is all a publisher does).
func publisherPermissions(subjects []string) *server.Permissions {
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: subjects},
		Subscribe: &server.SubjectPermission{Deny: []string{">"}},
	}
}

// eventsSeedName is the settings name of the events reader's seed: the
// one key, made at start, that systems outside Heed (ticketing, chat) use
// to read the case events from the secured embedded server.
const eventsSeedName = heedNKeyName + ":events"

// eventsReaderPermissions: read the events stream through consumers of its
// own (JetStream's consumer API on that stream, acks, replies on _INBOX)
// or a plain subscription to the events subjects, and nothing else: no
// publishing of advisories, no change to any stream.
func eventsReaderPermissions(ev EventsConfig) *server.Permissions {
	st := ev.Stream
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			"$JS.API.INFO",
			"$JS.API.STREAM.INFO." + st,
			"$JS.API.CONSUMER.*." + st,
			"$JS.API.CONSUMER.*." + st + ".>",
			"$JS.API.CONSUMER.DURABLE.CREATE." + st + ".>",
			"$JS.API.CONSUMER.MSG.NEXT." + st + ".>",
			"$JS.ACK." + st + ".>",
			"$JS.FC." + st + ".>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>", ev.SubjectPrefix + ".>"}},
	}
}

func publicKey(seed []byte) (string, error) {
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		return "", fmt.Errorf("read an NKey seed: %w", err)
	}
	return kp.PublicKey()
}

// nkeyOption authenticates a connection with a seed held in memory.
func nkeyOption(seed []byte) (nats.Option, error) {
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("read an NKey seed: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("read an NKey seed: %w", err)
	}
	return nats.Nkey(pub, kp.Sign), nil
}

func cmdPublisherKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("publisher key", "heed publisher key [-config FILE] -out FILE NAME", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the server")
	out := fs.String("out", "", "file to write the publisher's NKey seed to (mode 0600; required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		return usageError(fs, "give -out FILE and the NAME of one [[publisher]]")
	}
	name := fs.Arg(0)
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	var known bool
	for _, p := range cfg.Publishers {
		known = known || p.Name == name
	}
	if !known {
		return fmt.Errorf("publisher %q is not a [[publisher]] of the configuration; the embedded NATS server gives keys only to those", name)
	}
	seed, err := writeSeed(ctx, *configPath, publisherSeedName(name), "publisher.key", name, *out, stderr)
	if err != nil {
		return err
	}
	pub, _ := publicKey(seed)
	fmt.Fprintf(stdout, "wrote the NKey seed of publisher %s (public key %s) to %s\npublish with: nats --server %s --nkey %s pub %s FILE\n",
		name, pub, *out, natsURL(cfg.NATS), *out, exampleSubject(cfg, name))
	return nil
}

// writeSeed writes the NKey seed kept under name to the new file out
// (mode 0600), audited as action on target.
func writeSeed(ctx context.Context, configPath, name, action, target, out string, stderr io.Writer) ([]byte, error) {
	a, err := openForCommand(ctx, configPath, stderr)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	var seed []byte
	if err := a.db.Update(hostActor(ctx), func(tx *store.Tx) (err error) {
		if _, err = tx.Setting(name); errors.Is(err, store.ErrNotFound) {
			fmt.Fprintln(stderr, "heed: a new key: restart heed serve so that its NATS server knows it")
		}
		if seed, err = natsSeed(tx, name); err != nil {
			return err
		}
		return tx.Audit(a.engine.Now(), action, target, "NKey seed written to a file")
	}); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("-out: %w (an existing file is not overwritten)", err)
	}
	if _, err := f.Write(append(seed, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("-out: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	return seed, nil
}

// cmdEventsKey writes the events reader's NKey seed: what a consumer of
// the case events needs when the embedded NATS server is secured.
func cmdEventsKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("events key", "heed events key [-config FILE] -out FILE", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the server")
	out := fs.String("out", "", "file to write the events reader's NKey seed to (mode 0600; required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *out == "" {
		return usageError(fs, "give -out FILE")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if !cfg.Events.Enabled || len(cfg.Publishers) == 0 {
		return errors.New("the events reader's key is for the embedded NATS server secured by [[publisher]] keys with [events] enabled; an open or external NATS server needs none from Heed")
	}
	seed, err := writeSeed(ctx, *configPath, eventsSeedName, "events.key", "events", *out, stderr)
	if err != nil {
		return err
	}
	pub, _ := publicKey(seed)
	fmt.Fprintf(stdout, "wrote the NKey seed of the events reader (public key %s) to %s\nread with: nats --server %s --nkey %s sub '%s.>'\n",
		pub, *out, natsURL(cfg.NATS), *out, cfg.Events.SubjectPrefix)
	return nil
}

// exampleSubject is a concrete subject of a publisher, for the hint.
func exampleSubject(cfg Config, name string) string {
	for _, p := range cfg.Publishers {
		if p.Name == name && len(p.Subjects) > 0 {
			s := p.Subjects[0]
			if n := len(s); n >= 1 && (s[n-1] == '>' || s[n-1] == '*') {
				return s[:n-1] + "advisory"
			}
			return s
		}
	}
	return ""
}
