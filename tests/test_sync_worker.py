"""The whole path with real processes: a real Celery worker relays pushes, the real stand-in
(its own process and database) receives them and polls the change feed served by a live portal.
The stand-in is down for a while, then back: everything arrives, nothing is applied twice, and the
reconciliation reports 0 0 0."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from dossiers.lifecycle import transitions
from identity.machine import ensure_client
from identity.models import Role
from outbox.models import Message
from sync import push
from sync.models import ChangeRecord
from tests.conftest import ROOT, requires_postgres, requires_redis
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory
from tests.test_sandbox_national_portal import CLIENT_SECRET, PUSH_TOKEN, start_sandbox
from tests.worker_process import running_worker

pytestmark = [requires_postgres, requires_redis, pytest.mark.postgres, pytest.mark.redis]

DOSSIERS = 3


@pytest.fixture
def marriage_procedure(catalogue_records):
    """Transactional tests see an empty database: load the one procedure the factories use."""
    from procedures.importer import import_records
    from tests.factories import MARRIAGE

    report = import_records([r for r in catalogue_records if r["code"] == MARRIAGE])
    assert report.rejected == []


@contextmanager
def polling(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """The stand-in's poller (the Procfile's natportal_poll) until the block ends."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "national_portal_poll"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"--- poller log ---\n{log_path.read_text()}")


def kick_the_sweep() -> None:
    """Beat's job (outbox.sweep every few seconds), done by the test."""
    from outbox.tasks import sweep

    sweep.delay()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        kick_the_sweep()
        time.sleep(1)


@pytest.mark.django_db(transaction=True)
def test_the_stand_in_down_then_back_gets_every_change_once_by_push_and_pull(
    live_server, tmp_path, settings, marriage_procedure
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    ensure_client("cong-dvc-quoc-gia", "Cổng DVC quốc gia", "sync:read", secret=CLIENT_SECRET)
    reception = OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)
    with start_sandbox(
        tmp_path / "sandbox",
        SANDBOX_NATIONAL_PORTAL_FEED_URL=live_server.url,
        SANDBOX_NATIONAL_PORTAL_POLL_SECONDS="1",
    ) as box:
        settings.NATIONAL_PORTAL_URL = box.base
        settings.NATIONAL_PORTAL_PUSH_TOKEN = PUSH_TOKEN
        assert box.set_fault(mode="down").status_code == 200
        worker_env = {
            "NATIONAL_PORTAL_URL": box.base,
            "NATIONAL_PORTAL_PUSH_TOKEN": PUSH_TOKEN,
            "NATIONAL_PORTAL_TIMEOUT_SECONDS": "5",
            "SYNC_PUSH_BACKOFF_SECONDS": "1",
            "SYNC_PUSH_BACKOFF_MAX_SECONDS": "2",
            "SYNC_PUSH_MAX_ATTEMPTS": "100",
        }
        with (
            running_worker(tmp_path, "sync", ["sync", "default"], **worker_env) as worker,
            polling(box.env, tmp_path / "poller.log"),
        ):
            codes = []
            for n in range(DOSSIERS):
                applicant = CitizenFactory(id_number=f"0790852{n:05d}", full_name=f"Người {n}")
                dossier = DossierFactory(submitted=True, applicant=applicant)
                dossier = transitions.receive(dossier, reception)
                transitions.route(dossier, reception)
                codes.append(dossier.code)
            expected = ChangeRecord.objects.count()
            assert expected == DOSSIERS * 5

            # Down: pushes fail and are retried, the poller is paused; nothing arrives.
            wait_for(
                lambda: Message.objects.filter(topic=push.TOPIC, attempts__gte=2).exists(),
                60,
                "a push retried while the stand-in is down",
            )
            time.sleep(3)
            assert box.sql("select count(*) from nationalportal_receivedenvelope") == [(0,)]

            assert box.set_fault(mode="ok").status_code == 200

            def everything_arrived() -> bool:
                delivered = Message.objects.filter(topic=push.TOPIC, state="delivered").count()
                stored = box.sql("select count(*) from nationalportal_receivedenvelope")[0][0]
                return delivered == expected and stored == expected

            wait_for(everything_arrived, 120, f"{expected} changes delivered and stored")
            # The poller catches up too (its copies of what a push brought are duplicates).
            time.sleep(4)
            assert "sync.push" in worker.log()

        rows = box.sql(
            "select dossier_code, version, count(*) from nationalportal_receivedenvelope "
            "group by dossier_code, version order by dossier_code, version"
        )
        assert rows == [(code, v, 1) for code in sorted(codes) for v in range(1, 6)]
        for code in codes:
            assert box.mirrored(code)["version"] == 5
            assert box.mirrored(code)["status"] == 4
        out = StringIO()
        call_command("reconcile_national_portal", stdout=out)
        assert out.getvalue().splitlines()[1:4] == ["missing: 0", "stale: 0", "mismatched: 0"]
