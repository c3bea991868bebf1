"""Benchmark: catalogue search over real HTTP (``/api/v1/procedures/``) against ``/healthz``.

Not a test: it prints figures. See bench/README.md for how to read them.

    .venv/bin/python bench/catalogue_search.py [--rounds N]

Uses PostgreSQL: ``DATABASE_URL`` if set, else postgres://postgres@127.0.0.1:5432/portal_bench.
The database is created, migrated and loaded with the catalogue when needed; then a gunicorn
server (1 worker, 1 thread, DEBUG off) is started on a free port, warmed up, measured with one
keep-alive connection, and stopped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote_plus, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
GOAL_P95_MS = 30.0
SEARCH_PATH = "/api/v1/procedures/"
TRIVIAL_PATH = "/healthz"

# --- the 200 queries ----------------------------------------------------------------------
# What citizens type: the same phrase with and without accents, partial words, codes and code
# prefixes, typos, and the filters of the catalogue page alone and combined with text.

PHRASES = [  # (accented, plain) pairs: 40 × 2 = 80 queries
    ("đăng ký khai sinh", "dang ky khai sinh"),
    ("đăng ký thường trú", "dang ky thuong tru"),
    ("đăng ký tạm trú", "dang ky tam tru"),
    ("đăng ký kết hôn", "dang ky ket hon"),
    ("đăng ký khai tử", "dang ky khai tu"),
    ("lý lịch tư pháp", "ly lich tu phap"),
    ("chứng thực bản sao", "chung thuc ban sao"),
    ("hộ kinh doanh", "ho kinh doanh"),
    ("giấy phép xây dựng", "giay phep xay dung"),
    ("cấp giấy chứng nhận quyền sử dụng đất", "cap giay chung nhan quyen su dung dat"),
    ("xác nhận tình trạng hôn nhân", "xac nhan tinh trang hon nhan"),
    ("cấp đổi giấy phép lái xe", "cap doi giay phep lai xe"),
    ("hộ chiếu", "ho chieu"),
    ("nhận con nuôi", "nhan con nuoi"),
    ("thành lập doanh nghiệp", "thanh lap doanh nghiep"),
    ("giấy phép lao động người nước ngoài", "giay phep lao dong nguoi nuoc ngoai"),
    ("trợ cấp xã hội", "tro cap xa hoi"),
    ("bảo hiểm thất nghiệp", "bao hiem that nghiep"),
    ("hoàn thuế", "hoan thue"),
    ("an toàn thực phẩm", "an toan thuc pham"),
    ("chứng chỉ hành nghề", "chung chi hanh nghe"),
    ("đăng ký xe", "dang ky xe"),
    ("tàu cá", "tau ca"),
    ("giấy phép kinh doanh rượu", "giay phep kinh doanh ruou"),
    ("cải chính hộ tịch", "cai chinh ho tich"),
    ("trích lục", "trich luc"),
    ("cấp lại", "cap lai"),
    ("thay đổi nội dung đăng ký", "thay doi noi dung dang ky"),
    ("phòng cháy chữa cháy", "phong chay chua chay"),
    ("khám bệnh chữa bệnh", "kham benh chua benh"),
    ("cơ sở giáo dục", "co so giao duc"),
    ("hợp tác xã", "hop tac xa"),
    ("đất đai", "dat dai"),
    ("nhà ở xã hội", "nha o xa hoi"),
    ("thẻ ABTC", "the abtc"),
    ("xuất nhập cảnh", "xuat nhap canh"),
    ("môi trường", "moi truong"),
    ("quảng cáo", "quang cao"),
    ("thủ tục hải quan", "thu tuc hai quan"),
    ("người có công", "nguoi co cong"),
]

PARTIAL = [  # 20: words cut short, as typed before the autocomplete catches up
    "thuong tr",
    "khai si",
    "dang k",
    "giay ph",
    "chung th",
    "xac nhan tinh tr",
    "ho chi",
    "ket h",
    "tam t",
    "ly lich",
    "cap gi",
    "đăng ký th",
    "giấy chứng nh",
    "hộ kinh",
    "phép xây",
    "con nu",
    "doanh ngh",
    "bao hi",
    "lai x",
    "tro c",
]

CODES = [  # 30: national codes, local codes and code prefixes
    "1.001193",
    "1.004222",
    "1.004194",
    "1.000894",
    "1.000656",
    "3.000333",
    "2.000815",
    "1.001612",
    "1.013225",
    "1.013978",
    "1.008709",
    "2.002288",
    "1.003650",
    "1.013080",
    "3.000242",
    "1.001193.000.00.00.H29",
    "1.004222.000.00.00.H29",
    "1.000894.000.00.00.H29",
    "3.000333.000.00.00.H29",
    "1.013225.000.00.00.H29",
    "1.000253.000.00.00.h29",
    "1.00",
    "1.004",
    "1.0042",
    "2.000",
    "2.0008",
    "3.000",
    "1.013",
    "1.0019",
    "6.003",
]

TYPOS = [  # 10: misspellings (PostgreSQL falls back to trigram similarity)
    "dang ki khai sinh",
    "thuong chu",
    "giay fep xay dung",
    "ket hun",
    "ly lick tu phap",
    "chung thuc ban sau",
    "ho chieuu",
    "dang ky tam chu",
    "khai tuu",
    "giay phep lai se",
]

FILTERS_ONLY = [  # 20: browsing the catalogue by filter, no text
    {"level": "commune"},
    {"level": "province"},
    {"level": "ministry"},
    {"fee": "true"},
    {"fee": "false"},
    {"online": "full"},
    {"online": "partial"},
    {"online": "none"},
    {"sector": "ho-tich"},
    {"sector": "dang-ky-quan-ly-cu-tru"},
    {"sector": "chung-thuc"},
    {"sector": "dat-dai"},
    {"sector": "thue"},
    {"agency": "H29.26743"},
    {"agency": "H29.03"},
    {"agency": "H29.16"},
    {"level": "commune", "fee": "true"},
    {"sector": "ho-tich", "online": "full"},
    {"level": "province", "online": "partial", "page": "2"},
    {"agency": "H29.04", "fee": "false"},
]

TEXT_AND_FILTERS = [  # 40: text narrowed by filters
    {"q": "dang ky", "level": "commune"},
    {"q": "đăng ký", "fee": "true"},
    {"q": "khai sinh", "sector": "ho-tich"},
    {"q": "khai sinh", "agency": "H29.26743"},
    {"q": "thuong tru", "sector": "dang-ky-quan-ly-cu-tru"},
    {"q": "tạm trú", "online": "full"},
    {"q": "chung thuc", "sector": "chung-thuc", "fee": "false"},
    {"q": "giấy phép", "level": "province"},
    {"q": "giay phep", "agency": "H29.04"},
    {"q": "cap lai", "online": "partial"},
    {"q": "cấp", "level": "province", "fee": "false"},
    {"q": "dat", "sector": "dat-dai"},
    {"q": "đất", "agency": "H29.06"},
    {"q": "thuế", "sector": "thue"},
    {"q": "hoan thue", "sector": "thue", "online": "full"},
    {"q": "ket hon", "level": "commune", "fee": "true"},
    {"q": "con nuoi", "sector": "nuoi-con-nuoi"},
    {"q": "ho chieu", "agency": "H29.16"},
    {"q": "xe", "sector": "duong-bo"},
    {"q": "lái xe", "level": "province", "online": "partial"},
    {"q": "doanh nghiep", "fee": "false"},
    {"q": "hộ kinh doanh", "level": "commune"},
    {"q": "xay dung", "agency": "H29.04", "online": "none"},
    {"q": "giáo dục", "agency": "H29.10"},
    {"q": "y te", "agency": "H29.09"},
    {"q": "lao dong", "agency": "H29.08"},
    {"q": "văn hóa", "agency": "H29.11"},
    {"q": "du lich", "agency": "H29.12"},
    {"q": "khoa học", "agency": "H29.13"},
    {"q": "tôn giáo", "agency": "H29.14"},
    {"q": "cấp giấy chứng nhận", "level": "province", "page": "2"},
    {"q": "dang ky", "page": "3"},
    {"q": "thủ tục", "page_size": "50"},
    {"q": "cap", "page_size": "100"},
    {"q": "khai tu", "level": "commune", "online": "full"},
    {"q": "trich luc", "sector": "ho-tich", "fee": "true"},
    {"q": "xac nhan", "level": "commune", "online": "partial"},
    {"q": "phòng cháy", "agency": "H29.16"},
    {"q": "tau", "fee": "false", "online": "none"},
    {"q": "người nước ngoài", "level": "province"},
]


def build_queries() -> list[tuple[str, dict[str, str]]]:
    """The 200 queries, each with the group it belongs to."""
    queries = [("phrase, accents", {"q": accented}) for accented, _plain in PHRASES]
    queries += [("phrase, no accents", {"q": plain}) for _accented, plain in PHRASES]
    queries += [("partial words", {"q": text}) for text in PARTIAL]
    queries += [("codes and prefixes", {"q": text}) for text in CODES]
    queries += [("typos", {"q": text}) for text in TYPOS]
    queries += [("filters only", params) for params in FILTERS_ONLY]
    queries += [("text + filters", params) for params in TEXT_AND_FILTERS]
    assert len(queries) == 200, len(queries)
    return queries


# --- database and server ------------------------------------------------------------------


def prepare_database(database_url: str) -> int:
    """Create the database if needed, migrate it and import the catalogue once."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"creating database {name}")
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)

    from procedures.importer import import_records, load_records
    from procedures.models import Procedure

    if not Procedure.objects.filter(current_version__isnull=False).exists():
        print("importing the catalogue (once)…")
        report = import_records(load_records(ROOT / "data" / "procedures.json.gz"))
        print(f"  imported {report.created} procedures, rejected {len(report.rejected)}")
    # What autovacuum does on a live database: drop the dead rows the import's updates left and
    # give the planner statistics; without it the first minutes after an import look slower.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE procedures_procedure")
    return Procedure.objects.filter(current_version__isnull=False).count()


def bench_environment() -> tuple[str, dict[str, str]]:
    """The database URL and the environment of the server; also applied to this process."""
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DEBUG": "false",  # no per-request query log
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    return database_url, env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    port: int, env: dict[str, str], log_path: Path, workers: int = 1
) -> subprocess.Popen:
    """``gunicorn portal.wsgi`` with ``workers`` sync workers of one thread each."""
    command = [  # through the interpreter: the venv's script may name another worktree's python
        str(ROOT / ".venv" / "bin" / "python"),
        "-m",
        "gunicorn",
        "portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "1",
        "--log-level",
        "warning",
    ]
    log = log_path.open("ab")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def setting_line(database_url: str, count: int, server: str) -> str:
    """What the figures were measured on, printed above them."""
    host = urlsplit(database_url)
    return (
        f"catalogue: {count} procedures · PostgreSQL {host.hostname}:{host.port or 5432}"
        f"{host.path} · {server} · {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}; see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", TRIVIAL_PATH)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz in time")


# --- measuring ----------------------------------------------------------------------------


def timed_get(conn: http.client.HTTPConnection, path: str) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    return (time.perf_counter() - start) * 1000.0, response.status, body


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(fraction * len(sorted_ms)))
    return sorted_ms[rank - 1]


def summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    figures = [percentile(ordered, f) for f in (0.50, 0.95, 0.99)] + [ordered[-1]]
    return f"{name:<28}{len(ordered):>7}" + "".join(f"{value:>9.1f}" for value in figures)


def run(port: int, queries: list[tuple[str, dict[str, str]]], rounds: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    paths = [f"{SEARCH_PATH}?{urlencode(params)}" for _group, params in queries]
    by_group: dict[str, list[float]] = {}
    failures: list[str] = []
    hits = 0

    # Warm-up: every query once (imports, caches, PostgreSQL plans and buffers), unmeasured.
    for path in paths:
        timed_get(conn, path)
        timed_get(conn, TRIVIAL_PATH)

    search_ms: list[float] = []
    trivial_ms: list[float] = []
    slowest: dict[str, float] = {}
    for _round in range(rounds):
        # Interleaved, so a slow patch on the machine affects both series alike.
        for (group, _params), path in zip(queries, paths, strict=True):
            elapsed, status, body = timed_get(conn, path)
            search_ms.append(elapsed)
            by_group.setdefault(group, []).append(elapsed)
            slowest[path] = max(elapsed, slowest.get(path, 0.0))
            if status != 200:
                failures.append(f"{status} {path}")
            else:
                hits += json.loads(body)["count"] > 0
            elapsed, status, _body = timed_get(conn, TRIVIAL_PATH)
            trivial_ms.append(elapsed)
            if status != 200:
                failures.append(f"{status} {TRIVIAL_PATH}")
    conn.close()
    return {
        "search": search_ms,
        "by_group": by_group,
        "trivial": trivial_ms,
        "failures": failures,
        "hits": hits,
        "slowest": sorted(slowest.items(), key=lambda item: -item[1]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="passes over the 200 queries")
    parser.add_argument("--slowest", type=int, default=5, help="list the N slowest queries")
    args = parser.parse_args()

    database_url, env = bench_environment()
    count = prepare_database(database_url)
    queries = build_queries()
    port = free_port()
    log_path = ROOT / "var" / "bench-gunicorn.log"
    server = start_server(port, env, log_path)
    try:
        wait_until_up(port, server)
        result = run(port, queries, args.rounds)
    finally:
        stop_server(server)

    print()
    print(setting_line(database_url, count, "gunicorn 1 worker × 1 thread"))
    print(f"{len(queries)} queries × {args.rounds} round(s), after one warm-up pass; times in ms")
    print()
    print(f"{'':<28}{'count':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    print(summary(f"GET {SEARCH_PATH}", result["search"]))
    print(summary(f"GET {TRIVIAL_PATH} (baseline)", result["trivial"]))
    print()
    print("search by kind of query:")
    for group, timings in result["by_group"].items():
        print(summary(f"  {group}", timings))
    print()
    p95 = percentile(sorted(result["search"]), 0.95)
    verdict = "met" if p95 <= GOAL_P95_MS else "NOT met"
    print(f"goal: search p95 ≤ {GOAL_P95_MS:.0f} ms — {verdict} ({p95:.1f} ms)")
    print(f"queries with at least one result: {result['hits']} of {len(result['search'])}")
    if args.slowest:
        print("slowest queries (worst time in ms):")
        for path, elapsed in result["slowest"][: args.slowest]:
            print(f"  {elapsed:>7.1f}  {unquote_plus(path)}")
    if result["failures"]:
        print(f"{len(result['failures'])} requests failed, e.g.:")
        for line in result["failures"][:10]:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
