"""The change feed ``GET /api/sync/v1/changes``: scope and token errors, cursors, the feed
position of each client, and (on PostgreSQL, with real overlapping transactions) that no change
is ever skipped and that 10,000 changes read in pages arrive complete, in order, once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from jose import jwt as jose_jwt

from dossiers.models import Dossier
from identity.jwt import issue_machine_token
from identity.machine import ensure_client
from identity.models import Role
from sync import feed, records
from sync.models import ChangeRecord, FeedPosition
from sync.records import transaction_id
from tests.conftest import requires_postgres
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory

CHANGES = "/api/sync/v1/changes"
NATIONAL = "cong-dvc-quoc-gia"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def token(client_id: str = NATIONAL, scopes: tuple[str, ...] = ("sync:read",)) -> str:
    return issue_machine_token(client_id, list(scopes), 300)[0]


@pytest.fixture
def national():
    return ensure_client(NATIONAL, "Cổng Dịch vụ công quốc gia", "sync:read")[0]


def read_all(client, cursor: str = "", limit: int = 1000, rounds: int = 1000) -> tuple[list, str]:
    """Every change the feed serves now, page by page; the last cursor."""
    seen: list[dict] = []
    auth = bearer(token())
    for _round in range(rounds):
        response = client.get(CHANGES, {"cursor": cursor, "limit": limit}, **auth)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += body["changes"]
        assert body["next_cursor"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen, cursor
    raise AssertionError("the feed never said it was done")


def read_until(client, cursor: str, count: int, seconds: float = 60) -> tuple[list, str]:
    """Read until ``count`` changes have come. Transaction ids are shared by every database of
    the server, so another session's transaction (another test run, a migration) may hold the
    horizon back for a while: the changes are late then, never lost."""
    seen: list[dict] = []
    deadline = time.monotonic() + seconds
    while len(seen) < count and time.monotonic() < deadline:
        page, cursor = read_all(client, cursor)
        seen += page
        if len(seen) < count:
            time.sleep(0.5)
    return seen, cursor


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()["error"]
    assert body["status"] == response.status_code
    return body


# --- who may read, and bad input (one transaction per test) -------------------------------------


@pytest.mark.django_db
def test_no_token_is_401_with_a_bearer_challenge(client, national):
    response = client.get(CHANGES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    error_of(response)


@pytest.mark.django_db
def test_an_expired_or_forged_token_is_401(client, national):
    now = int(time.time())
    claims = {
        "iss": settings.MACHINE_TOKEN_ISSUER,
        "aud": settings.MACHINE_TOKEN_ISSUER,
        "sub": NATIONAL,
        "scope": "sync:read",
        "iat": now - 600,
        "nbf": now - 600,
        "exp": now - 60,
    }
    expired = jose_jwt.encode(claims, settings.MACHINE_TOKEN_SECRET, algorithm="HS256")
    forged = jose_jwt.encode({**claims, "exp": now + 300}, "not-our-key", algorithm="HS256")
    for bad in (expired, forged, "not-a-token"):
        response = client.get(CHANGES, **bearer(bad))
        assert response.status_code == 401, bad
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        error_of(response)
    assert not FeedPosition.objects.exists()


@pytest.mark.django_db
def test_a_token_without_the_sync_scope_is_403(client):
    ensure_client("auditor", "Auditor", "audit:read")
    response = client.get(CHANGES, **bearer(token("auditor", ("audit:read",))))
    assert response.status_code == 403
    assert 'scope="sync:read"' in response["WWW-Authenticate"]
    assert error_of(response)["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "abc"},
        {"cursor": "YzEuMS4y!"},
        {"cursor": "Yy4xLjI"},  # base64 of "c.1.2": not one of ours
        {"cursor": "x" * 300},
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "ten"},
    ],
)
def test_a_malformed_cursor_or_limit_is_400_with_the_field_named(client, national, query):
    response = client.get(CHANGES, query, HTTP_ACCEPT_LANGUAGE="vi", **bearer(token()))
    assert response.status_code == 400
    body = error_of(response)
    assert set(body["fields"]) == set(query)
    assert body["detail"]


def test_cursors_round_trip_and_refuse_what_we_did_not_make():
    position = feed.Position(123456789, 42)
    assert feed.parse_cursor(position.cursor()) == position
    assert feed.parse_cursor("") == feed.START
    for bad in ("", "Yy4xLjI", "YzEuLTEuMg", "YzEuOTk5OTk5OTk5OTk5OTk5OTk5OS4x"):
        if bad:
            with pytest.raises(feed.BadCursor):
                feed.parse_cursor(bad)


# --- real transactions on PostgreSQL ------------------------------------------------------------


@pytest.fixture
def marriage_procedure(catalogue_records):
    """Transactional tests see an empty database: load the one procedure the factories use."""
    from procedures.importer import import_records
    from tests.factories import MARRIAGE

    report = import_records([r for r in catalogue_records if r["code"] == MARRIAGE])
    assert report.rejected == []


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""


def make_dossiers(count: int) -> list:
    """Submitted dossiers of different applicants (through the real services)."""
    return [
        DossierFactory(
            submitted=True,
            applicant=CitizenFactory(id_number=f"0790850{n:05d}", full_name=f"Người Nộp {n}"),
        )
        for n in range(count)
    ]


def in_thread(work) -> threading.Thread:
    def target():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_by_an_earlier_transaction_is_not_skipped(
    client, national, marriage_procedure, private_root
):
    """A starts first and writes first (lower id and transaction), B commits while A is open, a
    reader reads, A commits: the reader still gets A's change after its cursor."""
    first, second = make_dossiers(2)
    reception = OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)
    start, cursor = read_until(client, "", 2)
    assert {c["dossier_code"] for c in start} == {first.code, second.code}

    a_wrote, a_may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def transaction_a():
        # A writes its change record the way the signal's receiver does, under the dossier's
        # lock, and touches nothing B needs (B's transition updates the agency's counters).
        try:
            with transaction.atomic():
                locked = Dossier.objects.select_for_update().get(pk=first.pk)
                records.write(
                    locked, kind="transition", action="forward", from_status=1, to_status=1,
                    at=timezone.now(), actor="system", note="", step=None,
                )  # fmt: skip
                a_wrote.set()
                assert a_may_commit.wait(30)
        except BaseException as exc:
            errors.append(exc)
            a_wrote.set()

    a = in_thread(transaction_a)
    assert a_wrote.wait(30)

    def transaction_b():
        from dossiers.lifecycle import transitions

        transitions.receive(second, reception)

    b = in_thread(transaction_b)
    b.join(30)
    assert errors == []
    a_record = ChangeRecord.objects.filter(dossier=first, version=2)
    b_records = ChangeRecord.objects.filter(dossier=second, version__gt=1)
    assert not a_record.exists()  # A has not committed yet
    assert b_records.count() == 2  # B has

    while_a_open, cursor = read_all(client, cursor)
    # B is committed, but A (older) still runs: nothing after A's position is served yet.
    assert while_a_open == []

    a_may_commit.set()
    a.join(30)
    assert errors == []
    after_a, cursor = read_until(client, cursor, 3)
    got = [(c["dossier_code"], c["version"]) for c in after_a]
    assert got == [(first.code, 2), (second.code, 2), (second.code, 3)]
    assert read_all(client, cursor)[0] == []
    position = FeedPosition.objects.get(client=national)
    assert position.cursor == cursor
    assert position.changes_served == len(start) + 3


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_thousand_changes_read_in_pages_while_written_arrive_complete_in_order_once(
    client, national, marriage_procedure, private_root
):
    """Two writers commit 10,000 changes in overlapping transactions while a reader pages."""
    dossiers = make_dossiers(4)
    per_dossier = 2500
    batch = 250
    barrier = threading.Barrier(2)

    def writer(pair: list) -> None:
        barrier.wait(30)
        for start in range(2, per_dossier + 2, batch):
            for dossier in pair:
                with transaction.atomic():
                    now = timezone.now()
                    for version in range(start, start + batch):
                        ChangeRecord.objects.create(
                            dossier=dossier,
                            dossier_code=dossier.code,
                            version=version,
                            kind="progress",
                            cause="bench",
                            recorded_at=now + timedelta(microseconds=version),
                            payload={"n": version},
                            txid=transaction_id(),
                        )
                    time.sleep(0.01)  # stay open while the other writer commits

    writers = [in_thread(lambda: writer(dossiers[:2])), in_thread(lambda: writer(dossiers[2:]))]
    seen: list[dict] = []
    cursor = ""
    expected = 4 + 4 * per_dossier
    deadline = time.monotonic() + 300
    while len(seen) < expected and time.monotonic() < deadline:
        page, cursor = read_all(client, cursor, limit=997)
        seen += page
    for thread in writers:
        thread.join(60)
    rest, cursor = read_until(client, cursor, expected - len(seen))
    seen += rest + read_all(client, cursor)[0]
    keys = [(c["dossier_code"], c["version"]) for c in seen]
    assert len(keys) == expected == len(set(keys))
    for dossier in dossiers:
        versions = [v for code, v in keys if code == dossier.code]
        assert versions == list(range(1, per_dossier + 2))
