-- When an organization wants mail: business_hours is "always" or a weekly
-- window such as "09:00-18:00 Mon-Fri" in its time zone; digest "daily"
-- gathers the reminders that fall due into one mail at digest_time.
ALTER TABLE orgs ADD COLUMN business_hours TEXT NOT NULL DEFAULT 'always';
ALTER TABLE orgs ADD COLUMN digest TEXT NOT NULL DEFAULT 'off' CHECK (digest IN ('off', 'daily'));
ALTER TABLE orgs ADD COLUMN digest_time TEXT NOT NULL DEFAULT '09:00';
