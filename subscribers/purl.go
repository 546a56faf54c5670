package subscribers

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// packageIdentity returns the part of a package URL that names the
// package, "type/namespace/name" ("npm/lodash", "maven/org.apache.logging.
// log4j/log4j-core"), normalized by the purl type rules so that two
// spellings of one package are equal: the library already lowercases
// github, bitbucket, golang, deb, apk, composer and pypi names (pypi also
// "_" to "-"); npm, nuget, hex and pub names are case-insensitive in their
// registries and are lowercased here. Version, qualifiers and subpath do
// not identify the package and are dropped.
func packageIdentity(purl string) (string, error) {
	p, err := packageurl.FromString(strings.TrimSpace(purl))
	if err != nil {
		return "", err
	}
	ns, name := p.Namespace, p.Name
	switch p.Type {
	case packageurl.TypeNPM, packageurl.TypeNuget, packageurl.TypeHex, packageurl.TypePub:
		ns, name = strings.ToLower(ns), strings.ToLower(name)
	}
	if ns == "" {
		return p.Type + "/" + name, nil
	}
	return p.Type + "/" + ns + "/" + name, nil
}
