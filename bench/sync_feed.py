"""Benchmark: the national-portal sync on PostgreSQL. Not a test: it prints figures.

    .venv/bin/python bench/sync_feed.py [--changes 20000] [--dossiers 500]
                                        [--outage-seconds 300] [--outage-rate 20]

1. **Feed**: ``--changes`` change records over ``--dossiers`` dossiers are read from the start
   with ``limit=1000`` through ``gunicorn portal.wsgi`` (2 workers) by one machine client, as the
   national portal polls; prints changes per second (goal ≥ 5,000/s).
2. **Push**: the same changes go through the outbox relay (topic ``sync.push``) with two Celery
   workers to the national-portal stand-in (the sandbox, on its own PostgreSQL database); prints
   changes per second delivered.
3. **Outage**: the stand-in is down (fault switch ``down``) for ``--outage-seconds`` while new
   changes keep coming at ``--outage-rate`` per second; prints the lag (age of the oldest
   undelivered change) when it comes back and how long until everything is delivered.

The dossiers are one dossier filed through the real services (bench/reads.py's citizen) and
copies of its row under new codes; the records carry its real payload with the code changed,
so the feed and the stand-in handle real payload sizes. Uses ``DATABASE_URL`` or
``postgres://postgres@127.0.0.1:5432/portal_bench_sync`` (created if missing) and Redis at
``REDIS_URL`` or ``redis://127.0.0.1:6379/14``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue_search import ROOT, free_port, start_server, stop_server, wait_until_up  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_sync"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PUSH_TOKEN = "bench-push-token"  # noqa: S105 - the bench's own stand-in
FEED_GOAL = 5000.0
CLIENT = "bench-national-portal"
# Codes of the dossier copies (the stand-in checks the national code format).
BENCH_AGENCY = "H29.99"


def environment() -> tuple[str, dict[str, str]]:
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "NATIONAL_PORTAL_PUSH_TOKEN": PUSH_TOKEN,
        "SYNC_PUSH_MAX_ATTEMPTS": "50",  # an outage must not dead-letter the bench's changes
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    return database_url, env


def create_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        name = parts.path.lstrip("/")
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def prepare(changes: int, dossiers: int) -> tuple[list, dict]:
    """Migrate, file the bench dossier, copy it to ``dossiers`` codes and write ``changes``
    records over them (with their outbox messages). Returns the dossiers and the payload."""
    import uuid

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    from django.db import connection
    from reads import PROCEDURE, prepare_reader

    from dossiers.models import Dossier
    from identity.machine import ensure_client
    from outbox.models import Message
    from procedures.importer import import_records, load_records
    from procedures.models import Procedure
    from sync import payloads, push
    from sync.models import ChangeRecord, FeedPosition

    if not Procedure.objects.filter(national_code=PROCEDURE).exists():
        records = load_records(ROOT / "data" / "procedures.json.gz")
        import_records([r for r in records if r["code"] == PROCEDURE])
    # What an earlier run left (copies first: the bench citizen's newest dossier is the one).
    FeedPosition.objects.all().delete()
    Message.objects.filter(topic=push.TOPIC).delete()
    ChangeRecord.objects.all().delete()
    Dossier.objects.filter(code__startswith=f"{BENCH_AGENCY}-").delete()
    original = Dossier.objects.get(code=prepare_reader(0)[0])
    template = payloads.dossier_payload(original)
    ensure_client(CLIENT, "Bench national portal", "sync:read")
    copies = []
    for n in range(dossiers):
        copy = Dossier.objects.get(pk=original.pk)
        copy.pk, copy.public_id, copy.idempotency_key = None, uuid.uuid4(), None
        copy.code = f"{BENCH_AGENCY}-261206-{n:04d}"
        copies.append(copy)
    made = Dossier.objects.bulk_create(copies)
    write_changes(made, changes, template)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sync_changerecord")
        cursor.execute("VACUUM ANALYZE outbox_message")
    return made, template


def write_changes(dossiers: list, count: int, template: dict, batch: int = 500) -> None:
    """``count`` records (with their push messages), ``batch`` per transaction, round-robin."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from sync import push
    from sync.models import ChangeRecord
    from sync.records import transaction_id

    last = dict(
        ChangeRecord.objects.filter(dossier__in=dossiers)
        .values("dossier_id")
        .annotate(top=Max("version"))
        .values_list("dossier_id", "top")
    )
    written = 0
    while written < count:
        with transaction.atomic():
            rows = []
            for n in range(written, min(count, written + batch)):
                dossier = dossiers[n % len(dossiers)]
                version = last.get(dossier.pk, 0) + 1
                last[dossier.pk] = version
                rows.append(
                    ChangeRecord.objects.create(
                        dossier=dossier,
                        dossier_code=dossier.code,
                        version=version,
                        kind="dossier",
                        cause="bench",
                        recorded_at=timezone.now(),
                        payload={**template, "MaHoSo": dossier.code},
                        txid=transaction_id(),
                    )
                )
            push.enqueue(rows)
        written += len(rows)


def bench_feed(port: int, expected: int) -> float:
    from identity.jwt import issue_machine_token

    token = issue_machine_token(CLIENT, ["sync:read"], 300)[0]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cursor, seen = "", 0
    started = time.perf_counter()
    while True:
        conn.request(
            "GET",
            f"/api/sync/v1/changes?limit=1000&cursor={cursor}",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        body = json.loads(response.read())
        if response.status != 200:
            raise SystemExit(f"feed answered {response.status}: {body}")
        seen += len(body["changes"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    elapsed = time.perf_counter() - started
    if seen < expected:
        raise SystemExit(f"the feed served {seen} changes, {expected} expected")
    return seen / elapsed


def start_sandbox(env: dict[str, str], var: Path) -> tuple[subprocess.Popen, str]:
    database_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/portal_bench_sync_sandbox"
    create_database(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    box_env = {
        **{k: v for k, v in env.items() if k not in ("DATABASE_URL",)},
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "SANDBOX_VAR_DIR": str(var),
        "SANDBOX_DATABASE_URL": database_url,
        "SANDBOX_URL": url,
        "SANDBOX_NATIONAL_PORTAL_PUSH_TOKEN": PUSH_TOKEN,
        "SANDBOX_NATIONAL_PORTAL_POLL_SECONDS": "0",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=box_env, cwd=ROOT, check=True)
    subprocess.run(
        [*manage, "shell", "-c", "from sandbox.nationalportal.models import *; "
         "ReceivedEnvelope.objects.all().delete(); MirroredDossier.objects.all().delete()"],
        env=box_env, cwd=ROOT, check=True,
    )  # fmt: skip
    log = (var / "sandbox.log").open("ab")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "sandbox.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--log-level", "warning",
        ],
        env=box_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_until_up(port, server)
    return server, url


def start_workers(env: dict[str, str], url: str, var: Path, count: int = 2) -> list:
    workers = []
    for n in range(count):
        log = (var / f"worker-{n}.log").open("ab")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "portal.worker",
                    "--queues=sync,default",
                    "--pool=solo",
                    "--concurrency=1",
                    f"--hostname=bench-sync-{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                env={**env, "NATIONAL_PORTAL_URL": f"{url}/national-portal"},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    return workers


def set_fault(url: str, mode: str) -> None:
    import requests

    answer = requests.post(
        f"{url}/national-portal/api/fault",
        data=json.dumps({"mode": mode}),
        headers={"Authorization": f"Bearer {PUSH_TOKEN}"},
        timeout=10,
    )
    answer.raise_for_status()


def undelivered() -> tuple[int, float]:
    """Pending and dead push messages, and the age of the oldest (the lag)."""
    import outbox
    from sync import push

    row = next((s for s in outbox.stats() if s.topic == push.TOPIC), None)
    return (row.pending + row.dead, row.lag_seconds) if row else (0, 0.0)


def kick() -> None:
    """What beat does every few seconds (outbox.sweep), and a relay per worker."""
    from outbox.tasks import relay_topic, sweep

    sweep.delay()
    for _n in range(2):
        relay_topic.apply_async(("sync.push",), queue="sync")


def wait_delivered(timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if undelivered()[0] == 0:
            return time.perf_counter() - started
        kick()
        time.sleep(0.5)
    raise SystemExit(f"not delivered within {timeout} s: {undelivered()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=20000)
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--outage-seconds", type=float, default=300.0)
    parser.add_argument("--outage-rate", type=float, default=20.0, help="changes/s meanwhile")
    args = parser.parse_args()

    database_url, env = environment()
    create_database(database_url)
    print(f"preparing {args.changes} changes over {args.dossiers} dossiers…")
    dossiers, template = prepare(args.changes, args.dossiers)
    from django.db import connection

    connection.close()
    var = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    print(f"database {urlsplit(database_url).path.lstrip('/')}; logs in {var}")

    port = free_port()
    server = start_server(port, env, var / "gunicorn.log", workers=2)
    try:
        wait_until_up(port, server)
        bench_feed(port, 0)  # warm-up, one pass
        rate = bench_feed(port, args.changes)
        mark = "meets" if rate >= FEED_GOAL else "below"
        print(f"feed: {rate:,.0f} changes/s served with limit=1000 ({mark} the goal "
              f"of {FEED_GOAL:,.0f}/s)")  # fmt: skip
    finally:
        stop_server(server)

    box, url = start_sandbox(env, var)
    workers = start_workers(env, url, var)
    try:
        started = time.perf_counter()
        wait_delivered(3600)
        elapsed = time.perf_counter() - started
        print(f"push: {args.changes / elapsed:,.0f} changes/s delivered by the relay with two "
              f"workers ({args.changes} in {elapsed:.1f} s)")  # fmt: skip

        set_fault(url, "down")
        print(f"outage: the stand-in is down for {args.outage_seconds:.0f} s, "
              f"{args.outage_rate:.0f} changes/s keep coming…")  # fmt: skip
        outage_end = time.perf_counter() + args.outage_seconds
        written = 0
        while time.perf_counter() < outage_end:
            tick = time.perf_counter()
            burst = max(1, int(args.outage_rate))
            write_changes(dossiers, burst, template, batch=burst)
            written += burst
            kick()
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - tick)))
        waiting, lag = undelivered()
        set_fault(url, "ok")
        catch_up = wait_delivered(3600)
        print(f"outage: {written} changes written while down; at the end {waiting} waited, "
              f"the oldest for {lag:.0f} s; all delivered {catch_up:.1f} s after the stand-in "
              f"came back")  # fmt: skip
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        stop_server(box)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
