package cpe

import (
	"strings"
	"testing"
)

func lit(s string) Value { return Value{Kind: Literal, Text: s} }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                       string
		part, vendor, product    Value
		version, update, swEdTgt Value
		str                      string
	}{
		{"cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*", lit("a"), lit("ivanti"), lit("connect_secure"), lit("9.0"), lit("r3.3"), Value{},
			"cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*"},
		{"CPE:2.3:A:PulseSecure:Pulse_Connect_Secure:-:*:*:*:*:*:*:*", lit("a"), lit("pulsesecure"), lit("pulse_connect_secure"), Value{Kind: NA}, Value{}, Value{},
			"cpe:2.3:a:pulsesecure:pulse_connect_secure:-:*:*:*:*:*:*:*"},
		{`cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*`, lit("a"), lit("hp"), lit("insight_diagnostics"), lit("7.4.0.1570"), Value{Kind: NA}, lit("online"),
			`cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*`},
		{`cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*`, lit("a"), lit(`foo\bar`), lit("big$money_2010"), Value{}, Value{}, lit("special"),
			`cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*`},
		{`cpe:2.3:a:apache:log4j:2.0\-beta9:*:*:*:*:*:*:*`, lit("a"), lit("apache"), lit("log4j"), lit("2.0-beta9"), Value{}, Value{},
			`cpe:2.3:a:apache:log4j:2.0-beta9:*:*:*:*:*:*:*`},
		{`cpe:2.3:a:microsoft:*_server:2019??:*:*:*:*:*:*:*`, lit("a"), lit("microsoft"), Value{Kind: Literal, Text: "_server", Prefix: -1},
			Value{Kind: Literal, Text: "2019", Suffix: 2}, Value{}, Value{}, `cpe:2.3:a:microsoft:*_server:2019??:*:*:*:*:*:*:*`},
		{"cpe:/a:pulsesecure:pulse_connect_secure:9.0:r3.3", lit("a"), lit("pulsesecure"), lit("pulse_connect_secure"), lit("9.0"), lit("r3.3"), Value{},
			`cpe:2.3:a:pulsesecure:pulse_connect_secure:9.0:r3.3:*:*:*:*:*:*`},
		{"cpe:/o:microsoft:windows_xp:::pro", lit("o"), lit("microsoft"), lit("windows_xp"), Value{}, Value{}, Value{},
			`cpe:2.3:o:microsoft:windows_xp:*:*:pro:*:*:*:*:*`},
		{"cpe:/a:foo%5cbar:big%24money_2010%02:%01%01:-:~~special~ipod_touch~80gb~", lit("a"), lit(`foo\bar`), Value{Kind: Literal, Text: "big$money_2010", Suffix: -1},
			Value{Kind: Literal, Prefix: 2}, Value{Kind: NA}, lit("special"), `cpe:2.3:a:foo\\bar:big\$money_2010*:??:-:*:*:special:ipod_touch:80gb:*`},
		{"cpe:/a:fortinet", lit("a"), lit("fortinet"), Value{}, Value{}, Value{}, Value{}, "cpe:2.3:a:fortinet:*:*:*:*:*:*:*:*:*"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if n.Part != tt.part || n.Vendor != tt.vendor || n.Product != tt.product || n.Version != tt.version || n.Update != tt.update || n.SWEdition != tt.swEdTgt && n.Edition != tt.swEdTgt {
				t.Errorf("got %+v", n)
			}
			if s := n.String(); s != tt.str {
				t.Errorf("String() = %s, want %s", s, tt.str)
			}
			back, err := Parse(n.String())
			if err != nil || back != n {
				t.Errorf("round trip: %+v, %v", back, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "does not start with"},
		{"cpe:2.3:a:ivanti", "has 2 components"},
		{"cpe:2.3:x:ivanti:connect_secure:*:*:*:*:*:*:*:*", `part "x"`},
		{"cpe:2.3:a:iva*nti:connect_secure:*:*:*:*:*:*:*:*", "not at the start or end"},
		{"cpe:2.3:a:ivanti:connect secure:*:*:*:*:*:*:*:*", "character ' '"},
		{"cpe:2.3:a:ivanti:connect!secure:*:*:*:*:*:*:*:*", "unquoted character '!'"},
		{"cpe:2.3:a:ivanti::*:*:*:*:*:*:*:*", "product: empty component"},
		{`cpe:2.3:a:ivanti:x:*:*:*:*:*:*:*:\`, `ends with "\"`},
		{"cpe:/a:b:c:d:e:f:g:h", "at most 7"},
		{"cpe:/a:b%zz", "bad percent-encoding"},
		{"cpe:/a:b%2", "truncated"},
		{"cpe:/a:b:c:d:e:~x~y", "packed edition"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error saying %q", tt.in, err, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	any, na := Value{Kind: Any}, Value{Kind: NA}
	wild := func(pre int, s string, suf int) Value { return Value{Kind: Literal, Text: s, Prefix: pre, Suffix: suf} }
	tests := []struct {
		source, target Value
		want           Relation
	}{
		{any, any, Equal},
		{any, na, Superset},
		{any, lit("ivanti"), Superset},
		{na, any, Subset},
		{na, na, Equal},
		{na, lit("ivanti"), Disjoint},
		{lit("ivanti"), any, Subset},
		{lit("ivanti"), na, Disjoint},
		{lit("ivanti"), lit("ivanti"), Equal},
		{lit("ivanti"), lit("pulsesecure"), Disjoint},
		{wild(-1, "_server", 0), lit("exchange_server"), Superset},
		{wild(-1, "_server", 0), lit("exchange_server_x"), Disjoint},
		{wild(0, "connect", -1), lit("connect_secure"), Superset},
		{wild(0, "2019", 2), lit("2019"), Superset},
		{wild(0, "2019", 2), lit("2019ab"), Superset},
		{wild(0, "2019", 2), lit("2019abc"), Disjoint},
		{wild(1, "019", 0), lit("2019"), Superset},
		{wild(1, "019", 0), lit("22019"), Disjoint},
		{wild(-1, "", -1), lit("x"), Superset},
		{wild(-1, "x", 0), any, Subset},
		{wild(-1, "x", 0), na, Disjoint},
		{lit("x"), wild(-1, "x", 0), Undefined},
		{any, wild(0, "x", -1), Undefined},
	}
	for _, tt := range tests {
		if got := Compare(tt.source, tt.target); got != tt.want {
			t.Errorf("Compare(%s, %s) = %s, want %s", tt.source, tt.target, got, tt.want)
		}
	}
}

func TestVersionString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*", "9.0r3.3"},
		{"cpe:2.3:a:ivanti:connect_secure:9.0:*:*:*:*:*:*:*", "9.0"},
		{"cpe:2.3:a:ivanti:connect_secure:9.0:-:*:*:*:*:*:*", "9.0"},
		{"cpe:2.3:o:fortinet:fortios:6.4:1:*:*:*:*:*:*", "6.4-1"},
		{"cpe:2.3:a:ivanti:connect_secure:*:r3:*:*:*:*:*:*", ""},
		{"cpe:2.3:a:ivanti:connect_secure:9.*:*:*:*:*:*:*:*", ""},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.VersionString(); got != tt.want {
			t.Errorf("%s: VersionString() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics and that what it accepts binds
// to a formatted string that parses back to the same name.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*", `cpe:2.3:a:foo\\bar:big\$money:*:*:*:*:*:*:*:*`,
		"cpe:/a:pulsesecure:pulse_connect_secure:9.0:r3.3", "cpe:/a:foo%5cbar:big%24money_2010%02:%01%01:-:~~special~ipod_touch~80gb~",
		`cpe:2.3:a:microsoft:*_server:2019??:*:*:*:*:*:*:*`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(n.String())
		if err != nil {
			t.Fatalf("%q parsed to %s which does not parse: %v", s, n, err)
		}
		if back != n {
			t.Fatalf("%q: %+v bound to %s and parsed back as %+v", s, n, n.String(), back)
		}
		for i, r := range compareNames(n, back) {
			if r != Equal && !(r == Undefined && n.attrs()[i].HasWildcards()) {
				t.Fatalf("%s is not equal to itself: %v", n, compareNames(n, back))
			}
		}
	})
}

// compareNames relates every attribute of source to target's.
func compareNames(source, target Name) [11]Relation {
	var out [11]Relation
	s, t := source.attrs(), target.attrs()
	for i := range out {
		out[i] = Compare(*s[i], *t[i])
	}
	return out
}
