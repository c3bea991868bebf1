"""A real Celery worker process picks up a task from Redis and writes to PostgreSQL.

This is the path every slow or external step of the portal takes in production, so it is
tested with nothing faked: a separate ``celery worker`` process, the real broker, and the test
database, reached through a ``DATABASE_URL`` built from the test settings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.conftest import requires_postgres, requires_redis

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "default"
BIRTH_REGISTRATION = "1.001193"  # Thủ tục đăng ký khai sinh

pytestmark = [requires_postgres, requires_redis, pytest.mark.postgres, pytest.mark.redis]


def _database_url() -> str:
    """The test database (NAME is already ``test_…`` while a test runs) as a URL."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class Worker:
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


def _purge(queue: str) -> None:
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


@pytest.fixture
def celery_worker(request, tmp_path):
    """A real worker on the test's Redis database and the test's PostgreSQL database.

    It is always stopped, and its log is printed at teardown (pytest shows it when the test
    fails).
    """
    _purge(QUEUE)  # nothing left over from an earlier run may be consumed
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "-Q",
        QUEUE,
        "--hostname",
        f"pytest-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(process, log_path)

    def finish():
        worker.stop()
        print(f"--- celery worker log ({log_path}) ---\n{worker.log()}")

    request.addfinalizer(finish)
    worker.wait_until_ready()
    return worker


@pytest.mark.django_db(transaction=True)
def test_worker_rebuilds_the_search_index(popular_subset, celery_worker):
    from procedures.importer import import_records
    from procedures.models import Procedure
    from procedures.search import SearchParams, search
    from procedures.tasks import rebuild_search_index

    report = import_records(popular_subset)
    assert report.rejected == []
    codes = {record["code"] for record in popular_subset}
    assert Procedure.objects.filter(national_code__in=codes).count() == len(codes)
    listed = Procedure.objects.filter(current_version__isnull=False).count()

    Procedure.objects.update(search_name="", search_text="", search_vector=None)
    assert not search(SearchParams(q="dang ky khai sinh")).exists()

    result = rebuild_search_index.delay()
    try:
        refreshed = result.get(timeout=60)
    except Exception as exc:
        pytest.fail(f"the task did not complete: {exc!r}\n{celery_worker.log()}")

    assert refreshed == listed >= len(codes)
    assert result.successful()
    assert not Procedure.objects.filter(
        current_version__isnull=False, search_vector__isnull=True
    ).exists()
    birth = Procedure.objects.get(national_code=BIRTH_REGISTRATION)
    assert birth.search_name == "thu tuc dang ky khai sinh"
    assert BIRTH_REGISTRATION in birth.search_text
    found = list(search(SearchParams(q="dang ky khai sinh"))[:5])
    assert found, "the rebuilt index finds nothing"
    assert found[0].national_code == BIRTH_REGISTRATION
    assert "succeeded in" in celery_worker.log()
