"""Benchmark: the officials' back office with 100,000 dossiers in one agency, beside a trivial view.

Not a test: it prints figures. See bench/README.md for how to read them.

    .venv/bin/python bench/backoffice.py --setup         # once: officials and 118,000 dossiers
    .venv/bin/python bench/backoffice.py [--clients 8] [--workers 2] [--seconds 3] [--rounds 2]
    .venv/bin/python bench/backoffice.py --inbox leader:/backoffice/dossiers/?status=4 …
    .venv/bin/python bench/backoffice.py --queries       # SQL queries per request, in-process
    .venv/bin/python bench/backoffice.py --time 30 [--profile 40]   # worker time, in-process

Uses ``DATABASE_URL`` if set, else postgres://postgres@127.0.0.1:5432/portal_bench100k (data
from :mod:`backoffice_data`). One run starts ``gunicorn portal.wsgi`` (2 sync workers, DEBUG
off, as bench/reads.py does) and sends from ``--clients`` concurrent connections, target after
target, round after round: ``/healthz``, each ``--inbox`` URL signed in as its official, the
officials' dossier page, then transitions through the API: ``receive`` on distinct newly
registered dossiers and ``forward`` on dossiers being processed. The dossiers it moved are put
back afterwards, so every run starts from the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench100k")

from catalogue_search import (  # noqa: E402 (the bench folder is not a package)
    ROOT,
    bench_environment,
    free_port,
    percentile,
    prepare_database,
    setting_line,
    start_server,
    stop_server,
    wait_until_up,
)
from reads import Target, burst, fetch  # noqa: E402

INBOXES = [  # role:URL, each signed in as the bench official holding that role
    "leader:/backoffice/dossiers/",
    "leader:/api/v1/backoffice/dossiers/",
    "reception:/backoffice/dossiers/",
    "reception:/api/v1/backoffice/dossiers/",
]
GOAL_INBOX_MS, GOAL_PAGE_MS, GOAL_TRANSITIONS = 100.0, 150.0, 100.0
# action: (role acting, status, role of the open step or None). The division head forwards
# only dossiers whose open step waits in their division's shared queue for their role (since
# "only the open step's holder forwards", any other step answers 403).
TRANSITIONS = {
    "receive": ("reception", 1, None),
    "forward": ("division_head", 4, "division_head"),
}


class Rotating(Target):
    """A GET target whose clients each read their own path (one dossier each)."""

    def __init__(self, name: str, paths: list[str], cookies: list[str]):
        super().__init__(name, paths[0], cookies)
        self.paths = paths

    def request(self, client: int) -> bytes:
        self.path = self.paths[client % len(self.paths)]
        return super().request(client)


class Transitions(Target):
    """POSTs of one action, each on the next dossier of ``codes`` (never twice the same)."""

    def __init__(self, action: str, codes: list[str], cookies: list[str], csrf: str):
        super().__init__(f"{action} (API)", "/api/v1/backoffice/dossiers/<code>/transitions/")
        self.action, self.codes, self.cookies, self.csrf = action, codes, cookies, csrf
        self.used = 0
        self.lock = threading.Lock()

    def next_request(self, client: int) -> bytes | None:
        with self.lock:
            if self.used >= len(self.codes):
                return None
            code = self.codes[self.used]
            self.used += 1
        body = json.dumps({"action": self.action, "note": "bench"}).encode()
        head = [
            f"POST /api/v1/backoffice/dossiers/{code}/transitions/ HTTP/1.1",
            "Host: 127.0.0.1",
            "Accept: application/json",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            f"X-CSRFToken: {self.csrf}",
            f"Cookie: {self.cookies[client % len(self.cookies)]}; csrftoken={self.csrf}",
            "Connection: close",
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def post_burst(port: int, target: Transitions, clients: int, seconds: float, record: bool):
    """Like :func:`reads.burst`, each request on a dossier of its own."""
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        mine, bad = [], []
        while time.perf_counter() < deadline and (request := target.next_request(number)):
            elapsed, status = fetch(port, request)
            mine.append(elapsed)
            if status != 200:
                bad.append(f"{status} {target.action} {request.split(b' ')[1].decode()}")
        with target.lock:
            if record:
                target.timings.extend(mine)
                target.failures.extend(bad)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if record:
        target.seconds += time.perf_counter() - start


# --- officials' sessions and the dossiers acted on -------------------------------------------


def official_cookies(users: dict, count: int) -> dict[str, list[str]]:
    """``count`` sessions per role, as the login form leaves them (password and TOTP checked:
    the user, its backend and hash, and django-otp's verified device), one per client."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    cookies = {}
    for role, user in users.items():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        cookies[role] = []
        for _n in range(count):
            session = import_module(settings.SESSION_ENGINE).SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
            cookies[role].append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def codes_in(status: int, limit: int, offset: int = 0, step_role: str | None = None) -> list[str]:
    """Codes of the main agency's dossiers in ``status``; with ``step_role``, only those whose
    open step waits unassigned for that role (in the shared queue of the bench division)."""
    from backoffice_data import LEAD_DIVISION, MAIN_AGENCY

    from dossiers.models import Dossier
    from workflow.models import ProcessStep

    found = Dossier.objects.filter(receiving_agency__code=MAIN_AGENCY, status=status)
    if step_role is not None:
        waiting = ProcessStep.objects.filter(
            finished_at=None, assignee=None, role=step_role, handed_to__code=LEAD_DIVISION
        )
        found = found.filter(pk__in=waiting.values("dossier_id"))
    return list(found.order_by("code").values_list("code", flat=True)[offset : offset + limit])


def put_back(since_event: int) -> int:
    """Undo what the run's transitions did (their events, receptions, revisions); the tasks
    they queued (routing, forms) are purged, no worker runs during a benchmark."""
    from django.db import connection, transaction

    from portal.celery import app

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH moved AS (
                DELETE FROM dossiers_dossierevent WHERE id > %s
                RETURNING dossier_id, action
            ), counted AS (
                SELECT dossier_id, count(*) AS n, bool_or(action = 'accepted') AS received
                FROM moved GROUP BY dossier_id
            )
            UPDATE dossiers_dossier d SET revision = d.revision - c.n,
                status = CASE WHEN c.received THEN 1 ELSE d.status END,
                accepted_at = CASE WHEN c.received THEN NULL ELSE d.accepted_at END,
                due_at = CASE WHEN c.received THEN NULL ELSE d.due_at END,
                original_due_at = CASE WHEN c.received THEN NULL ELSE d.original_due_at END
            FROM counted c WHERE d.id = c.dossier_id
            """,
            [since_event],
        )
        restored = cursor.rowcount
    app.control.purge()
    return restored


def last_event_id() -> int:
    from dossiers.models import DossierEvent

    return DossierEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- queries per request (in-process) -------------------------------------------------------------


def count_queries(targets: list[Target], every: bool = False) -> None:
    """SQL queries of each GET target's second request, with Django's test client (``every``:
    each query with its time, else the slowest)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    print("queries per request (second identical request, in-process):")
    for target in targets:
        client = Client(HTTP_ACCEPT="application/json" if "/api/" in target.path else "text/html")
        if target.cookies:
            name, _eq, value = target.cookies[0].partition("=")
            client.cookies[name] = value
        path = getattr(target, "paths", [target.path])[0]
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        slowest = max((float(q["time"]), q["sql"][:160]) for q in queries) if queries else None
        print(f"  {target.name:<40}{len(queries):>4} queries  HTTP {status}")
        if every:
            for query in queries:
                print(f"      {float(query['time']) * 1000:6.1f} ms: {query['sql'][:110]}")
        elif slowest:
            print(f"      slowest {slowest[0] * 1000:.1f} ms: {slowest[1]}")


def time_in_process(targets: list[Target], repeat: int, profile: int = 0) -> None:
    """Worker time of each GET target in-process (Django's test client, after two warm-up
    requests): the median and best of ``repeat`` requests, wall clock and this process's CPU
    time (the Python part, less disturbed by a loaded machine than the wall clock; the
    database's own time is not in it); ``profile``: that many lines of cProfile's listing
    by own time over the repeats (the whole profile is saved under var/)."""
    import cProfile
    import pstats
    import statistics

    from django.test import Client

    print(f"time per request, in-process ({repeat} requests after two warm-ups), ms:")
    for target in targets:
        client = Client(HTTP_ACCEPT="application/json" if "/api/" in target.path else "text/html")
        if target.cookies:
            name, _eq, value = target.cookies[0].partition("=")
            client.cookies[name] = value
        path = getattr(target, "paths", [target.path])[0]
        for _n in range(2):
            client.get(path)
        times, cpu = [], []
        profiler = cProfile.Profile() if profile else None
        for _n in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            client.get(path)
            if profiler:
                profiler.disable()
            times.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - start_cpu))
        print(
            f"  {target.name:<30} wall median {statistics.median(times):6.1f} best "
            f"{min(times):6.1f} · this process's CPU median {statistics.median(cpu):6.1f} best "
            f"{min(cpu):6.1f}"
        )
        if profiler:
            slug = "".join(c if c.isalnum() else "_" for c in target.name)
            dump = ROOT / "var" / f"profile-{slug}.pstats"
            dump.parent.mkdir(exist_ok=True)
            profiler.dump_stats(dump)
            print(f"    profile in {dump}")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help="write the data, then stop")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=3.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the targets")
    parser.add_argument(
        "--inbox", action="append", metavar="ROLE:URL", help=f"inbox URL (repeatable; {INBOXES})"
    )
    parser.add_argument("--queries", action="store_true", help="count queries, no load")
    parser.add_argument("--every", action="store_true", help="with --queries: each query")
    parser.add_argument(
        "--time", type=int, metavar="N", help="worker time of N requests per target, in-process"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="LINES", help="with --time: cProfile listing"
    )
    args = parser.parse_args()

    database_url, env = bench_environment()
    count = prepare_database(database_url)
    import backoffice_data

    if args.setup:
        print(f"dossiers of {backoffice_data.MAIN_AGENCY} by status: {backoffice_data.setup()}")
        return 0
    users = backoffice_data.ensure_officials()
    by_status = backoffice_data.status_counts()
    if sum(by_status.values()) < backoffice_data.MAIN_COUNT:
        raise SystemExit("no benchmark data: run bench/backoffice.py --setup first")

    from django.conf import settings
    from django.utils.crypto import get_random_string

    cookies = official_cookies(users, args.clients)
    targets: list[Target] = [Target("trivial (/healthz)", "/healthz")]
    for item in args.inbox or INBOXES:
        role, _colon, url = item.partition(":")
        kind = "API" if url.startswith("/api/") else "page"
        targets.append(Target(f"inbox {kind}, {role}", url, cookies[role]))
    csrf = get_random_string(32)
    budget = int(args.rounds * args.seconds * 400) + 200  # more dossiers than can be moved
    pages = [f"/backoffice/dossiers/{code}/" for code in codes_in(4, args.clients, offset=budget)]
    targets.append(Rotating("dossier page, leader", pages, cookies["leader"]))
    if args.queries:
        count_queries(targets[1:], args.every)
        return 0
    if args.time:
        time_in_process(targets, args.time, args.profile)
        return 0

    posts = [
        Transitions(action, codes_in(status, budget, step_role=step), cookies[role], csrf)
        for action, (role, status, step) in TRANSITIONS.items()
    ]
    since = last_event_id()
    port = free_port()
    server = start_server(port, env, ROOT / "var" / "bench-gunicorn.log", workers=args.workers)
    try:
        wait_until_up(port, server)
        for target in targets:  # imports, caches, plans and buffers: not measured
            burst(port, target, args.clients, 0.5, record=False)
        for target in posts:
            post_burst(port, target, args.clients, 0.5, record=False)
        for _round in range(args.rounds):
            for target in targets:
                burst(port, target, args.clients, args.seconds, record=True)
            for target in posts:
                post_burst(port, target, args.clients, args.seconds, record=True)
    finally:
        stop_server(server)
        restored = put_back(since)

    print()
    server_text = f"gunicorn {args.workers} sync workers · {args.clients} clients"
    print(setting_line(database_url, count, server_text))
    main_count = sum(by_status.values())
    print(f"{backoffice_data.MAIN_AGENCY}: {main_count:,} dossiers by status {by_status}; "
          f"{args.rounds} round(s) × {args.seconds:g} s per target; times in ms")  # fmt: skip
    print(f"(moved dossiers put back afterwards: {restored}; session cookie "
          f"{settings.SESSION_COOKIE_NAME})")  # fmt: skip
    from workflow import counters

    drift = counters.differences()
    print(f"inbox counters after the run: {'exact' if not drift else f'{len(drift)} differ'}")
    print()
    print(f"{'':<30}{'requests':>9}{'rps':>8}{'% trivial':>11}{'p50':>8}{'p95':>8}{'ms/req':>8}")
    floor = targets[0].rps
    for target in targets + posts:
        ordered = sorted(target.timings) or [0.0]
        share = 100.0 * target.rps / floor if floor else 0.0
        service = 1000.0 * args.workers / target.rps if target.rps else 0.0
        print(
            f"{target.name:<30}{len(target.timings):>9}{target.rps:>8.0f}{share:>10.1f}%"
            f"{percentile(ordered, 0.50):>8.1f}{percentile(ordered, 0.95):>8.1f}{service:>8.1f}"
        )
    print()
    print("ms/req: worker time per request (workers ÷ rps); p50/p95 include waiting for a worker")
    for target in targets[1:]:
        p95 = percentile(sorted(target.timings) or [0.0], 0.95)
        goal = GOAL_PAGE_MS if target.name.startswith("dossier page") else GOAL_INBOX_MS
        print(f"goal: {target.name} p95 ≤ {goal:.0f} ms — {'met' if p95 <= goal else 'NOT met'}")
    for target in posts:
        verdict = "met" if target.rps >= GOAL_TRANSITIONS else "NOT met"
        print(f"goal: {target.name} ≥ {GOAL_TRANSITIONS:.0f}/s — {verdict} ({target.rps:.0f}/s)")
    failures = [line for target in targets + posts for line in target.failures]
    if failures:
        print(f"{len(failures)} requests failed, e.g.:")
        for line in failures[:10]:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
