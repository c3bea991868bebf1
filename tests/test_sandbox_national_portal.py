"""The national-portal stand-in, driven over real HTTP as the portal drives it (push, mirror
listing, fault switch) and read through its lookup page, per NATPORTAL_PROTOCOL.

The sandbox runs as its own process (``sandbox.settings``), on a throw-away SQLite database as in
the demo; the tests of concurrent pushes run it on PostgreSQL too.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import psycopg2
import pytest
import requests

from tests.conftest import requires_postgres
from tests.sandbox_process import free_port, manage, sandbox_env, serving

PUSH_TOKEN = "test-push-token-" + uuid.uuid4().hex
CLIENT_SECRET = "test-client-secret-" + uuid.uuid4().hex


# --- helpers shared with test_sandbox_national_portal_poller.py ----------------------------


def envelope(code: str, version: int, kind: str = "dossier", status: int = 1, **payload) -> dict:
    """An envelope as the portal sends it; a dossier payload carries Vietnamese text and nested
    lists so the sha256 of the mirror listing is checked on something real."""
    if kind == "dossier":
        body = {
            "MaHoSo": code,
            "TrangThaiHoSo": status,
            "MaTTHC": "1.001193",
            "TenTTHC": "Đăng ký khai sinh",
            "TenLinhVuc": "Hộ tịch",
            "DonViXuLy": "Sở Tư pháp",
            "KenhThucHien": 2,
            "NgayNopHoSo": "20261206101500",
            "NgayHenTra": "20261211170000",
            "DinhDanhCHS": [{"SoDinhDanh": "079085001234", "LoaiDinhDanh": 1}],
            "TrichYeuHoSo": f"Phiên bản {version}",
        }
    else:
        body = {
            "MaHoSo": code,
            "NguoiXuLy": "Trần Thị Bích",
            "ChucDanh": "Chuyên viên",
            "ThoiDiemXuLy": "20261206111500",
            "PhongBanXuLy": "Phòng Hộ tịch",
            "NoiDungXuLy": f"Bước xử lý {version}",
            "TrangThai": status,
        }
    body.update(payload)
    return {
        "dossier_code": code,
        "version": version,
        "kind": kind,
        "recorded_at": "2026-12-06T10:15:00+07:00",
        "payload": body,
    }


def canonical_sha256(payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def new_code() -> str:
    """A dossier code of its own per test (the sandbox's database lives for the module)."""
    return f"H29.03-261206-{uuid.uuid4().int % 10**6:06d}"


@dataclass
class Sandbox:
    url: str
    env: dict[str, str]
    var: Path
    database_url: str

    @property
    def base(self) -> str:
        return f"{self.url}/national-portal"

    def push(self, body, token: str = PUSH_TOKEN, timeout: float = 30) -> requests.Response:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return requests.post(
            f"{self.base}/api/receive",
            data=data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=timeout,
        )

    def mirror(self, token: str = PUSH_TOKEN, **params) -> requests.Response:
        return requests.get(
            f"{self.base}/api/mirror",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def mirrored(self, code: str) -> dict | None:
        """The mirror listing's row of one dossier (None when it is not mirrored)."""
        before = code[:-1] + chr(ord(code[-1]) - 1) + "\uffff"
        rows = self.mirror(after=before, limit=1).json()["dossiers"]
        return rows[0] if rows and rows[0]["dossier_code"] == code else None

    def set_fault(self, token: str = PUSH_TOKEN, **body) -> requests.Response:
        return requests.post(
            f"{self.base}/api/fault",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def lookup(self, code: str) -> requests.Response:
        return requests.get(f"{self.base}/tra-cuu/", params={"ma": code}, timeout=10)

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return manage({**self.env, **env}, *args, timeout=120)

    def sql(self, query: str, *params) -> list[tuple]:
        """Reads the stand-in's own database directly (row counts the API does not show)."""
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as connection:
                return connection.execute(query.replace("%s", "?"), params).fetchall()
        with psycopg2.connect(self.database_url) as connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        connection.close()
        return rows

    def envelope_rows(self, code: str) -> list[tuple]:
        return self.sql(
            "select version, kind, source from nationalportal_receivedenvelope "
            "where dossier_code = %s order by version",
            code,
        )


def start_sandbox(var: Path, database_url: str | None = None, **extra: str):
    """Migrate a throw-away stand-in database and serve the sandbox from it (a context)."""
    url = f"http://127.0.0.1:{free_port()}"
    env = sandbox_env(var, url)
    env = {k: v for k, v in env.items() if not k.startswith("SANDBOX_NATIONAL_PORTAL_")}
    database_url = database_url or env["SANDBOX_DATABASE_URL"]
    env.update(
        {
            "SANDBOX_DATABASE_URL": database_url,
            "SANDBOX_NATIONAL_PORTAL_PUSH_TOKEN": PUSH_TOKEN,
            "SANDBOX_NATIONAL_PORTAL_CLIENT_SECRET": CLIENT_SECRET,
            # Nothing listens there unless a test points the poller at its fake feed.
            "SANDBOX_NATIONAL_PORTAL_FEED_URL": "http://127.0.0.1:9",
            **extra,
        }
    )
    migrated = manage(env, "migrate", "--noinput", timeout=120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "nationalportal" in migrated.stdout
    box = Sandbox(url=url, env=env, var=var, database_url=database_url)

    class _Serving:
        def __enter__(self):
            self._context = serving(env, var, url)
            self._context.__enter__()
            return box

        def __exit__(self, *exc):
            return self._context.__exit__(*exc)

    return _Serving()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with start_sandbox(tmp_path_factory.mktemp("sandbox-national-portal")) as box:
        yield box


@pytest.fixture(autouse=True)
def _fault_back_to_ok(request):
    yield
    if "sandbox" in request.fixturenames:
        box = request.getfixturevalue("sandbox")
        assert box.set_fault(mode="ok").status_code == 200


def test_the_stand_ins_migrations_match_its_models(sandbox):
    # The quality gate checks the portal's apps only; the sandbox is another project.
    done = sandbox.manage("makemigrations", "--check", "--dry-run", "nationalportal")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes detected" in done.stdout


# --- push -----------------------------------------------------------------------------------


def test_a_new_push_is_accepted_and_mirrored(sandbox):
    code = new_code()
    sent = envelope(code, 1, status=1)

    response = sandbox.push(sent)

    assert response.status_code == 200
    assert response.json() == {"status": "accepted", "duplicate": False}
    assert sandbox.envelope_rows(code) == [(1, "dossier", "push")]
    assert sandbox.mirrored(code) == {
        "dossier_code": code,
        "version": 1,
        "status": 1,
        "payload_sha256": canonical_sha256(sent["payload"]),
    }


def test_the_same_code_and_version_again_is_a_duplicate_and_applies_nothing(sandbox):
    code = new_code()
    first = envelope(code, 1, status=1)
    assert sandbox.push(first).json() == {"status": "accepted", "duplicate": False}

    # A retry may carry a different body (rebuilt by the sender): code + version decide.
    again = envelope(code, 1, status=4, TrichYeuHoSo="gửi lại")
    response = sandbox.push(again)

    assert response.status_code == 200
    assert response.json() == {"status": "accepted", "duplicate": True}
    assert sandbox.envelope_rows(code) == [(1, "dossier", "push")]
    mirrored = sandbox.mirrored(code)
    assert mirrored["status"] == 1
    assert mirrored["payload_sha256"] == canonical_sha256(first["payload"])


def test_a_late_lower_version_is_kept_in_history_but_does_not_replace_the_mirror(sandbox):
    code = new_code()
    newer = envelope(code, 3, status=4)
    older = envelope(code, 2, status=2)

    assert sandbox.push(newer).json()["duplicate"] is False
    assert sandbox.push(older).json() == {"status": "accepted", "duplicate": False}

    assert sandbox.envelope_rows(code) == [(2, "dossier", "push"), (3, "dossier", "push")]
    mirrored = sandbox.mirrored(code)
    assert mirrored["version"] == 3
    assert mirrored["status"] == 4
    assert mirrored["payload_sha256"] == canonical_sha256(newer["payload"])
    page = sandbox.lookup(code).text
    assert "Đang xử lý" in page
    assert "Được tiếp nhận" not in page


def test_progress_raises_the_version_but_the_mirror_keeps_the_last_dossier_payload(sandbox):
    code = new_code()
    dossier = envelope(code, 1, status=2)
    sandbox.push(dossier)
    sandbox.push(envelope(code, 2, kind="progress", status=4))

    mirrored = sandbox.mirrored(code)

    assert mirrored["version"] == 2
    assert mirrored["status"] == 2
    assert mirrored["payload_sha256"] == canonical_sha256(dossier["payload"])


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _bad_envelopes():
    code = "H29.03-261206-0999"
    good = envelope(code, 1)
    without = {key: value for key, value in good.items() if key != "kind"}
    return {
        "not JSON": "{not json",
        "a list": json.dumps([good]),
        "missing kind": without,
        "version 0": {**good, "version": 0},
        "version as text": {**good, "version": "1"},
        "version true": {**good, "version": True},
        "unknown kind": {**good, "kind": "status"},
        "bad dossier code": {**good, "dossier_code": "không phải mã"},
        "date without offset": {**good, "recorded_at": "2026-12-06T10:15:00"},
        "date not a date": {**good, "recorded_at": "hôm qua"},
        "date with month 13": {**good, "recorded_at": "2026-13-06T10:15:00+07:00"},
        "version past the column": {**good, "version": 2**31},
        "NaN in the payload": json.dumps({**good, "payload": {**good["payload"], "Gia": math.nan}}),
        "NUL in the payload": {**good, "payload": {**good["payload"], "TenTTHC": "a\x00b"}},
        "nested too deep": "[" * 100_000 + "]" * 100_000,
        "payload nested 40 deep": {**good, "payload": {**good["payload"], "x": nested(40)}},
        "larger than the upload limit": json.dumps(
            {**good, "payload": {**good["payload"], "TrichYeuHoSo": "x" * 3_000_000}}
        ),
        "payload a list": {**good, "payload": [1]},
        "payload empty": {**good, "payload": {}},
        "MaHoSo of another dossier": {
            **good,
            "payload": {**good["payload"], "MaHoSo": "H29.03-261206-0998"},
        },
        "dossier without a national status": {
            **good,
            "payload": {**good["payload"], "TrangThaiHoSo": 42},
        },
    }


@pytest.mark.parametrize("case", sorted(_bad_envelopes()))
def test_a_malformed_envelope_is_rejected_with_400_and_stores_nothing(sandbox, case):
    response = sandbox.push(_bad_envelopes()[case])

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "rejected"
    assert len(body["error"]) > 10
    assert sandbox.envelope_rows("H29.03-261206-0999") == []
    assert sandbox.mirrored("H29.03-261206-0999") is None


def test_a_payload_nested_as_deep_as_a_real_one_is_accepted(sandbox):
    code = new_code()
    sent = envelope(code, 1, DanhSachHoSoBoSung=[{"TaiLieu": [{"Ten": nested(20)}]}])

    assert sandbox.push(sent).json() == {"status": "accepted", "duplicate": False}
    assert sandbox.mirrored(code)["payload_sha256"] == canonical_sha256(sent["payload"])


def test_a_rejection_names_the_field_in_vietnamese_then_english(sandbox):
    bad = envelope(new_code(), 1)
    bad["version"] = -3

    body = sandbox.push(bad).json()

    assert body["error"].startswith("version phải là số nguyên")
    assert "(version must be an integer" in body["error"]


@pytest.mark.parametrize("token", ["", "wrong", PUSH_TOKEN + "x"])
def test_a_bad_token_gets_401_on_every_machine_endpoint(sandbox, token):
    code = new_code()

    assert sandbox.push(envelope(code, 1), token=token).status_code == 401
    assert sandbox.mirror(token=token).status_code == 401
    assert sandbox.set_fault(token=token, mode="error500").status_code == 401
    assert sandbox.envelope_rows(code) == []
    assert sandbox.push(envelope(code, 1), token=PUSH_TOKEN).json()["duplicate"] is False


# --- mirror listing ----------------------------------------------------------------------------


def test_the_mirror_listing_pages_in_code_order_with_the_protocol_sha256(sandbox):
    prefix = f"H29.{uuid.uuid4().int % 10**4:04d}"
    codes = [f"{prefix}-261206-{n:04d}" for n in (7, 3, 5, 1, 6, 2, 4)]
    sent = {}
    for code in codes:
        sent[code] = envelope(code, 1, status=2, TenTTHC="Cấp phiếu lý lịch tư pháp — số 1")
        sandbox.push(sent[code])
        sandbox.push(envelope(code, 2, kind="progress"))

    pages, after = [], f"{prefix}-"
    while after is not None:
        response = sandbox.mirror(after=after, limit=3)
        assert response.status_code == 200
        body = response.json()
        pages.append(body["dossiers"])
        after = body["next_after"]
        if body["dossiers"] and not body["dossiers"][-1]["dossier_code"].startswith(prefix):
            break

    listed = [row for page in pages for row in page if row["dossier_code"].startswith(prefix)]
    assert [row["dossier_code"] for row in listed] == sorted(codes)
    assert [len(page) for page in pages[:2]] == [3, 3]
    assert all(row["version"] == 2 for row in listed)
    assert all(row["status"] == 2 for row in listed)
    assert [row["payload_sha256"] for row in listed] == [
        canonical_sha256(sent[code]["payload"]) for code in sorted(codes)
    ]
    # The listing's digest is of the protocol's serialisation, not of what Python prints.
    naive = hashlib.sha256(json.dumps(sent[codes[0]]["payload"]).encode()).hexdigest()
    assert naive not in {row["payload_sha256"] for row in listed}


def test_the_mirror_listing_ends_with_next_after_null(sandbox):
    code = "Z" * 10 + "-261206-9999"
    sandbox.push(envelope(code, 1))

    body = sandbox.mirror(after="Z", limit=1000).json()

    assert body["next_after"] is None
    assert body["dossiers"][-1]["dossier_code"] == code


@pytest.mark.parametrize("limit", ["0", "1001", "mười", "-1"])
def test_the_mirror_listing_refuses_a_bad_limit(sandbox, limit):
    response = sandbox.mirror(limit=limit)

    assert response.status_code == 400
    assert "limit" in response.json()["error"]


# --- fault switch ------------------------------------------------------------------------------


def test_error500_answers_500_and_stores_nothing(sandbox):
    code = new_code()
    assert sandbox.set_fault(mode="error500").json()["mode"] == "error500"

    response = sandbox.push(envelope(code, 1))

    assert response.status_code == 500
    assert sandbox.envelope_rows(code) == []
    assert sandbox.set_fault(mode="ok").status_code == 200
    assert sandbox.push(envelope(code, 1)).json() == {"status": "accepted", "duplicate": False}


def test_timeout_stores_the_change_then_answers_too_late_and_the_retry_is_a_duplicate(sandbox):
    code = new_code()
    assert sandbox.set_fault(mode="timeout", seconds=3).json()["seconds"] == 3

    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        sandbox.push(envelope(code, 1), timeout=1)
    assert time.monotonic() - started < 3

    # The stand-in stored it before sleeping (committed even if the machine is slow to get
    # there); the sender's retry is recognised.
    deadline = time.monotonic() + 20
    while not sandbox.envelope_rows(code) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox.envelope_rows(code) == [(1, "dossier", "push")]
    assert sandbox.set_fault(mode="ok").status_code == 200
    assert sandbox.push(envelope(code, 1)).json() == {"status": "accepted", "duplicate": True}
    assert sandbox.envelope_rows(code) == [(1, "dossier", "push")]


def test_down_refuses_pushes_with_503_until_its_minutes_are_over(sandbox):
    code = new_code()
    switched = sandbox.set_fault(mode="down", minutes=2).json()
    assert switched["mode"] == "down"
    assert switched["until"] is not None

    response = sandbox.push(envelope(code, 1))

    assert response.status_code == 503
    assert 60 < int(response.headers["Retry-After"]) <= 120
    assert sandbox.envelope_rows(code) == []

    # Two minutes later (moved forward in the stand-in's database): back to ok by itself.
    past = "2000-01-01 00:00:00"
    sandbox.sql("update nationalportal_faultswitch set until = %s where id = 1", past)
    assert sandbox.push(envelope(code, 1)).json() == {"status": "accepted", "duplicate": False}
    assert requests.get(
        f"{sandbox.base}/api/fault", headers={"Authorization": f"Bearer {PUSH_TOKEN}"}, timeout=5
    ).json() == {"mode": "ok", "until": None, "seconds": 35}


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "broken"},
        {"mode": "down", "minutes": 0},
        {"mode": "down", "minutes": -1},
        {"mode": "down", "minutes": 1441},
        {"mode": "down", "minutes": "NaN"},
        {"mode": "down", "minutes": True},
        {"mode": "timeout", "seconds": "x"},
        {"mode": "timeout", "seconds": 2.5},
        {"mode": "timeout", "seconds": 601},
    ],
)
def test_the_fault_endpoint_refuses_bad_values(sandbox, body):
    response = sandbox.set_fault(**body)

    assert response.status_code == 400
    assert response.json()["status"] == "rejected"
    assert sandbox.push(envelope(new_code(), 1)).status_code == 200


def test_down_for_a_fraction_of_a_minute_ends_by_itself(sandbox):
    code = new_code()
    switched = sandbox.set_fault(mode="down", minutes=0.05).json()  # 3 s
    assert switched["mode"] == "down"
    assert sandbox.push(envelope(code, 1)).status_code == 503

    time.sleep(3.5)

    assert sandbox.push(envelope(code, 1)).json() == {"status": "accepted", "duplicate": False}


def test_the_fault_command_switches_the_running_stand_in(sandbox):
    code = new_code()
    done = sandbox.manage("national_portal_fault", "--mode", "error500")
    assert done.returncode == 0, done.stderr
    assert "error500" in done.stdout
    assert sandbox.push(envelope(code, 1)).status_code == 500

    done = sandbox.manage("national_portal_fault", "--mode", "down", "--minutes", "5")
    assert done.returncode == 0, done.stderr
    assert "down until" in done.stdout
    assert sandbox.push(envelope(code, 1)).status_code == 503

    done = sandbox.manage("national_portal_fault", "--mode", "ok")
    assert done.returncode == 0, done.stderr
    assert sandbox.push(envelope(code, 1)).json()["duplicate"] is False

    refused = sandbox.manage("national_portal_fault", "--mode", "down", "--minutes", "0")
    assert refused.returncode != 0
    assert "minutes" in refused.stderr


def test_the_overview_page_switches_the_fault_mode_with_a_form(sandbox):
    session = requests.Session()
    page = session.get(f"{sandbox.base}/", timeout=10)
    assert page.status_code == 200
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    switched = session.post(
        f"{sandbox.base}/",
        data={"csrfmiddlewaretoken": token, "mode": "error500", "minutes": "3"},
        headers={"Referer": f"{sandbox.base}/"},
        timeout=10,
    )

    assert switched.status_code == 200  # followed the redirect back to the page
    assert 'data-mode="error500"' in switched.text
    assert sandbox.push(envelope(new_code(), 1)).status_code == 500
    refused = session.post(
        f"{sandbox.base}/",
        data={"csrfmiddlewaretoken": token, "mode": "down", "minutes": "-4"},
        headers={"Referer": f"{sandbox.base}/"},
        timeout=10,
    )
    assert refused.status_code == 400
    assert "minutes phải lớn hơn 0" in refused.text
    forged = requests.post(f"{sandbox.base}/", data={"mode": "ok"}, timeout=10)
    assert forged.status_code == 403


# --- lookup page -------------------------------------------------------------------------------


def test_the_lookup_page_shows_each_mirrored_status_with_its_national_name(sandbox):
    code = new_code()
    steps = [(1, "Mới đăng ký"), (2, "Được tiếp nhận"), (4, "Đang xử lý"), (9, "Đã xử lý xong")]
    for version, (status, name) in enumerate(steps, start=1):
        sandbox.push(envelope(code, version, status=status, DonViXuLy="Sở Tư pháp TP.HCM"))

        page = sandbox.lookup(code)

        assert page.status_code == 200
        shown = page.text.split('class="status"', 1)[1].split("</span>", 1)[0]
        assert shown.endswith(f">{name}")
        assert f'data-status-code="{status}"' in shown
    assert "Sở Tư pháp TP.HCM" in page.text
    assert "Đăng ký khai sinh" in page.text
    assert "10:15 06/12/2026" in page.text  # NgayNopHoSo 20261206101500
    assert "17:00 11/12/2026" in page.text  # NgayHenTra
    assert '<meta name="viewport"' in page.text
    assert '<html lang="vi">' in page.text


def test_the_lookup_page_lists_the_progress_history_in_version_order(sandbox):
    code = new_code()
    sandbox.push(envelope(code, 1, status=2))
    sandbox.push(envelope(code, 3, kind="progress", status=4, NoiDungXuLy="Thẩm định hồ sơ"))
    sandbox.push(envelope(code, 2, kind="progress", status=2, NoiDungXuLy="Tiếp nhận hồ sơ"))

    page = sandbox.lookup(code).text

    steps = page.split('id="tien-do"', 1)[1]
    assert steps.index("Tiếp nhận hồ sơ") < steps.index("Thẩm định hồ sơ")
    assert "Trần Thị Bích, Chuyên viên — Phòng Hộ tịch" in steps


def test_the_lookup_page_says_when_a_code_is_unknown(sandbox):
    page = sandbox.lookup("H29.03-261206-0000")

    assert page.status_code == 404
    assert "Không tìm thấy hồ sơ" in page.text
    empty = requests.get(f"{sandbox.base}/tra-cuu/", timeout=10)
    assert empty.status_code == 200
    assert 'name="ma"' in empty.text
    assert "Không tìm thấy" not in empty.text


def test_the_lookup_page_escapes_what_it_echoes(sandbox):
    page = sandbox.lookup("<script>alert(1)</script>")

    assert page.status_code == 404
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


# --- concurrency --------------------------------------------------------------------------------


def _at_once(count: int, action) -> list:
    """Runs ``action(i)`` in ``count`` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _check_concurrent_pushes(box: Sandbox) -> None:
    for _ in range(3):
        code = new_code()
        same = envelope(code, 1, status=2)
        answers = _at_once(6, lambda _i, body=same: box.push(body))
        assert [answer.status_code for answer in answers] == [200] * 6
        assert sorted(answer.json()["duplicate"] for answer in answers) == [False] + [True] * 5
        assert box.envelope_rows(code) == [(1, "dossier", "push")]

    # Different versions of one dossier at once, in any order: the mirror ends at the newest.
    code = new_code()
    versions = [envelope(code, v, status=4 if v == 6 else 2) for v in range(1, 7)]
    answers = _at_once(6, lambda i: box.push(versions[i]))
    assert {answer.json()["duplicate"] for answer in answers} == {False}
    assert [row[0] for row in box.envelope_rows(code)] == [1, 2, 3, 4, 5, 6]
    mirrored = box.mirrored(code)
    assert mirrored["version"] == 6
    assert mirrored["status"] == 4
    assert mirrored["payload_sha256"] == canonical_sha256(versions[5]["payload"])


def test_concurrent_identical_pushes_store_one_row_on_sqlite(sandbox):
    _check_concurrent_pushes(sandbox)


@pytest.fixture(scope="module")
def postgres_sandbox(tmp_path_factory):
    """The stand-in on a throw-away PostgreSQL database of its own, next to the test database."""
    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"test_sandbox_national_portal_{os.getpid()}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=server["USER"],
        password=server["PASSWORD"],
        host=server["HOST"],
        port=server["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'drop database if exists "{name}"')
        cursor.execute(f'create database "{name}"')
    auth = quote(server["USER"]) + (f":{quote(server['PASSWORD'])}" if server["PASSWORD"] else "")
    url = f"postgres://{auth}@{server['HOST']}:{server['PORT'] or 5432}/{name}"
    try:
        with start_sandbox(tmp_path_factory.mktemp("sandbox-national-portal-pg"), url) as box:
            yield box
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@requires_postgres
def test_concurrent_identical_pushes_store_one_row_on_postgresql(postgres_sandbox):
    assert postgres_sandbox.sql("select current_setting('server_version')")[0][0]
    _check_concurrent_pushes(postgres_sandbox)
