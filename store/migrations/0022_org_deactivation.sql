-- An organization deactivated by the operator: no new cases, its open ones
-- closed; NULL while it is active.
ALTER TABLE orgs ADD COLUMN deactivated_at INTEGER;
