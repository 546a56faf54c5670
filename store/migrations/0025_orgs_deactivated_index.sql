-- The deactivated organizations are read at every advisory (to drop them
-- from its hits): without an index that read scanned every organization,
-- 8-10 ms of the 30 an advisory may take to match among 100,000 of them
-- (docs/PERFORMANCE.md). Few are deactivated, so the index is small.
CREATE INDEX orgs_deactivated ON orgs (id) WHERE deactivated_at IS NOT NULL;
