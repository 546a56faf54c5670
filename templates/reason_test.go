package templates

import (
	"io"
	"strings"
	"testing"
)

// TestReasonText renders each kind of match reason in both languages, with
// and without the clause saying how the product was recognized, and shows a
// code it does not know (or a wrong number of arguments) as data.
func TestReasonText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r      Reason
		en, ja string
	}{
		{Reason{Code: "in_range", Args: []string{"9.0R3.3", "[9.0R1, 9.0R3.4)"}},
			"version 9.0R3.3 is in range [9.0R1, 9.0R3.4)", "バージョン 9.0R3.3 は影響範囲 [9.0R1, 9.0R3.4) に含まれます"},
		{Reason{Code: "listed", Args: []string{"9.0R1"}},
			"version 9.0R1 listed as affected", "バージョン 9.0R1 は影響を受けるバージョンとして記載されています"},
		{Reason{Code: "no_version", Args: []string{"Pulse Connect Secure"}},
			"no version given; product Pulse Connect Secure is affected", "バージョンが登録されていません。製品 Pulse Connect Secure は影響を受けます"},
		{Reason{Code: "all_versions", Args: []string{"log4j-core"}, Via: "purl", Key: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			"all versions of log4j-core are affected; purl pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 matches",
			"log4j-core の全バージョンが影響を受けます（purl pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 で一致）"},
		{Reason{Code: "cpe_version", Args: []string{"9.0r3.3", "9.0r3.3"}, Via: "cpe", Key: "cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*"},
			"version 9.0r3.3 is the CPE's version 9.0r3.3; CPE cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:* matches",
			"バージョン 9.0r3.3 は CPE のバージョン 9.0r3.3 に該当します（CPE cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:* で一致）"},
		{Reason{Code: "text", Args: []string{"a sentence stored before codes"}},
			"a sentence stored before codes", "a sentence stored before codes"},
		{Reason{Code: "new_code", Args: []string{"1", "2"}}, "new_code(1, 2)", "new_code(1, 2)"},
		{Reason{Code: "in_range", Args: []string{"1"}}, "in_range(1)", "in_range(1)"},
		{Reason{Code: "listed", Args: []string{"100%s"}}, "version 100%s listed as affected", "バージョン 100%s は影響を受けるバージョンとして記載されています"},
		{Reason{}, "", ""},
	}
	for _, tt := range tests {
		if got := ReasonText("en", tt.r); got != tt.en {
			t.Errorf("ReasonText(en, %+v)\n got %q\nwant %q", tt.r, got, tt.en)
		}
		if got := ReasonText("ja-JP", tt.r); got != tt.ja {
			t.Errorf("ReasonText(ja, %+v)\n got %q\nwant %q", tt.r, got, tt.ja)
		}
	}
}

func TestAckError(t *testing.T) {
	t.Parallel()
	if got := AckError("ja", "justification"); got != "影響がない理由をお選びください。" {
		t.Errorf("AckError(ja, justification) = %q", got)
	}
	if got := AckError("en", "csrf"); got == "" || got == AckError("en", "form") {
		t.Errorf("AckError(en, csrf) = %q", got)
	}
	if got := AckError("ja", "no-such-code"); got != AckError("ja", "form") {
		t.Errorf("unknown code gives %q, want the form message", got)
	}
}

// TestMissingSentenceIsAnError: a key the catalogs lack makes the render
// fail with an error naming it, on the rendering worker, without a panic.
func TestMissingSentenceIsAnError(t *testing.T) {
	t.Parallel()
	v := newView("ja", nil)
	if err := v.missingErr(); err != nil {
		t.Fatalf("fresh view: %v", err)
	}
	if got := v.t("no.such.key"); got != "no.such.key" {
		t.Errorf("t = %q", got)
	}
	err := render(io.Discard, errorPage, errorView{view: v, E: ErrorPage{Lang: "ja", Status: 404, Message: "x"}})
	if err == nil || !strings.Contains(err.Error(), "no.such.key") {
		t.Errorf("render after a missing key: %v, want an error naming it", err)
	}
}

// TestReasonSentencesTakeTheirArgumentsInOrder: Why counts a sentence's %s
// to refuse a reason with the wrong number of arguments, which holds only
// while reason sentences use plain %s and both languages take as many.
func TestReasonSentencesTakeTheirArgumentsInOrder(t *testing.T) {
	for key, en := range catalogEN {
		if !strings.HasPrefix(key, "reason.") {
			continue
		}
		ja := catalogJA[key]
		if strings.Count(en, "%") != strings.Count(en, "%s") || strings.Count(ja, "%") != strings.Count(ja, "%s") {
			t.Errorf("%s: a verb other than %%s in %q or %q", key, en, ja)
		}
		if strings.Count(en, "%s") != strings.Count(ja, "%s") {
			t.Errorf("%s: English takes %d arguments, Japanese %d", key, strings.Count(en, "%s"), strings.Count(ja, "%s"))
		}
	}
}
