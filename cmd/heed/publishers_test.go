package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPublisherConfigErrorsNameTheKey(t *testing.T) {
	agency := "[[publisher]]\nname = \"agency\"\nsubjects = [\"advisories.agency.>\"]\nrole = \"agency\"\n"
	for _, tt := range []struct{ name, toml, want string }{
		{"role", "[[publisher]]\nname = \"x\"\nsubjects = [\"advisories.x\"]\nrole = \"admin\"\n", `publisher[0].role: "admin" must be agency or vendor`},
		{"name", "[[publisher]]\nname = \"Ivanti PSIRT\"\nsubjects = [\"advisories.x\"]\nrole = \"agency\"\n", `publisher[0].name: "Ivanti PSIRT"`},
		{"vendors", "[[publisher]]\nname = \"ivanti\"\nsubjects = [\"advisories.ivanti.>\"]\nrole = \"vendor\"\n", "publisher[0].vendors: a vendor publisher names the vendors"},
		{"overlap", agency + "[[publisher]]\nname = \"ivanti\"\nsubjects = [\"advisories.*.>\"]\nrole = \"vendor\"\nvendors = [\"Ivanti\"]\n",
			`publisher[1].subjects[0]: "advisories.*.>" overlaps "advisories.agency.>" of publisher[0] (agency)`},
		{"outside the stream", "[[publisher]]\nname = \"a\"\nsubjects = [\"elsewhere.>\"]\nrole = \"agency\"\n", `publisher[0].subjects[0]: "elsewhere.>" is outside nats.subjects`},
		{"twice", agency + agency, `publisher[1].name: "agency" is also publisher[0]'s`},
		{"domain", agency + "link_domains = [\"https://x.example\"]\n", `publisher[0].link_domains[0]: "https://x.example" is not a domain`},
		{"signature without keys", agency + "require_signature = true\n", "publisher[0].require_signature: needs openpgp_keys"},
		{"missing key file", agency + "openpgp_keys = [\"nowhere.asc\"]\n", "publisher[0].openpgp_keys[0]: open nowhere.asc"},
		{"hold", agency + "hold_above = -5\n", "publisher[0].hold_above: -5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "heed.toml")
			if err := os.WriteFile(path, []byte(tt.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("loadConfig = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPublishersDefaults(t *testing.T) {
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	set, err := cfg.publisherSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := set.ForSubject("advisories.heed")
	if err != nil || p.Name != "default" || p.Role != "agency" || p.Holds(1_000_000) {
		t.Errorf("without [[publisher]]: %+v, %v; want the agency default, never held", p, err)
	}

	path := filepath.Join(t.TempDir(), "heed.toml")
	os.WriteFile(path, []byte("[[publisher]]\nname = \"ivanti\"\nsubjects = [\"advisories.ivanti.>\"]\nrole = \"vendor\"\nvendors = [\"Ivanti\"]\n"), 0o600)
	if cfg, err = loadConfig(path); err != nil {
		t.Fatal(err)
	}
	if set, err = cfg.publisherSet(nil); err != nil {
		t.Fatal(err)
	}
	if p, _ := set.Named("ivanti"); p.Holds(1000) || !p.Holds(1001) {
		t.Errorf("a vendor without hold_above holds above %d, want 1000", p.HoldAbove)
	}
	if _, err := set.ForSubject("advisories.heed"); err == nil {
		t.Error("with publishers configured, a subject none of them owns found an owner")
	}
}
