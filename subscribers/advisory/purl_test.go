package advisory

import (
	"testing"

	"github.com/heed-dev/heed/subscribers/version"
)

func TestPurl(t *testing.T) {
	t.Parallel()
	tests := []struct{ purl, version, scheme string }{
		{"pkg:npm/%40babel/core@7.1.0?x=y", "7.1.0", version.NPM},
		{"pkg:npm/@babel/core", "", version.NPM},
		{"pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u5?arch=amd64", "1.1.1n-0+deb11u5", version.Debian},
		{"pkg:generic/acme/widget@2.0%20SP1", "2.0 SP1", version.Generic},
		{"not a purl", "", ""},
	}
	for _, tt := range tests {
		if got := PurlVersion(tt.purl); got != tt.version {
			t.Errorf("PurlVersion(%q) = %q, want %q", tt.purl, got, tt.version)
		}
		if got := PurlScheme(tt.purl); got != tt.scheme {
			t.Errorf("PurlScheme(%q) = %q, want %q", tt.purl, got, tt.scheme)
		}
	}
}
