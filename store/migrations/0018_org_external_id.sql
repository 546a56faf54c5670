-- The operator's own id for an organization (from a CSV import): a file
-- imported again updates the organization it names instead of adding one.
ALTER TABLE orgs ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX orgs_external_id ON orgs (external_id) WHERE external_id IS NOT NULL;
