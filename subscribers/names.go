package subscribers

import (
	"slices"
	"strings"
	"unicode"
)

// Names as people write them. An advisory says "Siemens" and "SCALANCE
// X-200"; an inventory says "SIEMENS AG" and "Siemens SCALANCE X-200", or
// "シーメンス株式会社" in full-width letters. This file is the one home of
// what makes two spellings one name, for both sides of a match: full-width
// forms read as ASCII, case, spacing and punctuation ignored, company forms
// dropped from vendors, the vendor's own name dropped from the front of a
// product. It knows nothing of aliases (aliases.go), which map the folded
// names.

// companyForms are the words of legal forms, dropped from the end of a vendor
// name ("Fortinet, Inc.", "Siemens AG", "Hikvision Co., Ltd."), as they read
// once their dots are dropped ("S.A." is "sa", "K.K." is "kk", "A/S" is "as").
var companyForms = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "company": true,
	"coltd": true, "ltd": true, "limited": true, "llc": true, "lp": true, "llp": true, "plc": true,
	"pty": true, "pte": true, "pvt": true, "gmbh": true, "ag": true, "kg": true, "kgaa": true, "se": true,
	"sa": true, "sas": true, "sarl": true, "spa": true, "srl": true, "bv": true, "nv": true, "ab": true,
	"publ": true, "as": true, "asa": true, "aps": true, "oy": true, "oyj": true, "kk": true,
	"kabushiki": true, "kaisha": true, "gk": true,
}

// japaneseForms are the Japanese company forms, written before or after the
// name without a space: 株式会社 (K.K.), 有限会社, 合同会社 (G.K.), (株).
var japaneseForms = []string{"株式会社", "有限会社", "合同会社", "(株)", "㈱", "(有)", "㈲"}

// NormalizeName returns the words of a vendor (kind AliasVendor) or product
// (AliasProduct) name, lowercased, each made of letters and digits only,
// joined by one space; for a vendor without its company forms (unless
// nothing else is left). It is idempotent. Two names that normalize to the
// same words, spaces aside, are one name.
func NormalizeName(kind, name string) string {
	return strings.Join(nameWords(kind, name), " ")
}

// foldName is the comparable form of a name: its normalized words joined.
func foldName(kind, name string) string {
	return strings.Join(nameWords(kind, name), "")
}

// nameWords splits a name into words at spaces, commas, ampersands and
// brackets, lowercases them and keeps their letters and digits, so that
// "S.A." is one word and "Co.,Ltd." two. A vendor's company forms are
// dropped (withoutForms).
func nameWords(kind, name string) []string {
	name = strings.ToLower(halfWidth(name))
	if kind == AliasVendor {
		// A Japanese form is written against the name: make it a word.
		for _, jf := range japaneseForms {
			name = strings.ReplaceAll(name, jf, " "+jf+" ")
		}
	}
	fields := strings.FieldsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '&' || r == '[' || r == ']' ||
			(r == '(' || r == ')') && kind != AliasVendor // (株) stays one word until its form is dropped
	})
	var words []string
	for _, f := range fields {
		switch w := alnum(f); {
		case kind == AliasVendor && isJapaneseForm(f):
			words = append(words, f)
		case kind == AliasVendor && w != f:
			// Punctuation gone, a form may now stand against the name.
			for _, jf := range japaneseForms {
				w = strings.ReplaceAll(w, jf, " "+jf+" ")
			}
			words = append(words, strings.Fields(w)...)
		case w != "":
			words = append(words, w)
		}
	}
	if kind != AliasVendor {
		return words
	}
	words = withoutForms(words)
	for i, w := range words {
		words[i] = alnum(w) // a form left inside the name, or the whole name
	}
	return slices.DeleteFunc(words, func(w string) bool { return w == "" })
}

// withoutForms drops company forms from both ends of a vendor's words,
// keeping at least one word.
func withoutForms(words []string) []string {
	for len(words) > 1 {
		switch {
		case companyForms[words[len(words)-1]] || isJapaneseForm(words[len(words)-1]):
			words = words[:len(words)-1]
		case isJapaneseForm(words[0]):
			words = words[1:]
		default:
			return words
		}
	}
	return words
}

func isJapaneseForm(w string) bool {
	for _, jf := range japaneseForms {
		if w == jf {
			return true
		}
	}
	return false
}

// alnum keeps the letters and digits of a word.
func alnum(w string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, w)
}

// halfWidth reads the full-width forms of ASCII (Ａ, １, （) and the
// ideographic space as their ASCII selves.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xff01 && r <= 0xff5e:
			return r - 0xfee0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// withoutVendor returns the folded product name without the vendor's name
// in front ("Siemens SCALANCE X-200" by "Siemens AG" is "scalancex200"),
// with the words the vendor writes after its name ("OSIsoft LLC PI Web
// API" by "OSIsoft LLC" is "piwebapi"; but "WECON PLC Editor" by "WECON"
// is "plceditor"). It returns "" when the product does not start with the
// vendor's name, or is nothing else.
func withoutVendor(vendor, product string) string {
	rest, ok := wordsAfterVendor(vendor, product)
	if !ok {
		return ""
	}
	return strings.Join(rest, "")
}

// wordsAfterVendor is withoutVendor's result as words (alnumWords), and
// whether the product starts with the vendor's name.
func wordsAfterVendor(vendor, product string) ([]string, bool) {
	return spellingOf(vendor).wordsAfter(product)
}

// vendorSpelling is what wordsAfterVendor needs of a vendor's name, folded
// once for the many products a scan reads of one vendor (NameFilter).
type vendorSpelling struct {
	folded string   // foldName(AliasVendor, …)
	words  []string // alnumWords(…)
}

func spellingOf(vendor string) vendorSpelling {
	return vendorSpelling{folded: foldName(AliasVendor, vendor), words: alnumWords(vendor)}
}

// wordsAfter is wordsAfterVendor of the vendor vs.
func (vs vendorSpelling) wordsAfter(product string) ([]string, bool) {
	v := vs.folded
	if v == "" {
		return nil, false
	}
	// Both split at every non-letter, so that "Schneider-Electric Modicon"
	// starts with the words of "Schneider Electric", and "S.A." is s, a.
	words := alnumWords(product)
	prefix := ""
	for i, w := range words {
		if prefix += w; len(prefix) < len(v) {
			continue
		}
		if prefix != v {
			return nil, false
		}
		rest := words[i+1:]
		for len(rest) > 1 && companyForms[rest[0]] && slices.Contains(vs.words, rest[0]) {
			rest = rest[1:]
		}
		return rest, len(rest) > 0
	}
	return nil, false
}

// alnumWords splits a name at every character that is not a letter or a
// digit, lowercased.
func alnumWords(name string) []string {
	return strings.FieldsFunc(strings.ToLower(halfWidth(name)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// vendorSpellings are the folded forms of a vendor's name that a product
// may start with: as written, then without its company forms.
func vendorSpellings(vendor string) []string {
	written := strings.Join(alnumWords(vendor), "")
	folded := foldName(AliasVendor, vendor)
	switch {
	case folded == "":
		return nil
	case written == folded:
		return []string{folded}
	}
	return []string{written, folded}
}
