-- A rejected document is kept up to 64 KiB, with its full size and the
-- SHA-256 of the whole, so that a flood of 8 MiB junk cannot fill the disk
-- and the original can still be recognized. Rows from before keep what they
-- had, cut to 64 KiB; their digest was never taken.
ALTER TABLE rejected ADD COLUMN payload_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rejected ADD COLUMN payload_sha256 TEXT NOT NULL DEFAULT '';
UPDATE rejected SET payload_size = length(payload);
UPDATE rejected SET payload = substr(payload, 1, 65536) WHERE length(payload) > 65536;
