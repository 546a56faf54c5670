-- Match reasons become data: a code and its arguments (reason_args, a JSON
-- array), and how the product was recognized (reason_via "purl" or "cpe",
-- the purl or CPE in reason_key), so that each language renders its own
-- sentence. The English sentences stored so far are read back into codes
-- where they have one of the matcher's shapes; any other keeps code "text",
-- its sentence as the one argument, shown as written.
ALTER TABLE case_items ADD COLUMN reason_code TEXT NOT NULL DEFAULT 'text';
ALTER TABLE case_items ADD COLUMN reason_args TEXT NOT NULL DEFAULT '[]';
ALTER TABLE case_items ADD COLUMN reason_via TEXT NOT NULL DEFAULT '';
ALTER TABLE case_items ADD COLUMN reason_key TEXT NOT NULL DEFAULT '';

-- "<reason>; purl <purl> matches" and "<reason>; CPE <cpe> matches".
UPDATE case_items SET reason_via = 'purl',
	reason_key = substr(reason, instr(reason, '; purl ') + 7, length(reason) - instr(reason, '; purl ') - 14),
	reason = substr(reason, 1, instr(reason, '; purl ') - 1)
WHERE reason GLOB '*; purl * matches';
UPDATE case_items SET reason_via = 'cpe',
	reason_key = substr(reason, instr(reason, '; CPE ') + 6, length(reason) - instr(reason, '; CPE ') - 13),
	reason = substr(reason, 1, instr(reason, '; CPE ') - 1)
WHERE reason GLOB '*; CPE * matches';

UPDATE case_items SET reason_code = 'in_range', reason_args = json_array(
	substr(reason, 9, instr(reason, ' is in range ') - 9), substr(reason, instr(reason, ' is in range ') + 13))
WHERE reason_code = 'text' AND reason GLOB 'version * is in range *';
UPDATE case_items SET reason_code = 'cpe_version', reason_args = json_array(
	substr(reason, 9, instr(reason, ' is the CPE''s version ') - 9), substr(reason, instr(reason, ' is the CPE''s version ') + 22))
WHERE reason_code = 'text' AND reason GLOB 'version * is the CPE''s version *';
UPDATE case_items SET reason_code = 'cpe_pattern', reason_args = json_array(
	substr(reason, 9, instr(reason, ' matches the CPE''s version ') - 9), substr(reason, instr(reason, ' matches the CPE''s version ') + 27))
WHERE reason_code = 'text' AND reason GLOB 'version * matches the CPE''s version *';
UPDATE case_items SET reason_code = 'listed', reason_args = json_array(substr(reason, 9, length(reason) - 8 - 19))
WHERE reason_code = 'text' AND reason GLOB 'version * listed as affected';
UPDATE case_items SET reason_code = 'listed_investigating', reason_args = json_array(substr(reason, 9, length(reason) - 8 - 30))
WHERE reason_code = 'text' AND reason GLOB 'version * listed as under_investigation';
UPDATE case_items SET reason_code = 'all_versions', reason_args = json_array(substr(reason, 17, length(reason) - 16 - 13))
WHERE reason_code = 'text' AND reason GLOB 'all versions of * are affected';
UPDATE case_items SET reason_code = 'all_versions_investigating', reason_args = json_array(substr(reason, 17, length(reason) - 16 - 24))
WHERE reason_code = 'text' AND reason GLOB 'all versions of * are under_investigation';
UPDATE case_items SET reason_code = 'no_version', reason_args = json_array(substr(reason, 27, length(reason) - 26 - 12))
WHERE reason_code = 'text' AND reason GLOB 'no version given; product * is affected';
UPDATE case_items SET reason_code = 'no_version_investigating', reason_args = json_array(substr(reason, 27, length(reason) - 26 - 23))
WHERE reason_code = 'text' AND reason GLOB 'no version given; product * is under investigation';

UPDATE case_items SET reason_args = json_array(reason) WHERE reason_code = 'text';
ALTER TABLE case_items DROP COLUMN reason;
