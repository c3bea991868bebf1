"""Names of the notification topics of the outbox (declared in :mod:`.outbox_topics`)."""

EMAIL = "notifications.email"
SMS = "notifications.sms"
