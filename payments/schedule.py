"""Beat entries of the payments app (collected by portal.schedule)."""

from portal.settings.env import env_int

ENTRIES = {
    "payments-settle-pending": {
        "task": "payments.settle_pending",
        "schedule": env_int("PAYMENT_SETTLE_EVERY_SECONDS", 60),
        "options": {"expires": 50},
    },
}
