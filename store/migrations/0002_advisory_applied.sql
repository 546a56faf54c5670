-- An advisory's cases are applied in batches of transactions; applied = 0
-- marks one whose batches have not all committed, so that a redelivery of
-- the same revision finishes the work instead of skipping it.
ALTER TABLE advisories ADD COLUMN applied INTEGER NOT NULL DEFAULT 1;
