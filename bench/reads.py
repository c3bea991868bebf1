"""Benchmark: what citizens read most, under concurrency, beside a trivial view.

Not a test: it prints figures. See bench/README.md for how to read them.

    .venv/bin/python bench/reads.py [--clients 8] [--workers 2] [--seconds 3] [--rounds 3]

One run starts ``gunicorn portal.wsgi`` (2 sync workers by default, DEBUG off) on PostgreSQL
with the imported catalogue and a citizen who filed a dossier through the real services, then
sends, from ``--clients`` concurrent connections, each target in turn for ``--seconds`` per
round: ``/healthz`` (the floor), the search API, the catalogue page, the dossier's status over
the API and the dossier page. Requests per second are compared with ``/healthz`` measured in
the same run, which is what stays comparable on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime
import io
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

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

QUERY = "ho tich"
# Xóa đăng ký thường trú: filed online at any commune, VNeID level 2.
PROCEDURE = "1.003197"
# The bench citizen (HCMC birth registration 079, male born 1985): a real VNeID login's claims.
CLAIMS = {
    "sub": "bench-reads-citizen",
    "SoDinhDanh": "079085009876",
    "HoVaTen": "Lê Văn Đo",
    "NgayThangNamSinh": "12/03/1985",
    "GioiTinh": "Nam",
    "LoaiTaiKhoan": "1",
    "IAL": "2",
}
WARD = "H29.26743"
SAMPLE = {
    "text": "Nội dung đo tốc độ",
    "textarea": "Đề nghị giải quyết",
    "date": "1990-05-20",
    "ward": WARD,
    "id_number": "079085009876",
    "phone": "0912345678",
    "email": "bench@example.vn",
}
GOALS = {"search API": 25.0, "catalogue page": 15.0, "status (API)": 25.0, "dossier page": 25.0}


# --- the citizen and the dossier ------------------------------------------------------------


def _fill(fields: list[dict], values: dict) -> dict:
    """Every required field that has no value gets a valid sample; groups get their minimum."""
    from procedures.eforms import is_visible

    for f in fields:
        if values.get(f["id"]) not in (None, "", []) or not is_visible(f, values):
            continue
        if f["type"] == "group":
            values[f["id"]] = [_fill(f["fields"], {}) for _ in range(f.get("min_items", 0))]
        elif f.get("required"):
            if f["type"] == "choice":
                values[f["id"]] = f["choices"][0]["value"]
            elif f["type"] == "number":
                values[f["id"]] = f.get("min", 1)
            elif f["type"] == "date" and f.get("min") == "today":
                values[f["id"]] = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
            else:
                values[f["id"]] = SAMPLE[f["type"]]
    return values


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def prepare_reader(sessions: int) -> tuple[str, list[str]]:
    """The bench citizen's submitted dossier code and ``sessions`` signed-in session keys.

    Each client gets its own session, as each device of a citizen has: clients sharing one
    session would all rewrite the same session row and wait for each other's locks.

    The citizen logs in from VNeID claims, fills a draft, uploads a PNG for every required
    slot and submits, all through the services a real filing uses; the receipt is rendered
    as the worker would. Done once: later runs reuse the dossier and only open a session.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import services, uploads
    from dossiers.models import Dossier, Status
    from dossiers.tasks import render_receipt
    from identity.citizens import login_citizen_from_claims, update_contact
    from procedures.models import Agency, Procedure

    citizen = login_citizen_from_claims(CLAIMS)
    dossier = Dossier.objects.filter(applicant=citizen).exclude(status=Status.DRAFT).first()
    if dossier is None:
        print("filing the bench citizen's dossier (once)…")
        update_contact(
            citizen, phone="0912345678", address="12 Lê Lợi", ward=Agency.objects.get(code=WARD)
        )
        procedure = Procedure.objects.get(national_code=PROCEDURE)
        draft = services.start_draft(citizen, procedure)
        data = draft.form_data
        data["applicant"] = {**data["applicant"], "address": "12 Lê Lợi", "phone": "0912345678"}
        for section in draft.form_schema["sections"]:
            data[section["id"]] = _fill(section["fields"], dict(data.get(section["id"]) or {}))
        result = services.save_draft(draft, citizen, data)
        if result.errors:
            raise SystemExit(f"the bench draft is not valid: {result.errors}")
        draft.refresh_from_db()
        for slot in services.missing_documents(draft):
            upload = SimpleUploadedFile(f"{slot['id']}.png", _png(), content_type="image/png")
            uploads.attach_upload(draft, citizen, slot["id"], upload)
        dossier = services.submit(draft, citizen, idempotency_key="bench-reads", consent=True)
    render_receipt(dossier.code)

    keys = []
    for _n in range(sessions):
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(citizen.user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = citizen.user.get_session_auth_hash()
        session.save()
        keys.append(session.session_key)
    return dossier.code, keys


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    path: str
    cookies: list[str] = field(default_factory=list)  # one per client, if signed in
    timings: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def request(self, client: int) -> bytes:
        lines = [
            f"GET {self.path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Accept: application/json" if self.path.startswith("/api/") else "Accept: text/html",
            "Connection: close",  # gunicorn's sync workers close after each answer anyway
        ]
        if self.cookies:
            lines.append(f"Cookie: {self.cookies[client % len(self.cookies)]}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    @property
    def rps(self) -> float:
        return len(self.timings) / self.seconds if self.seconds else 0.0


def fetch(port: int, request: bytes) -> tuple[float, int]:
    """One request on a fresh connection, read to the end; (milliseconds, status)."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    elapsed = (time.perf_counter() - start) * 1000.0
    head = b"".join(chunks[:1])[:16].split()
    return elapsed, int(head[1]) if len(head) > 1 and head[1].isdigit() else 0


def burst(port: int, target: Target, clients: int, seconds: float, record: bool) -> None:
    """``clients`` threads send the target back to back for ``seconds``."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(number: int) -> None:
        request = target.request(number)
        mine: list[float] = []
        bad: list[str] = []
        while time.perf_counter() < deadline:
            elapsed, status = fetch(port, request)
            mine.append(elapsed)
            if status != 200:
                bad.append(f"{status} {target.path}")
        with lock:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=3.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the targets")
    args = parser.parse_args()

    database_url, env = bench_environment()
    count = prepare_database(database_url)
    code, session_keys = prepare_reader(args.clients)

    from django.conf import settings

    cookies = [f"{settings.SESSION_COOKIE_NAME}={key}" for key in session_keys]
    query = quote(QUERY)
    targets = [
        Target("trivial (/healthz)", "/healthz"),
        Target("search API", f"/api/v1/procedures/?q={query}"),
        Target("catalogue page", f"/procedures/?q={query}"),
        Target("status (API)", f"/api/v1/dossiers/{code}/", cookies),
        Target("dossier page", f"/dossiers/{code}/", cookies),
    ]

    port = free_port()
    server = start_server(port, env, ROOT / "var" / "bench-gunicorn.log", workers=args.workers)
    try:
        wait_until_up(port, server)
        for target in targets:  # imports, caches, plans and buffers: not measured
            burst(port, target, args.clients, 0.5, record=False)
        for _round in range(args.rounds):
            # Targets in turn, round after round, so a slow patch on the machine hits them all.
            for target in targets:
                burst(port, target, args.clients, args.seconds, record=True)
    finally:
        stop_server(server)

    print()
    server_text = f"gunicorn {args.workers} sync workers · {args.clients} clients"
    print(setting_line(database_url, count, server_text))
    print(f"{args.rounds} round(s) × {args.seconds:g} s per target; dossier {code}; times in ms")
    print()
    print(f"{'':<22}{'requests':>9}{'rps':>9}{'% trivial':>11}{'p50':>8}{'p95':>8}")
    floor = targets[0].rps
    for target in targets:
        ordered = sorted(target.timings) or [0.0]
        share = 100.0 * target.rps / floor if floor else 0.0
        print(
            f"{target.name:<22}{len(target.timings):>9}{target.rps:>9.0f}{share:>10.1f}%"
            f"{percentile(ordered, 0.50):>8.1f}{percentile(ordered, 0.95):>8.1f}"
        )
    print()
    for target in targets:
        goal = GOALS.get(target.name)
        if goal is not None:
            share = 100.0 * target.rps / floor if floor else 0.0
            verdict = "met" if share >= goal else "NOT met"
            print(f"goal: {target.name} ≥ {goal:.0f}% of trivial — {verdict} ({share:.1f}%)")
    failures = [line for target in targets for line in target.failures]
    if failures:
        print(f"{len(failures)} requests failed, e.g.:")
        for line in failures[:10]:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
