"""Benchmark: payment notifications (IPN) handled per second, with duplicates.

Not a test: it prints figures. See bench/README.md for how to read them.

    .venv/bin/python bench/payments.py [--payments 200] [--duplicates 0.3] [--clients 8]
                                       [--workers 2]

It prepares, through the real services on PostgreSQL (``DATABASE_URL``, default
``portal_bench``), ``--payments`` dossiers that owe a fee at submission, each with a payment
started; then it starts ``gunicorn portal.wsgi`` and sends from ``--clients`` concurrent
connections the gateway's signed success notification of every payment once, plus
``--duplicates`` × as many copies of them (the gateway's retries), shuffled. It prints IPNs
handled per second (goal: ≥ 200/s), the answers by ``RspCode`` and the latency, and checks the
outcome: every payment paid exactly once (``00`` once each, ``02`` for every duplicate).
"""

from __future__ import annotations

import argparse
import http.client
import random
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


def prepare_payments(count: int) -> list[str]:
    """``count`` submitted dossiers owing 50,000 VND, each with a payment started; the query
    strings of their signed success notifications."""
    import django

    django.setup()
    from payments import conf, services
    from payments.contrib.vnpay import signature
    from payments.models import FeeRule, FeeRuleLine, Payment, Stage
    from procedures.models import Procedure
    from tests.factories import CitizenFactory, DossierFactory

    version = Procedure.objects.get(national_code=MARRIAGE).current_version
    if not FeeRule.objects.filter(procedure_version=version, stage=Stage.SUBMISSION).exists():
        rule = FeeRule.objects.create(procedure_version=version, stage=Stage.SUBMISSION)
        FeeRuleLine.objects.create(rule=rule, name="Lệ phí (bench)", amount_vnd=50_000)
    from identity.models import Citizen

    stamp = int(time.time())
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
            "vnp_TmnCode": conf.get("VNPAY_TMN_CODE"),
            "vnp_TransactionNo": str(20_000_000 + payment.pk),
            "vnp_TransactionStatus": "00",
            "vnp_TxnRef": payment.txn_ref,
        }
        params["vnp_SecureHash"] = signature.sign(params, conf.get("VNPAY_HASH_SECRET"))
        queries.append(urlencode(params))
        if (n + 1) % 50 == 0:
            print(f"  prepared {n + 1}/{count} payments", flush=True)
    assert Payment.objects.filter(txn_ref__in=[q.split("vnp_TxnRef=")[1].split("&")[0]
                                               for q in queries]).count() == count  # fmt: skip
    return queries


def send(port: int, work: list[str], answers: Counter, timings: list[float], lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for query in work:
            began = time.perf_counter()
            conn.request("GET", f"{IPN}?{query}")
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - began) * 1000
            code = body.split(b'"RspCode":"', 1)[1][:2].decode() if b"RspCode" in body else "?"
            with lock:
                answers[code] += 1
                timings.append(elapsed)
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--duplicates", type=float, default=0.3, help="extra copies per IPN")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    database_url, env = bench_environment()
    count = prepare_database(database_url)
    print(f"preparing {options.payments} dossiers with a payment started…", flush=True)
    queries = prepare_payments(options.payments)
    extra = [random.choice(queries) for _ in range(round(len(queries) * options.duplicates))]
    work = queries + extra
    random.shuffle(work)

    port = free_port()
    log_path = ROOT / "var" / "bench-gunicorn.log"
    log_path.parent.mkdir(exist_ok=True)
    server = start_server(port, env, log_path, workers=options.workers)
    try:
        wait_until_up(port, server)
        print(setting_line(database_url, count, f"gunicorn × {options.workers} sync workers"))
        answers: Counter = Counter()
        timings: list[float] = []
        lock = threading.Lock()
        # Warm-up, not measured: every worker loads the code and opens its connections
        # (requests with a bad signature change nothing).
        warm = [f"vnp_TxnRef=warm{i}&vnp_SecureHash=0" for i in range(10 * options.workers)]
        send(port, warm, Counter(), [], lock)
        shares = [work[i :: options.clients] for i in range(options.clients)]
        threads = [
            threading.Thread(target=send, args=(port, share, answers, timings, lock))
            for share in shares
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
    finally:
        stop_server(server)

    timings.sort()
    rate = len(work) / seconds
    print(
        f"IPNs: {len(work)} ({len(queries)} payments + {len(extra)} duplicates, duplicate rate "
        f"{len(extra) / len(work):.0%}) from {options.clients} clients in {seconds:.2f} s"
    )
    print(f"handled per second: {rate:.0f} (goal ≥ 200)")
    print(f"answers: {dict(sorted(answers.items()))}")
    print(
        f"latency ms: p50 {percentile(timings, 0.5):.1f} · p95 {percentile(timings, 0.95):.1f} "
        f"· max {timings[-1]:.1f}"
    )
    from payments.models import Payment

    txn_refs = [q.split("vnp_TxnRef=")[1].split("&")[0] for q in queries]
    paid = Payment.objects.filter(txn_ref__in=txn_refs, state=Payment.State.PAID).count()
    consistent = answers["00"] == len(queries) == paid and answers["02"] == len(extra)
    verdict = "consistent" if consistent else "NOT consistent"
    print(f"outcome: {paid}/{len(queries)} paid once each; {verdict}")
    return 0 if consistent else 1


if __name__ == "__main__":
    raise SystemExit(main())
