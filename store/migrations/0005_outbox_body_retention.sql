-- The bodies of mails in a final state are removed after the retention
-- (store.mail_body_retention); the row, the record that a mail was sent, to
-- whom, when and what the relay answered, stays. This index finds the bodies
-- still kept, oldest first, without reading the whole outbox.
CREATE INDEX outbox_kept_bodies ON outbox (created_at)
	WHERE state IN ('sent', 'failed', 'cancelled') AND length(message) > 0;
