-- An advisory's keys are replaced by its advisory id (every revision
-- applied, every advisory at the first start after the way names are
-- matched changed, a confirmed near miss) and deleted with it; the table's
-- key is (key, advisory_id), so each of those statements read every key of
-- every advisory: re-keying the 912 advisories of the shared corpus at a
-- start took 1.1-3.7 s, growing with the square of the advisories stored.
CREATE INDEX advisory_keys_advisory ON advisory_keys (advisory_id);
