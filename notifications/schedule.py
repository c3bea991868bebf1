"""Beat entries of the notifications (collected by ``portal.schedule``). Each task writes a
notice at most once per step or dossier and day, so running them often only makes them prompt."""

ENTRIES = {
    "notifications-remind-step-holders": {
        "task": "notifications.remind_step_holders",
        "schedule": 15 * 60.0,
        "options": {"queue": "notify"},
    },
    "notifications-flag-overdue": {
        "task": "notifications.flag_overdue",
        "schedule": 60 * 60.0,
        "options": {"queue": "notify"},
    },
    "notifications-propose-apology": {
        "task": "notifications.propose_apology",
        "schedule": 60 * 60.0,
        "options": {"queue": "notify"},
    },
}
