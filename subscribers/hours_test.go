package subscribers

import (
	"strings"
	"testing"
	"time"
)

func TestParseHoursRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"9-18 Mon-Fri", "where a time such as 09:00 belongs"},
		{"09:00-18:00", "has no days"},
		{"18:00-09:00 Mon-Fri", "ends before it starts"},
		{"09:00-18:00 Mon-Fry", "names no day"},
		{"09:00-25:00 Mon", "where a time such as 09:00 belongs"},
		{"weekdays", "has no days"},
	} {
		_, err := ParseHours(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseHours(%q) = %v; want an error saying %q", tt.in, err, tt.want)
		}
	}
}

func TestHoursNext(t *testing.T) {
	t.Parallel()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	ny, _ := time.LoadLocation("America/New_York")
	in := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	for _, tt := range []struct {
		hours string
		loc   *time.Location
		t     time.Time
		want  time.Time
	}{
		{"always", tokyo, in(tokyo, 3, 3, 0), in(tokyo, 3, 3, 0)},
		{"09:00-18:00 Mon-Fri", tokyo, in(tokyo, 3, 3, 0), in(tokyo, 3, 9, 0)},     // Tuesday night
		{"09:00-18:00 Mon-Fri", tokyo, in(tokyo, 3, 12, 30), in(tokyo, 3, 12, 30)}, // inside
		{"09:00-18:00 Mon-Fri", tokyo, in(tokyo, 3, 18, 0), in(tokyo, 4, 9, 0)},    // the end is outside
		{"09:00-18:00 Mon-Fri", tokyo, in(tokyo, 6, 19, 0), in(tokyo, 9, 9, 0)},    // Friday evening to Monday
		{"09:00-18:00 Sat-Mon", tokyo, in(tokyo, 3, 10, 0), in(tokyo, 7, 9, 0)},    // a range that wraps the week
		{"08:30-17:00 Mon,Wed", tokyo, in(tokyo, 3, 10, 0), in(tokyo, 4, 8, 30)},
		// New York moves its clocks on Sunday 8 March 2026: 09:00 stays 09:00.
		{"09:00-17:00 Mon-Fri", ny, in(ny, 6, 18, 0), in(ny, 9, 9, 0)},
	} {
		h, err := ParseHours(tt.hours)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Next(tt.t, tt.loc); !got.Equal(tt.want) {
			t.Errorf("%q from %s: %s; want %s", tt.hours, tt.t, got.In(tt.loc), tt.want)
		}
	}
}

func TestNextDaily(t *testing.T) {
	t.Parallel()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	nine := time.Date(2026, 3, 3, 9, 0, 0, 0, tokyo)
	for _, tt := range []struct{ t, want time.Time }{
		{nine.Add(-time.Hour), nine},
		{nine, nine},
		{nine.Add(time.Second), nine.Add(day)},
	} {
		if got := NextDaily(tt.t, 9*60, tokyo); !got.Equal(tt.want) {
			t.Errorf("NextDaily(%s) = %s; want %s", tt.t, got, tt.want)
		}
	}
}

const day = 24 * time.Hour

func TestOrgSpecNamesTheMailSettingThatIsWrong(t *testing.T) {
	t.Parallel()
	base := OrgSpec{Name: "A", Contacts: []ContactSpec{{Email: "a@a.test"}}}
	for _, tt := range []struct {
		edit func(*OrgSpec)
		want string
	}{
		{func(s *OrgSpec) { s.BusinessHours = "nine to five" }, "business_hours: "},
		{func(s *OrgSpec) { s.Digest = "weekly" }, "digest: "},
		{func(s *OrgSpec) { s.DigestTime = "9am" }, "digest_time: "},
	} {
		s := base
		tt.edit(&s)
		if _, err := s.Org("org_a", time.Time{}); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%+v: %v; want an error starting %q", s, err, tt.want)
		}
	}
	o, err := base.Org("org_a", time.Time{})
	if err != nil || o.BusinessHours != Always || o.Digest != DigestOff || o.DigestTime != DefaultDigestTime {
		t.Errorf("defaults: %+v, %v", o, err)
	}
}
