-- An organization's name beside its id, so that reading the names of the
-- organizations an advisory hits (a preview names thousands) finds each in
-- one index: through the primary key's index, each name took a second
-- lookup in the table (docs/PERFORMANCE.md, "Matching one advisory").
-- OrgNames asks for this index by name: SQLite prefers the primary key's.
CREATE INDEX orgs_names ON orgs (id, name);
