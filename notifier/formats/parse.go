package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
)

// Format names, as stored in advisory.Advisory.Format and Error.Format.
const (
	FormatHeed = "heed"
	FormatCSAF = "csaf"
	FormatCVE5 = "cve5"
	FormatOSV  = "osv"
)

// Error says why a document was refused. Intake records Reason for the
// operator and terminates the message, so Reason must make sense to a person
// who has the document in front of them: it names the field and the rule.
type Error struct {
	Format string // the detected format, empty when none was detected
	Reason string
}

func (e *Error) Error() string {
	if e.Format == "" {
		return e.Reason
	}
	return e.Format + ": " + e.Reason
}

func refuse(format, reason string, args ...any) *Error {
	return &Error{Format: format, Reason: fmt.Sprintf(reason, args...)}
}

// Parse detects the format of data from its content and returns the
// normalized advisory. Every refusal is an *Error. Parse never panics.
//
// Detection looks at top-level keys only: "heed_advisory" is Heed's own
// format, "document" with "csaf_version" is CSAF, dataType "CVE_RECORD" is
// CVE JSON 5, and "id" with "modified" plus any of "affected",
// "schema_version" or "aliases" is OSV.
func Parse(data []byte) (*advisory.Advisory, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, refuse("", "not a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, refuse("", "not a JSON object: %s", jsonReason(err))
	}
	var (
		a   *advisory.Advisory
		err error
	)
	switch format := detect(top); format {
	case FormatHeed:
		a, err = parseHeed(data)
	case FormatCSAF:
		a, err = parseCSAF(data)
	case FormatCVE5:
		a, err = parseCVE5(data)
	case FormatOSV:
		a, err = parseOSV(data)
	default:
		return nil, refuse("", "unknown format: none of heed_advisory, document.csaf_version, dataType CVE_RECORD, OSV schema fields (id, modified, affected)")
	}
	if err != nil {
		return nil, err
	}
	if err := finish(a); err != nil {
		return nil, err
	}
	return a, nil
}

func detect(top map[string]json.RawMessage) string {
	if _, ok := top["heed_advisory"]; ok {
		return FormatHeed
	}
	if doc, ok := top["document"]; ok {
		var d struct {
			CSAFVersion json.RawMessage `json:"csaf_version"`
		}
		if json.Unmarshal(doc, &d) == nil && d.CSAFVersion != nil {
			return FormatCSAF
		}
	}
	var dataType string
	if json.Unmarshal(top["dataType"], &dataType) == nil && dataType == "CVE_RECORD" {
		return FormatCVE5
	}
	_, hasID := top["id"]
	_, hasModified := top["modified"]
	if hasID && hasModified {
		for _, k := range []string{"affected", "schema_version", "aliases"} {
			if _, ok := top[k]; ok {
				return FormatOSV
			}
		}
	}
	return ""
}

// decodeLenient decodes a standards document into the package's own lenient
// types: unknown fields are ignored (the standards grow), but a value of the
// wrong JSON type is refused with the field's path.
func decodeLenient(format string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return refuse(format, "%s", jsonReason(err))
	}
	return nil
}

// jsonReason turns encoding/json errors into a sentence naming the field.
func jsonReason(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "document"
		}
		return fmt.Sprintf("%s: expected %s, got JSON %s", field, typeErr.Type, typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("invalid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
