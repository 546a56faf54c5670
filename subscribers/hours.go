package subscribers

import (
	"fmt"
	"strings"
	"time"
)

// Always is the business hours of an organization that takes mail at any
// time (the default).
const Always = "always"

// Digest settings of an organization.
const (
	DigestOff   = "off"   // every reminder is its own mail (the default)
	DigestDaily = "daily" // reminders that fall due wait for one mail a day
	// DefaultDigestTime is when, in the organization's time zone, a daily
	// digest goes out unless it says otherwise.
	DefaultDigestTime = "09:00"
)

// Hours is a weekly window in which an organization wants mail that can
// wait (reminders, escalations, first notices of advisories that are
// neither critical nor known exploited), such as "09:00-18:00 Mon-Fri" in
// its own time zone. The zero Hours is "always".
type Hours struct {
	days     [7]bool // by time.Weekday
	from, to int     // minutes after midnight; from < to
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ParseHours reads "always" (or "") or "HH:MM-HH:MM Day[-Day][,Day...]",
// such as "09:00-18:00 Mon-Fri" or "08:30-17:00 Mon-Thu,Sat". A day range
// may wrap the week ("Sat-Mon"); the window may not pass midnight.
func ParseHours(s string) (Hours, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, Always) {
		return Hours{}, nil
	}
	span, days, ok := strings.Cut(s, " ")
	bad := func(why string) (Hours, error) {
		return Hours{}, fmt.Errorf("%q %s; write \"always\" or a window such as \"09:00-18:00 Mon-Fri\"", s, why)
	}
	if !ok {
		return bad("has no days")
	}
	a, b, ok := strings.Cut(span, "-")
	if !ok {
		return bad("has no time span such as 09:00-18:00")
	}
	var h Hours
	var err error
	if h.from, err = clockMinutes(a); err != nil {
		return bad(err.Error())
	}
	if h.to, err = clockMinutes(b); err != nil {
		return bad(err.Error())
	}
	if h.to <= h.from {
		return bad("ends before it starts (a window may not pass midnight)")
	}
	for _, part := range strings.Split(strings.ReplaceAll(days, " ", ""), ",") {
		first, last, isRange := strings.Cut(strings.ToLower(part), "-")
		d1, ok1 := weekdays[first]
		d2, ok2 := weekdays[last]
		if !isRange {
			d2, ok2 = d1, ok1
		}
		if !ok1 || !ok2 {
			return bad(fmt.Sprintf("names no day in %q (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", part))
		}
		for d := d1; ; d = (d + 1) % 7 {
			h.days[d] = true
			if d == d2 {
				break
			}
		}
	}
	return h, nil
}

// clockMinutes reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func clockMinutes(s string) (int, error) {
	var hh, mm int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("has %q where a time such as 09:00 belongs", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &hh, &mm); err != nil || hh > 24 || mm > 59 || hh == 24 && mm > 0 {
		return 0, fmt.Errorf("has %q where a time such as 09:00 belongs", s)
	}
	return hh*60 + mm, nil
}

// ParseDigestTime checks a digest_time, "HH:MM" from 00:00 to 23:59.
func ParseDigestTime(s string) (int, error) {
	m, err := clockMinutes(strings.TrimSpace(s))
	if err != nil || m >= 24*60 {
		return 0, fmt.Errorf("%q is not a time of day such as 09:00", s)
	}
	return m, nil
}

// Always reports whether the window is the whole week.
func (h Hours) Always() bool { return h.to == 0 }

// Next returns the first instant at or after t inside the window, read in
// loc (t itself when it is inside).
func (h Hours) Next(t time.Time, loc *time.Location) time.Time {
	if h.Always() {
		return t
	}
	lt := t.In(loc)
	for i := range 8 {
		y, m, d := lt.Date()
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		if !h.days[day.Weekday()] {
			continue
		}
		start := at(day, h.from, loc)
		end := at(day, h.to, loc)
		if !t.Before(start) && t.Before(end) {
			return t
		}
		if start.After(t) {
			return start
		}
	}
	return t // no day in the window: ParseHours never makes one
}

// NextDaily returns the first instant at or after t that is minutes after
// midnight in loc, for a daily digest.
func NextDaily(t time.Time, minutes int, loc *time.Location) time.Time {
	lt := t.In(loc)
	y, m, d := lt.Date()
	for i := range 3 {
		if next := at(time.Date(y, m, d+i, 0, 0, 0, 0, loc), minutes, loc); !next.Before(t) {
			return next
		}
	}
	return t
}

// at is minutes after the midnight that starts day, as a wall-clock time (a
// daylight-saving change moves it, as people expect).
func at(day time.Time, minutes int, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), minutes/60, minutes%60, 0, 0, loc)
}
