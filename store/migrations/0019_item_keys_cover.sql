-- Each candidate-lookup key carries a copy of its item, so that the
-- candidates of an advisory are read as one range of item_keys instead of
-- one lookup in items per candidate: 10,000 candidates of 1,000,000 items
-- cost 8 ms instead of 20-25 ms (docs/PERFORMANCE.md). The copy is written
-- with the key (Tx.ReplaceInventory); items are never updated in place, and
-- the trigger fills a key inserted without its copy, so the copy is never
-- missing.
ALTER TABLE item_keys ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE item_keys ADD COLUMN vendor TEXT NOT NULL DEFAULT '';
ALTER TABLE item_keys ADD COLUMN product TEXT NOT NULL DEFAULT '';
ALTER TABLE item_keys ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE item_keys ADD COLUMN cpe TEXT NOT NULL DEFAULT '';
ALTER TABLE item_keys ADD COLUMN purl TEXT NOT NULL DEFAULT '';
ALTER TABLE item_keys ADD COLUMN asset TEXT NOT NULL DEFAULT '';

UPDATE item_keys SET (org_id, vendor, product, version, cpe, purl, asset) =
	(SELECT i.org_id, i.vendor, i.product, i.version, i.cpe, i.purl, i.asset FROM items i WHERE i.id = item_keys.item_id);

CREATE TRIGGER item_keys_copy AFTER INSERT ON item_keys WHEN NEW.org_id = '' BEGIN
	UPDATE item_keys SET (org_id, vendor, product, version, cpe, purl, asset) =
		(SELECT i.org_id, i.vendor, i.product, i.version, i.cpe, i.purl, i.asset FROM items i WHERE i.id = NEW.item_id)
	WHERE key = NEW.key AND item_id = NEW.item_id;
END;

-- An item changed in place (nothing does so today) keeps its copies true.
CREATE TRIGGER items_copy AFTER UPDATE ON items BEGIN
	UPDATE item_keys SET (org_id, vendor, product, version, cpe, purl, asset) =
		(NEW.org_id, NEW.vendor, NEW.product, NEW.version, NEW.cpe, NEW.purl, NEW.asset)
	WHERE item_id = NEW.id;
END;
