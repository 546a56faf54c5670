package subscribers

import "testing"

func TestPackageIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"pkg:npm/lodash@4.17.20", "npm/lodash"},
		{"pkg:npm/Lodash", "npm/lodash"},
		{"pkg:npm/%40babel/core@7.0.0", "npm/@babel/core"},
		{"pkg:pypi/Django_Rest_Framework@3.0", "pypi/django-rest-framework"},
		{"pkg:golang/github.com/Gorilla/Mux@v1.8.0", "golang/github.com/gorilla/mux"},
		{"pkg:github/Package-URL/Purl-Spec", "github/package-url/purl-spec"},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar", "maven/org.apache.logging.log4j/log4j-core"},
		{"pkg:deb/debian/OpenSSL@1.1.1n-0+deb11u4?arch=amd64", "deb/debian/openssl"},
		{"pkg:rpm/fedora/curl@7.50.3-1.fc25", "rpm/fedora/curl"},
		{"PKG:NPM/lodash#sub/path", "npm/lodash"},
	}
	for _, tt := range tests {
		got, err := packageIdentity(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("packageIdentity(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "npm/lodash", "pkg:npm", "pkg:/lodash"} {
		if _, err := packageIdentity(bad); err == nil {
			t.Errorf("packageIdentity(%q): no error", bad)
		}
	}
}

// TestPackageIdentityEquality: two spellings of one package have one
// identity, whatever their versions; an invalid purl names nothing.
func TestPackageIdentityEquality(t *testing.T) {
	t.Parallel()
	same := func(a, b string) bool {
		ia, errA := packageIdentity(a)
		ib, errB := packageIdentity(b)
		return errA == nil && errB == nil && ia == ib
	}
	tests := []struct {
		a, b string
		want bool
	}{
		{"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21", true},
		{"pkg:pypi/PyYAML", "pkg:pypi/pyyaml@5.4", true},
		{"pkg:pypi/typing_extensions", "pkg:pypi/typing-extensions", true},
		{"pkg:maven/org.apache.logging.log4j/log4j-core", "pkg:maven/org.apache.logging.log4j/Log4j-Core", false},
		{"pkg:npm/lodash", "pkg:npm/lodash-es", false},
		{"pkg:npm/lodash", "pkg:pypi/lodash", false},
		{"pkg:maven/org.apache.logging.log4j/log4j-core", "pkg:maven/log4j/log4j-core", false},
		{"pkg:npm/lodash", "not a purl", false},
	}
	for _, tt := range tests {
		if got := same(tt.a, tt.b); got != tt.want {
			t.Errorf("same package (%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
