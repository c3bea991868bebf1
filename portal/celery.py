"""The Celery application: one per project, configured from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _collect_beat_schedule(sender: Celery, **_: object) -> None:
    """Each app's ``schedule.ENTRIES`` (``portal.schedule``) joins the beat schedule."""
    from django.conf import settings

    from portal.schedule import collect

    collected = collect(settings.INSTALLED_APPS)
    sender.conf.beat_schedule = {**(sender.conf.beat_schedule or {}), **collected}
