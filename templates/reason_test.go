package templates

import "testing"

func TestLocalizeReason(t *testing.T) {
	tests := []struct{ in, want string }{
		{"version 9.0R3.3 is in range [9.0R1, 9.0R3.4)", "バージョン 9.0R3.3 は影響範囲 [9.0R1, 9.0R3.4) に含まれます"},
		{"version 9.0R1 listed as affected", "バージョン 9.0R1 は影響を受けるバージョンとして記載されています"},
		{"no version given; product Pulse Connect Secure is affected", "バージョンが登録されていません。製品 Pulse Connect Secure は影響を受けます"},
		{"all versions of log4j-core are affected; purl pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 matches",
			"log4j-core の全バージョンが影響を受けます（purl pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 で一致）"},
		{"version 9.0r3.3 is the CPE's version 9.0r3.3; CPE cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:* matches",
			"バージョン 9.0r3.3 は CPE のバージョン 9.0r3.3 に該当します（CPE cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:* で一致）"},
		{"a sentence of a shape not known here", "a sentence of a shape not known here"},
	}
	for _, tt := range tests {
		if got := localizeReason("ja-JP", tt.in); got != tt.want {
			t.Errorf("localizeReason(ja, %q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if got := localizeReason("en", tt.in); got != tt.in {
			t.Errorf("English reason changed: %q", got)
		}
	}
}

func TestAckError(t *testing.T) {
	if got := AckError("ja", "note"); got != "影響がない理由をご記入ください。" {
		t.Errorf("AckError(ja, note) = %q", got)
	}
	if got := AckError("en", "csrf"); got == "" || got == AckError("en", "form") {
		t.Errorf("AckError(en, csrf) = %q", got)
	}
	if got := AckError("ja", "no-such-code"); got != AckError("ja", "form") {
		t.Errorf("unknown code gives %q, want the form message", got)
	}
}
