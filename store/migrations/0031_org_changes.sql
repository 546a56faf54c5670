-- org_changes counts the changes to organizations and their contacts. An
-- apply renders a batch's notices from a read snapshot and writes them in
-- a later write transaction; when the count is the same in both, no
-- organization or contact changed in between, and the transaction need not
-- read the batch's organizations and contacts again to find out.
CREATE TABLE org_changes (n INTEGER NOT NULL);
INSERT INTO org_changes (n) VALUES (0);
CREATE TRIGGER orgs_inserted AFTER INSERT ON orgs BEGIN UPDATE org_changes SET n = n + 1; END;
CREATE TRIGGER orgs_updated AFTER UPDATE ON orgs BEGIN UPDATE org_changes SET n = n + 1; END;
CREATE TRIGGER orgs_deleted AFTER DELETE ON orgs BEGIN UPDATE org_changes SET n = n + 1; END;
CREATE TRIGGER contacts_inserted AFTER INSERT ON contacts BEGIN UPDATE org_changes SET n = n + 1; END;
CREATE TRIGGER contacts_updated AFTER UPDATE ON contacts BEGIN UPDATE org_changes SET n = n + 1; END;
CREATE TRIGGER contacts_deleted AFTER DELETE ON contacts BEGIN UPDATE org_changes SET n = n + 1; END;
