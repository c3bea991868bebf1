"""Running a real Celery worker in tests, started as the Procfile starts it.

Tests that prove the path through Redis start ``python -m portal.worker`` in a subprocess, on the
test's Redis database and the test's PostgreSQL database (reached through a ``DATABASE_URL``
built from the test settings). :func:`running_worker` is the one way they do it: the worker is
always stopped, and its log is printed at the end (pytest shows it when the test fails).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from portal.queues import QUEUE_NAMES
from tests.conftest import ROOT

# One task at a time in the worker's own process, and none of the cluster chatter between
# workers that would slow the start-up and mix another test's worker into this one.
QUIET_SOLO = [
    "--pool=solo",
    "--concurrency=1",
    "--without-gossip",
    "--without-mingle",
    "--without-heartbeat",
    "--loglevel=INFO",
]


def worker_database_url() -> str:
    """The test database (NAME is already ``test_…`` while a test runs) as a URL."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """A started worker process and the file its output goes to."""

    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker was not ready after {timeout} s:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def purge(queues: list[str]) -> None:
    """Drop what an earlier run left on ``queues``, so the worker consumes only this test's work."""
    from portal.celery import app

    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)


@contextmanager
def running_worker(
    tmp_path: Path, name: str, queues: list[str] | None = None, **env: str
) -> Iterator[Worker]:
    """A ready worker on ``queues`` (every named queue when None) until the block ends.

    ``name`` makes its hostname unique on the broker; ``env`` adds settings for this worker only
    (``PRIVATE_STORAGE_ROOT=…``).
    """
    purge(list(QUEUE_NAMES) if queues is None else queues)
    log_path = tmp_path / f"worker-{name}.log"
    command = [sys.executable, "-m", "portal.worker", f"--hostname={name}-{os.getpid()}@%h"]
    if queues is not None:  # without it, the entry point's own default: every named queue
        command.append(f"--queues={','.join(queues)}")
    command += QUIET_SOLO
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, env=environment, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    worker = Worker(process, log_path)
    try:
        worker.wait_until_ready()
        yield worker
    finally:
        worker.stop()
        print(f"--- celery worker log ({log_path}) ---\n{worker.log()}")
