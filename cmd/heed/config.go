package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/subscribers"
)

// Config is heed's configuration file. Every key has a default (see
// defaultConfig and config.example.toml).
type Config struct {
	Store StoreConfig `toml:"store"`
	NATS  NATSConfig  `toml:"nats"`
	SMTP  SMTPConfig  `toml:"smtp"`
	HTTP  HTTPConfig  `toml:"http"`
	// Delivery holds the defaults of when organizations get their mail.
	Delivery DeliveryConfig `toml:"delivery"`
	// Inbound receives replies and bounce reports.
	Inbound InboundConfig  `toml:"inbound"`
	Policy  []PolicyConfig `toml:"policy"`
	Aliases []AliasConfig  `toml:"alias"`
	// Publishers own the NATS subjects; none: one agency, "default",
	// owns nats.subjects.
	Publishers []PublisherConfig `toml:"publisher"`
	HA         HAConfig          `toml:"ha"`
	// Events: every case change published to JetStream as a CloudEvent.
	Events EventsConfig `toml:"events"`
	// KEV, optional, is a catalog of known exploited vulnerabilities that
	// Heed reads again whenever it changes.
	KEV KEVConfig `toml:"kev"`
}

// EventsConfig is where case events go (notifier.EventsConfig).
type EventsConfig struct {
	Enabled bool   `toml:"enabled"`
	Stream  string `toml:"stream"`
	// SubjectPrefix: an event of kind K is published on PREFIX.case.K.
	SubjectPrefix string `toml:"subject_prefix"`
	// MaxAge bounds the stream Heed creates ("0s": no bound).
	MaxAge string `toml:"max_age"`
	// KeepPublished: how long an event stays in SQLite after JetStream
	// acknowledged it.
	KeepPublished string `toml:"keep_published"`
}

// engine is the notifier's view of [events]: nil when they are off.
func (c EventsConfig) engine(source string) *notifier.EventsConfig {
	if !c.Enabled {
		return nil
	}
	age, _ := notifier.ParseDuration(c.MaxAge)         // validated
	keep, _ := notifier.ParseDuration(c.KeepPublished) // validated
	return &notifier.EventsConfig{Stream: c.Stream, SubjectPrefix: c.SubjectPrefix, Source: source, MaxAge: age, KeepPublished: keep}
}

func (c EventsConfig) validate() error {
	if !c.Enabled {
		return nil
	}
	if c.Stream == "" || strings.ContainsAny(c.Stream, " .*>") {
		return fmt.Errorf("events.stream: %q is not a valid stream name", c.Stream)
	}
	for _, tok := range strings.Split(c.SubjectPrefix, ".") {
		if tok == "" || strings.ContainsAny(tok, " \t\r\n*>") {
			return fmt.Errorf("events.subject_prefix: %q is not a NATS subject without wildcards, such as \"heed.events\"", c.SubjectPrefix)
		}
	}
	if d, err := notifier.ParseDuration(c.MaxAge); err != nil || d < 0 {
		return fmt.Errorf("events.max_age: %q is not a duration such as \"30d\" (\"0s\": no bound)", c.MaxAge)
	}
	if d, err := notifier.ParseDuration(c.KeepPublished); err != nil || d < time.Minute {
		return fmt.Errorf("events.keep_published: %q must be a duration of at least 1m, such as \"7d\"", c.KeepPublished)
	}
	return nil
}

// KEVConfig: a catalog of known exploited vulnerabilities (CISA's KEV
// JSON) kept in a file, say by a daily download.
type KEVConfig struct {
	// Path is the catalog's file; empty: none (import through the API).
	Path string `toml:"path"`
	// Interval is how often the file is looked at for a change.
	Interval string `toml:"interval"`
}

// HAConfig is how two heed serve on one stream share the work (one acts,
// the other waits; lease.go).
type HAConfig struct {
	// LeaseTTL: a standby takes over this long (plus a second) after the
	// active one died; the active one stops acting when it could not renew
	// for 4/5 of it.
	LeaseTTL string `toml:"lease_ttl"`
}

type StoreConfig struct {
	Path string `toml:"path"`
	// MailBodyRetention is how long the body of a mail in a final state
	// (sent, failed, cancelled) is kept; its record stays. "0s": forever.
	MailBodyRetention string `toml:"mail_body_retention"`
}

type NATSConfig struct {
	URL            string   `toml:"url"`
	EmbeddedListen string   `toml:"embedded_listen"`
	EmbeddedDir    string   `toml:"embedded_dir"`
	Subjects       []string `toml:"subjects"`
	Stream         string   `toml:"stream"`
	// Consumer is the durable consumer this Heed reads the stream with, and
	// names its lease: Heed instances that each own a partition of the
	// organizations read every advisory, each with a consumer of its own
	// (docs/SCALING.md); an active one and its standby share one.
	Consumer    string `toml:"consumer"`
	Credentials string `toml:"credentials"`
	// MaxAge and MaxBytes bound the stream Heed creates ("0s", 0: no bound).
	MaxAge   string `toml:"max_age"`
	MaxBytes int64  `toml:"max_bytes"`
	// AckWait: how long JetStream waits for Heed to finish a message before
	// it hands it out again; after a crash mid-apply, the rest of the
	// advisory waits this long.
	AckWait string `toml:"ack_wait"`
}

// consumerName is what nats.consumer may be: a durable consumer's name that
// is also part of a key of the lease bucket.
var consumerName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// intake is what intake and publish need to know of the stream.
func (c NATSConfig) intake() notifier.IntakeConfig {
	age, _ := notifier.ParseDuration(c.MaxAge)      // validated
	ackWait, _ := notifier.ParseDuration(c.AckWait) // validated
	return notifier.IntakeConfig{Stream: c.Stream, Subjects: c.Subjects, MaxAge: age, MaxBytes: c.MaxBytes, AckWait: ackWait,
		Durable: c.Consumer}
}

// defaultConsumer is nats.consumer's default, intake's own.
const defaultConsumer = "heed-intake"

// leaseKey names the lease of the Heed instances reading the stream with
// this consumer: the stream alone for the default one (the key Heed has
// always used, so an upgraded standby and active one still share it),
// else the stream and the consumer.
func (c NATSConfig) leaseKey() string {
	if c.Consumer == defaultConsumer {
		return c.Stream
	}
	return c.Stream + "." + c.Consumer
}

type SMTPConfig struct {
	Addr     string `toml:"addr"`
	TLS      string `toml:"tls"`
	Username string `toml:"username"`
	Password string `toml:"password"`
	From     string `toml:"from"`
	MaxConns int    `toml:"max_conns"`
	// RatePerSecond caps mails per second to the relay; 0: no cap.
	RatePerSecond float64 `toml:"rate_per_second"`
	// ClaimTimeout: how long a mail whose SMTP exchange was cut off (Heed
	// killed) waits before it is sent again; a notifier duration.
	ClaimTimeout string `toml:"claim_timeout"`
	// DKIM signing: all three or none.
	DKIMDomain   string `toml:"dkim_domain"`
	DKIMSelector string `toml:"dkim_selector"`
	DKIMKeyFile  string `toml:"dkim_key_file"`
}

type HTTPConfig struct {
	Listen     string `toml:"listen"`
	PublicURL  string `toml:"public_url"`
	AdminToken string `toml:"admin_token"`
	AckSecret  string `toml:"ack_secret"`
}

// DeliveryConfig: when mail goes out, for organizations that do not say.
type DeliveryConfig struct {
	// BusinessHours is the business_hours of a new organization that gives
	// none: "always", or a window such as "09:00-18:00 Mon-Fri".
	BusinessHours string `toml:"business_hours"`
}

// InboundConfig: the SMTP listener for replies and bounce reports.
type InboundConfig struct {
	// Listen is the inbound SMTP address, e.g. "127.0.0.1:2525"; empty:
	// no inbound mail (and no Reply-To, no per-mail envelope sender).
	Listen string `toml:"listen"`
	// Domain is the domain of the addresses Heed owns, routed to Listen.
	Domain string `toml:"domain"`
	// RequireAuth: an answer by reply counts only if DKIM passes for the
	// From domain.
	RequireAuth bool `toml:"require_auth"`
}

type PolicyConfig struct {
	Severity      string   `toml:"severity"`
	Reminders     []string `toml:"reminders"`
	Repeat        string   `toml:"repeat"`
	EscalateAfter *int     `toml:"escalate_after"`
	Due           string   `toml:"due"`
}

// AliasConfig declares names that denote the same vendor or product.
type AliasConfig struct {
	Kind  string   `toml:"kind"` // vendor or product
	Names []string `toml:"names"`
}

func defaultConfig() Config {
	return Config{
		Store: StoreConfig{Path: "heed-data/heed.db", MailBodyRetention: "400d"},
		NATS: NATSConfig{EmbeddedListen: "127.0.0.1:4222", EmbeddedDir: "heed-data/nats",
			Subjects: []string{"advisories.>"}, Stream: "ADVISORIES", Consumer: defaultConsumer, MaxAge: "90d", MaxBytes: 1 << 30, AckWait: "5m"},
		SMTP:     SMTPConfig{TLS: "starttls", From: "Heed <heed@localhost>", MaxConns: 4, ClaimTimeout: "10m"},
		HTTP:     HTTPConfig{Listen: "127.0.0.1:8080"},
		Delivery: DeliveryConfig{BusinessHours: subscribers.Always},
		HA:       HAConfig{LeaseTTL: "10s"},
		Inbound:  InboundConfig{RequireAuth: true},
		Events: EventsConfig{Enabled: true, Stream: "HEED_EVENTS", SubjectPrefix: "heed.events",
			MaxAge: "30d", KeepPublished: "7d"},
		KEV: KEVConfig{Interval: "1m"},
	}
}

// loadConfig reads path over the defaults (an empty path means defaults
// only), applies the environment's secrets, and validates.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			var perr toml.ParseError
			if errors.As(err, &perr) {
				// Only the position: the offending line may hold a password.
				return cfg, fmt.Errorf("config %s: line %d, column %d: %s", path, perr.Position.Line, perr.Position.Col, perr.Message)
			}
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if undecoded := md.Undecoded(); len(undecoded) > 0 {
			keys := make([]string, len(undecoded))
			for i, k := range undecoded {
				keys[i] = k.String()
			}
			sort.Strings(keys)
			return cfg, fmt.Errorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
		}
	}
	for env, dst := range map[string]*string{
		"HEED_SMTP_PASSWORD": &cfg.SMTP.Password,
		"HEED_ADMIN_TOKEN":   &cfg.HTTP.AdminToken,
		"HEED_ACK_SECRET":    &cfg.HTTP.AckSecret,
	} {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			*dst = v
		}
	}
	if err := cfg.validate(); err != nil {
		if path == "" {
			path = "(defaults)"
		}
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

func (c *Config) validate() error {
	if c.Store.Path == "" {
		return errors.New("store.path: must not be empty")
	}
	if d, err := notifier.ParseDuration(c.Store.MailBodyRetention); err != nil || d < 0 {
		return fmt.Errorf("store.mail_body_retention: %q is not a duration such as \"400d\" (\"0s\": keep forever)", c.Store.MailBodyRetention)
	}
	if c.NATS.URL == "" {
		if _, _, err := net.SplitHostPort(c.NATS.EmbeddedListen); err != nil {
			return fmt.Errorf("nats.embedded_listen: %q is not host:port", c.NATS.EmbeddedListen)
		}
	}
	if len(c.NATS.Subjects) == 0 {
		return errors.New("nats.subjects: at least one subject is required")
	}
	for i, s := range c.NATS.Subjects {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return fmt.Errorf("nats.subjects[%d]: %q is not a NATS subject", i, s)
		}
	}
	if c.NATS.Stream == "" || strings.ContainsAny(c.NATS.Stream, " .*>") {
		return fmt.Errorf("nats.stream: %q is not a valid stream name", c.NATS.Stream)
	}
	if !consumerName.MatchString(c.NATS.Consumer) {
		return fmt.Errorf("nats.consumer: %q is not a consumer name (letters, digits, - and _, such as \"heed-p07\")", c.NATS.Consumer)
	}
	if d, err := notifier.ParseDuration(c.NATS.MaxAge); err != nil || d < 0 {
		return fmt.Errorf("nats.max_age: %q is not a duration such as \"90d\" (\"0s\": no bound)", c.NATS.MaxAge)
	}
	if d, err := notifier.ParseDuration(c.HA.LeaseTTL); err != nil || d < 2*time.Second || d > time.Minute {
		return fmt.Errorf("ha.lease_ttl: %q must be a duration from 2s to 1m (a standby takes over about this long after the active one dies)", c.HA.LeaseTTL)
	}
	if d, err := notifier.ParseDuration(c.NATS.AckWait); err != nil || d < 10*time.Second {
		return fmt.Errorf("nats.ack_wait: %q must be a duration of at least 10s", c.NATS.AckWait)
	}
	if c.NATS.MaxBytes < 0 {
		return fmt.Errorf("nats.max_bytes: %d must not be negative (0: no bound)", c.NATS.MaxBytes)
	}
	if c.SMTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.SMTP.Addr); err != nil {
			return fmt.Errorf("smtp.addr: %q is not host:port", c.SMTP.Addr)
		}
	}
	switch c.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("smtp.tls: %q must be starttls, tls or none", c.SMTP.TLS)
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		return fmt.Errorf("smtp.from: %q is not an address such as \"Heed <heed@example.org>\"", c.SMTP.From)
	}
	if c.SMTP.MaxConns < 1 || c.SMTP.MaxConns > 100 {
		return fmt.Errorf("smtp.max_conns: %d must be between 1 and 100", c.SMTP.MaxConns)
	}
	if set := btoi(c.SMTP.DKIMDomain != "") + btoi(c.SMTP.DKIMSelector != "") + btoi(c.SMTP.DKIMKeyFile != ""); set != 0 && set != 3 {
		return errors.New("smtp.dkim_domain, smtp.dkim_selector, smtp.dkim_key_file: set all three to sign mail, or none")
	}
	if d, err := notifier.ParseDuration(c.SMTP.ClaimTimeout); err != nil || d < time.Minute {
		return fmt.Errorf("smtp.claim_timeout: %q must be a duration of at least 1m, longer than any SMTP exchange", c.SMTP.ClaimTimeout)
	}
	if c.SMTP.RatePerSecond < 0 {
		return fmt.Errorf("smtp.rate_per_second: %g must not be negative (0: no cap)", c.SMTP.RatePerSecond)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		return fmt.Errorf("http.listen: %q is not host:port", c.HTTP.Listen)
	}
	if c.HTTP.PublicURL != "" {
		u, err := url.Parse(c.HTTP.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("http.public_url: %q must be an http or https URL", c.HTTP.PublicURL)
		}
	}
	if c.HTTP.AdminToken != "" && len(c.HTTP.AdminToken) < 16 {
		return errors.New("http.admin_token: must be at least 16 characters (or empty to generate one)")
	}
	if c.HTTP.AckSecret != "" && len(c.HTTP.AckSecret) < 32 {
		return errors.New("http.ack_secret: must be at least 32 characters (or empty to generate one)")
	}
	if _, err := subscribers.ParseHours(c.Delivery.BusinessHours); err != nil {
		return fmt.Errorf("delivery.business_hours: %w", err)
	}
	if err := c.Events.validate(); err != nil {
		return err
	}
	if c.Events.Enabled && c.Events.Stream == c.NATS.Stream {
		return fmt.Errorf("events.stream: %q is also nats.stream; events need a stream of their own", c.Events.Stream)
	}
	if (c.Inbound.Listen == "") != (c.Inbound.Domain == "") {
		return errors.New("inbound.listen and inbound.domain: set both to receive replies, or neither")
	}
	if d := c.Inbound.Domain; d != "" && (strings.ContainsAny(d, "@ <>") || !strings.Contains(d, ".")) {
		return fmt.Errorf("inbound.domain: %q is not a domain name like reply.agency.example", d)
	}
	if d, err := notifier.ParseDuration(c.KEV.Interval); err != nil || d < time.Second {
		return fmt.Errorf("kev.interval: %q must be a duration of at least 1s, such as \"1m\"", c.KEV.Interval)
	}
	seen := map[string]bool{}
	for i, p := range c.Policy {
		if _, err := p.policy(); err != nil {
			return fmt.Errorf("policy[%d] (%s): %w", i, p.Severity, err)
		}
		if seen[p.Severity] {
			return fmt.Errorf("policy[%d].severity: %q is configured twice", i, p.Severity)
		}
		seen[p.Severity] = true
	}
	for i, a := range c.Aliases {
		if a.Kind != "vendor" && a.Kind != "product" {
			return fmt.Errorf("alias[%d].kind: %q must be vendor or product", i, a.Kind)
		}
		if len(a.Names) < 2 {
			return fmt.Errorf("alias[%d].names: at least two names are required", i)
		}
	}
	return c.validatePublishers()
}

// publicURL is the base of the links in mails: http.public_url, or when it
// is not set, derived from http.listen, so that moving Heed to another port
// does not leave its links pointing at the old one.
func (c HTTPConfig) publicURL() (u string, derived bool) {
	if c.PublicURL != "" {
		return c.PublicURL, false
	}
	host, port, _ := net.SplitHostPort(c.Listen) // validated
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port), true
}

// policy converts a configured policy over the built-in one of its severity.
func (p PolicyConfig) policy() (notifier.Policy, error) {
	base, ok := notifier.DefaultPolicies()[p.Severity]
	if !ok {
		return base, fmt.Errorf("severity: %q must be critical, high, medium, low or known_exploited", p.Severity)
	}
	if p.Reminders != nil {
		base.Reminders = nil
		for i, s := range p.Reminders {
			d, err := notifier.ParseDuration(s)
			if err != nil {
				return base, fmt.Errorf("reminders[%d]: %w", i, err)
			}
			base.Reminders = append(base.Reminders, d)
		}
	}
	for _, f := range []struct {
		key string
		val string
		dst *time.Duration
	}{{"repeat", p.Repeat, &base.Repeat}, {"due", p.Due, &base.Due}} {
		if f.val == "" {
			continue
		}
		d, err := notifier.ParseDuration(f.val)
		if err != nil {
			return base, fmt.Errorf("%s: %w", f.key, err)
		}
		*f.dst = d
	}
	if p.EscalateAfter != nil {
		base.EscalateAfter = *p.EscalateAfter
	}
	return base, base.Validate()
}

// claimTimeout is smtp.claim_timeout, validated at load.
func (c *Config) claimTimeout() time.Duration {
	d, _ := notifier.ParseDuration(c.SMTP.ClaimTimeout)
	return d
}

// policies returns the built-in policies with the configured ones over them.
func (c *Config) policies() map[string]notifier.Policy {
	out := notifier.DefaultPolicies()
	for _, p := range c.Policy {
		pol, _ := p.policy() // validated at load
		out[p.Severity] = pol
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
