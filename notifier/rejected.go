package notifier

// PublisherOf names the configured publisher that owns a NATS subject, or
// "" when none does: the page of refused documents says whose each was
// (a document refused for its subject has none).
func (in *Intake) PublisherOf(subject string) string {
	p, err := in.publishers.ForSubject(subject)
	if err != nil {
		return ""
	}
	return p.Name
}
