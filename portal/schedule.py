"""The periodic tasks (celery beat), collected from the apps.

An app with periodic work keeps a ``schedule.py`` holding ``ENTRIES``: a dict from entry name to
``{"task": "<task name>", "schedule": <seconds or a celery schedule>, "options": {...}}``. The
module names tasks by their string names and imports no model, so collecting it is cheap and
safe before the apps are ready. Names must be unique across apps (a clash is an error, not a
silent overwrite). Imports no app module at import time: this is plumbing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any


def collect(app_names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The beat schedule of ``app_names`` (dotted app modules): their ``schedule.ENTRIES``."""
    schedule: dict[str, dict[str, Any]] = {}
    for name in app_names:
        try:
            module = importlib.import_module(f"{name}.schedule")
        except ModuleNotFoundError as missing:
            if missing.name != f"{name}.schedule":
                raise
            continue
        for entry, spec in getattr(module, "ENTRIES", {}).items():
            if entry in schedule:
                raise ValueError(f"beat entry {entry!r} is declared twice (again in {name})")
            if "task" not in spec or "schedule" not in spec:
                raise ValueError(f"beat entry {entry!r} of {name} needs a task and a schedule")
            schedule[entry] = dict(spec)
    return schedule
