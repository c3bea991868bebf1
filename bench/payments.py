"""Benchmark: payment notifications (IPN) handled per second, with duplicates, beside /healthz.

Not a test: it prints figures. See bench/README.md for how to read them.

    .venv/bin/python bench/payments.py [--payments 300] [--duplicates 0.3] [--clients 8]
                                       [--workers 2]
    .venv/bin/python bench/payments.py --queries [--every]   # in process: queries and ms per IPN
    .venv/bin/python bench/payments.py --profile             # in process: cProfile of paid IPNs

It prepares, through the real services on PostgreSQL (``DATABASE_URL``, default
``portal_bench``), ``--payments`` dossiers that owe a fee at submission, each with a payment
started, and signs the gateway's success notification of every payment before anything is
timed: the clients only send bytes. Then it starts ``gunicorn portal.wsgi`` (``--workers`` sync
workers, DEBUG off) and, from ``--clients`` concurrent connections, sends ``/healthz`` for
``--seconds`` (the trivial view of the same run), then every notification once plus
``--duplicates`` × as many copies of them (the gateway's retries), shuffled. It prints IPNs
handled per second (goal: ≥ 200/s), the duplicate rate, the worker time per request (workers ÷
rate) beside the trivial view's, the answers by ``RspCode`` and the latency, and checks the
outcome: every payment paid exactly once (``00`` once each, ``02`` for every duplicate).
"""

from __future__ import annotations

import argparse
import random
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

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

MARRIAGE = "1.000894"
IPN = "/api/v1/payments/vnpay/ipn"
GOAL = 200.0


def prepare_payments(count: int) -> list[str]:
    """``count`` submitted dossiers owing 50,000 VND, each with a payment started; the query
    strings of their signed success notifications."""
    import django

    django.setup()
    from identity.models import Citizen
    from payments import conf, services
    from payments.contrib.vnpay import signature
    from payments.models import FeeRule, FeeRuleLine, Stage
    from procedures.models import Procedure
    from tests.factories import CitizenFactory, DossierFactory

    version = Procedure.objects.get(national_code=MARRIAGE).current_version
    if not FeeRule.objects.filter(procedure_version=version, stage=Stage.SUBMISSION).exists():
        rule = FeeRule.objects.create(procedure_version=version, stage=Stage.SUBMISSION)
        FeeRuleLine.objects.create(rule=rule, name="Lệ phí (bench)", amount_vnd=50_000)
    stamp = int(time.time())
    secret, merchant = conf.get("VNPAY_HASH_SECRET"), conf.get("VNPAY_TMN_CODE")
    queries = []
    for n in range(count):
        # Born 1985, male (0): the factory's birth date; six random digits not used yet.
        id_number = f"079085{random.randrange(10**6):06d}"
        while Citizen.objects.filter(id_number=id_number).exists():
            id_number = f"079085{random.randrange(10**6):06d}"
        citizen = CitizenFactory(id_number=id_number, subject=f"bench-pay-{stamp}-{n}")
        dossier = DossierFactory(submitted=True, applicant=citizen, key=f"bench-{stamp}-{n}")
        payment = services.start_payment(
            dossier, citizen, return_url="http://127.0.0.1/return/", client_ip="127.0.0.1"
        ).payment
        params = {
            "vnp_Amount": str(payment.amount),
            "vnp_BankCode": "NCB",
            "vnp_OrderInfo": "bench",
            "vnp_PayDate": "20261206103500",
            "vnp_ResponseCode": "00",
            "vnp_TmnCode": merchant,
            "vnp_TransactionNo": str(20_000_000 + payment.pk),
            "vnp_TransactionStatus": "00",
            "vnp_TxnRef": payment.txn_ref,
        }
        params["vnp_SecureHash"] = signature.sign(params, secret)
        queries.append(urlencode(params))
        if (n + 1) % 50 == 0:
            print(f"  prepared {n + 1}/{count} payments", flush=True)
    return queries


def txn_ref_of(query: str) -> str:
    return query.split("vnp_TxnRef=")[1].split("&")[0]


def raw_get(path: str) -> bytes:
    """The whole request, built before the clock starts (gunicorn's sync workers close the
    connection after each answer, so each request opens its own)."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def exchange(port: int, request: bytes) -> tuple[float, bytes]:
    began = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return (time.perf_counter() - began) * 1000.0, b"".join(chunks)


def rsp_code(answer: bytes) -> str:
    return answer.split(b'"RspCode":"', 1)[1][:2].decode() if b'"RspCode":"' in answer else "?"


def in_threads(work, count: int) -> float:
    """Run ``work`` in ``count`` threads at once; the seconds until the last one ended."""
    threads = [threading.Thread(target=work) for _ in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def run_all(port: int, requests: list[bytes], clients: int) -> tuple[float, list[float], Counter]:
    """Send every request once, from ``clients`` threads taking the next one off a shared list;
    (seconds, latencies in ms, answers by RspCode)."""
    answers: Counter = Counter()
    timings: list[float] = []
    lock = threading.Lock()
    position = iter(range(len(requests)))

    def client() -> None:
        mine, codes = [], Counter()
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                break
            elapsed, answer = exchange(port, requests[index])
            mine.append(elapsed)
            codes[rsp_code(answer)] += 1
        with lock:
            timings.extend(mine)
            answers.update(codes)

    return in_threads(client, clients), sorted(timings), answers


def run_for(port: int, request: bytes, clients: int, seconds: float) -> tuple[float, list[float]]:
    """Send ``request`` back to back from ``clients`` threads for ``seconds``."""
    deadline = time.perf_counter() + seconds
    timings: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        mine = []
        while time.perf_counter() < deadline:
            mine.append(exchange(port, request)[0])
        with lock:
            timings.extend(mine)

    return in_threads(client, clients), sorted(timings)


# --- in process ----------------------------------------------------------------------------


def in_process(queries: list[str], every: bool, profile: bool) -> None:
    """Each kind of IPN through Django's test client (the whole middleware stack): its SQL
    queries and time in this process; ``profile``: cProfile of the paid IPNs."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client

    client = Client()
    half = len(queries) // 2
    client.get("/healthz")
    client.get(f"{IPN}?{queries[-1]}")  # imports and connections: not counted
    kinds = [
        ("trivial (/healthz)", ["/healthz"] * half),
        ("paid (00)", [f"{IPN}?{q}" for q in queries[:half]]),
        ("duplicate (02)", [f"{IPN}?{q}" for q in queries[:half]]),
        ("bad signature (97)", [f"{IPN}?{q[:-4]}0000" for q in queries[:half]]),
    ]
    print(f"in process, {half} IPNs of each kind (queries of the first; ms each on average):")
    for name, paths in kinds:
        profiler = cProfile.Profile() if profile and name.startswith("paid") else None
        captured: list[tuple[float, str]] = []

        def log(execute, sql, params, many, context, captured=captured):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((time.perf_counter() - began, sql))

        with connection.execute_wrapper(log):
            client.get(paths[0])
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        for path in paths[1:]:
            client.get(path)
        if profiler:
            profiler.disable()
        ms = (time.perf_counter() - began) * 1000 / max(len(paths) - 1, 1)
        print(f"  {name:<24}{len(captured):>4} queries {ms:8.2f} ms")
        if every:
            for seconds, sql in captured:
                print(f"      {seconds * 1000:6.1f} ms: {sql[:110]}")
        if profiler:
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(40)
            stats.dump_stats(str(ROOT / "var" / "bench-payments.prof"))


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--duplicates", type=float, default=0.3, help="extra copies per IPN")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=3.0, help="of the trivial view")
    parser.add_argument("--queries", action="store_true", help="in process: queries, ms per IPN")
    parser.add_argument("--every", action="store_true", help="with --queries: each query")
    parser.add_argument("--profile", action="store_true", help="in process: cProfile")
    options = parser.parse_args()

    database_url, env = bench_environment()
    count = prepare_database(database_url)
    print(f"preparing {options.payments} dossiers with a payment started…", flush=True)
    queries = prepare_payments(options.payments)
    if options.queries or options.profile:
        in_process(queries, options.every, options.profile)
        return 0
    extra = [random.choice(queries) for _ in range(round(len(queries) * options.duplicates))]
    work = queries + extra
    random.shuffle(work)
    requests = [raw_get(f"{IPN}?{query}") for query in work]
    trivial = raw_get("/healthz")

    port = free_port()
    log_path = ROOT / "var" / "bench-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    server = start_server(port, env, log_path, workers=options.workers)
    try:
        wait_until_up(port, server)
        # Warm-up, not measured: every worker loads the code and opens its connections (bad
        # signatures change nothing).
        warm = [raw_get(f"{IPN}?vnp_TxnRef=warm{i}&vnp_SecureHash=0") for i in range(40)]
        run_all(port, warm + [trivial] * 40, options.clients)
        floor_seconds, floor = run_for(port, trivial, options.clients, options.seconds)
        seconds, timings, answers = run_all(port, requests, options.clients)
    finally:
        stop_server(server)

    rate, floor_rate = len(work) / seconds, len(floor) / floor_seconds
    print(setting_line(database_url, count, f"gunicorn × {options.workers} sync workers"))
    print(
        f"IPNs: {len(work)} ({len(queries)} payments + {len(extra)} duplicates, duplicate rate "
        f"{len(extra) / len(work):.0%}) from {options.clients} clients in {seconds:.2f} s"
    )
    print()
    print(f"{'':<22}{'requests':>9}{'per s':>8}{'p50':>8}{'p95':>8}{'max':>8}{'ms/req':>8}")
    for name, count_, per_second, ordered in (
        ("trivial (/healthz)", len(floor), floor_rate, floor),
        ("IPN", len(work), rate, timings),
    ):
        print(
            f"{name:<22}{count_:>9}{per_second:>8.0f}{percentile(ordered, 0.5):>8.1f}"
            f"{percentile(ordered, 0.95):>8.1f}{ordered[-1]:>8.1f}"
            f"{1000.0 * options.workers / per_second:>8.1f}"
        )
    print("ms/req: worker time per request (workers ÷ rate); latencies include waiting for one")
    print()
    verdict = "met" if rate >= GOAL else "NOT met"
    print(f"handled per second: {rate:.0f} (goal ≥ {GOAL:.0f}: {verdict}; "
          f"{100 * rate / floor_rate:.0f} % of the trivial view)")  # fmt: skip
    print(f"answers: {dict(sorted(answers.items()))}")
    from payments.models import Payment

    txn_refs = [txn_ref_of(q) for q in queries]
    paid = Payment.objects.filter(txn_ref__in=txn_refs, state=Payment.State.PAID).count()
    consistent = answers["00"] == len(queries) == paid and answers["02"] == len(extra)
    print(f"outcome: {paid}/{len(queries)} paid once each; "
          f"{'consistent' if consistent else 'NOT consistent'}")  # fmt: skip
    return 0 if consistent else 1


if __name__ == "__main__":
    raise SystemExit(main())
