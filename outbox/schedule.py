"""Beat entries of the outbox (collected by ``portal.schedule``)."""

ENTRIES = {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": 5.0},
    "outbox-purge-delivered": {"task": "outbox.purge_delivered", "schedule": 6 * 3600.0},
}
