-- Documents that inform without naming affected products (CSAF
-- informational advisories, incident responses, csaf_base documents) are
-- recorded as advisories marked informational: shown, never matched.
ALTER TABLE advisories ADD COLUMN informational INTEGER NOT NULL DEFAULT 0;
