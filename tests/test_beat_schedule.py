"""The beat schedule is collected from each app's ``schedule.ENTRIES`` (``portal.schedule``)."""

from __future__ import annotations

import sys
import types

import pytest

from portal.celery import app
from portal.schedule import collect


@pytest.fixture
def apps_with_schedules(monkeypatch):
    def app_module(name: str, entries: dict | None) -> None:
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        if entries is not None:
            schedule = types.ModuleType(f"{name}.schedule")
            schedule.ENTRIES = entries
            monkeypatch.setitem(sys.modules, f"{name}.schedule", schedule)

    return app_module


def test_entries_of_every_app_are_collected_and_apps_without_one_are_skipped(apps_with_schedules):
    apps_with_schedules("alpha", {"alpha-sweep": {"task": "alpha.sweep", "schedule": 30.0}})
    apps_with_schedules("beta", None)
    apps_with_schedules("gamma", {"gamma-report": {"task": "gamma.report", "schedule": 3600}})
    assert collect(["alpha", "beta", "gamma"]) == {
        "alpha-sweep": {"task": "alpha.sweep", "schedule": 30.0},
        "gamma-report": {"task": "gamma.report", "schedule": 3600},
    }


def test_a_name_declared_twice_is_an_error(apps_with_schedules):
    apps_with_schedules("alpha", {"sweep": {"task": "alpha.sweep", "schedule": 30}})
    apps_with_schedules("gamma", {"sweep": {"task": "gamma.sweep", "schedule": 30}})
    with pytest.raises(ValueError, match="declared twice"):
        collect(["alpha", "gamma"])


def test_an_entry_without_a_task_is_an_error(apps_with_schedules):
    apps_with_schedules("alpha", {"sweep": {"schedule": 30}})
    with pytest.raises(ValueError, match="needs a task"):
        collect(["alpha"])


def test_the_celery_app_schedules_every_declared_task_and_each_task_exists():
    app.finalize()
    schedule = app.conf.beat_schedule
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name}: no task {entry['task']}"
