package formats

import (
	"net/url"
	"strings"
)

// purlFor builds a package URL (without version) for a package named in an
// ecosystem's own terms, so products from OSV and CVE records match
// inventories by purl. It returns "" for ecosystems without a purl mapping
// here; the product is then matched by name.
func purlFor(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	switch strings.ToLower(strings.TrimSpace(ecosystem)) {
	case "npm":
		// Scoped packages keep their scope as the namespace: @babel/core.
		if ns, n, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(ns, "@") {
			return "pkg:npm/" + purlEscape(ns) + "/" + purlEscape(n)
		}
		return "pkg:npm/" + purlEscape(name)
	case "pypi":
		// PyPI names are case-insensitive and treat _ and - alike.
		return "pkg:pypi/" + purlEscape(strings.ReplaceAll(strings.ToLower(name), "_", "-"))
	case "go", "golang":
		return "pkg:golang/" + purlPath(name)
	case "maven":
		if g, a, ok := strings.Cut(name, ":"); ok {
			return "pkg:maven/" + purlEscape(g) + "/" + purlEscape(a)
		}
	case "crates.io", "cargo":
		return "pkg:cargo/" + purlEscape(name)
	case "rubygems", "gem":
		return "pkg:gem/" + purlEscape(name)
	case "nuget":
		return "pkg:nuget/" + purlEscape(name)
	case "packagist", "composer":
		return "pkg:composer/" + purlPath(strings.ToLower(name))
	case "hex":
		return "pkg:hex/" + purlEscape(strings.ToLower(name))
	case "pub":
		return "pkg:pub/" + purlEscape(strings.ToLower(name))
	case "debian":
		return "pkg:deb/debian/" + purlEscape(name)
	case "ubuntu":
		return "pkg:deb/ubuntu/" + purlEscape(name)
	case "alpine":
		return "pkg:apk/alpine/" + purlEscape(strings.ToLower(name))
	case "cran":
		return "pkg:cran/" + purlEscape(name)
	case "hackage":
		return "pkg:hackage/" + purlEscape(name)
	case "swifturl":
		// The name is the repository URL: pkg:swift/github.com/apple/swift-nio.
		return "pkg:swift/" + purlPath(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(name, "https://"), "http://"), ".git"))
	}
	return ""
}

// registryEcosystems maps the hosts of known package registries, as CVE
// records name them in collectionURL, to OSV ecosystem names for purlFor.
var registryEcosystems = map[string]string{
	"registry.npmjs.org":    "npm",
	"www.npmjs.com":         "npm",
	"npmjs.com":             "npm",
	"pypi.org":              "PyPI",
	"pypi.python.org":       "PyPI",
	"repo.maven.apache.org": "Maven",
	"repo1.maven.org":       "Maven",
	"central.sonatype.com":  "Maven",
	"search.maven.org":      "Maven",
	"pkg.go.dev":            "Go",
	"proxy.golang.org":      "Go",
	"crates.io":             "crates.io",
	"rubygems.org":          "RubyGems",
	"www.nuget.org":         "NuGet",
	"nuget.org":             "NuGet",
	"api.nuget.org":         "NuGet",
	"packagist.org":         "Packagist",
	"hex.pm":                "Hex",
	"pub.dev":               "Pub",
}

// purlForCollection builds a purl from a CVE record's collectionURL and
// packageName when the collection is a registry Heed knows.
func purlForCollection(collectionURL, packageName string) string {
	u, err := url.Parse(strings.TrimSpace(collectionURL))
	if err != nil {
		return ""
	}
	eco, ok := registryEcosystems[strings.ToLower(u.Hostname())]
	if !ok {
		return ""
	}
	return purlFor(eco, packageName)
}

// purlPath escapes each segment of a slash-separated name, keeping the
// slashes as namespace separators.
func purlPath(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = purlEscape(s)
	}
	return strings.Join(segs, "/")
}

func purlEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "%40", "@")
}
