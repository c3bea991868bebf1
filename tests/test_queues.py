"""Queue names live in one place (portal/queues.py): routing, the Procfile and compose use it.

A queue that is routed to but not consumed holds its tasks forever, and one consumed but not
named is a typo nobody sees; these tests compare what each process would really do.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal.celery import app
from portal.queues import DEFAULT_QUEUE, QUEUE_NAMES, QUEUES, parse_names, task_routes
from portal.worker import celery_command
from tests.conftest import requires_redis
from tests.worker_process import running_worker

ROOT = Path(__file__).resolve().parent.parent


def consumed_queues(command: list[str]) -> list[str]:
    """The queues a ``python -m portal.worker …`` command line makes its worker consume."""
    start = command.index("portal.worker")
    assert command[start - 1] == "-m", command
    celery = celery_command(command[start + 1 :])
    [queues] = [arg.partition("=")[2] for arg in celery if arg.startswith("--queues=")]
    return queues.split(",")


def procfile_command(process: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return shlex.split(command)
    raise AssertionError(f"no {process} in the Procfile")


def test_the_queues_are_named_once_with_their_purpose():
    assert QUEUE_NAMES == ("default", "routing", "documents", "sync", "notify", "payments")
    assert len(set(QUEUE_NAMES)) == len(QUEUE_NAMES)
    assert all(queue.purpose for queue in QUEUES)
    assert DEFAULT_QUEUE in QUEUE_NAMES


def test_the_procfile_worker_consumes_exactly_the_named_queues():
    command = procfile_command("worker")
    assert "--queues" not in command and "-Q" not in command, "the list comes from portal.queues"
    assert consumed_queues(command) == list(QUEUE_NAMES)


def test_the_compose_worker_consumes_exactly_the_named_queues():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = [str(arg) for arg in compose["services"]["worker"]["command"]]
    assert not any(arg.startswith(("--queues", "-Q")) for arg in command)
    assert consumed_queues(command) == list(QUEUE_NAMES)


def test_the_settings_declare_and_route_with_the_named_queues(settings):
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == list(QUEUE_NAMES)
    assert settings.CELERY_TASK_DEFAULT_QUEUE == DEFAULT_QUEUE
    assert task_routes() == settings.CELERY_TASK_ROUTES
    assert {route["queue"] for route in task_routes().values()} <= set(QUEUE_NAMES)


def test_every_task_is_routed_to_a_named_queue():
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert {"dossiers.render_receipt", "procedures.rebuild_search_index"} <= set(ours)
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in ours}
    assert set(routed.values()) <= set(QUEUE_NAMES), routed
    assert routed["dossiers.render_receipt"] == "documents"
    assert routed["procedures.rebuild_search_index"] == DEFAULT_QUEUE


def test_a_worker_may_take_a_subset_but_no_unknown_queue():
    assert consumed_queues(["python", "-m", "portal.worker", "-Q", "documents,sync"]) == [
        "documents",
        "sync",
    ]
    command = celery_command(["--queues=notify", "--concurrency", "2"])
    assert command[-3:] == ["--queues=notify", "--concurrency", "2"]
    for wrong in ("documnets", "", "default,mail"):
        with pytest.raises(ValueError, match="the queues are: default, routing"):
            parse_names(wrong)


def test_the_entry_point_refuses_an_unknown_queue_before_starting_celery():
    result = subprocess.run(
        [sys.executable, "-m", "portal.worker", "--queues=documnets"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unknown queue(s) documnets" in result.stderr


@requires_redis
@pytest.mark.redis
def test_the_entry_point_starts_a_worker_on_every_named_queue(tmp_path):
    with running_worker(tmp_path, "queues") as worker:
        pass
    banner = worker.log().partition("[tasks]")[0]
    # Celery lists the queues it consumes in its start-up banner, sorted by name.
    assert re.findall(r"\.> (\w+)\s+exchange=", banner) == sorted(QUEUE_NAMES)
