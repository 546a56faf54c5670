-- An advisory's near misses are looked for after it is applied, by a loop
-- of their own (notifier/review.go), not on the intake path: the scan reads
-- every item of the advisory's vendors, and the next advisory waited for it.
-- near_miss_scan is set in the write that marks the advisory applied and
-- cleared in the write that records its near misses, so a scan Heed stopped
-- before is found and done at the next start. Advisories applied before
-- this migration had theirs recorded already: 0.
ALTER TABLE advisories ADD COLUMN near_miss_scan INTEGER NOT NULL DEFAULT 0;
CREATE INDEX advisories_near_miss_scan ON advisories (received_at, id) WHERE near_miss_scan = 1;
