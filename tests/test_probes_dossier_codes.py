"""Dossier codes through the real submit service: ``{agency}-{YYMMDD}-{NNNN}`` (DOMAIN.md §2).

The concurrency test needs PostgreSQL, so on SQLite (the demo's database) nothing checked the
numbers at all and a planted bug survived. These tests assert exact codes and run on whatever
database the suite uses; when that is PostgreSQL, the last test runs this module again on
SQLite in a child process, so both databases are always checked.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from dossiers import codes, services
from dossiers.models import DossierCounter, Status
from procedures.models import Agency
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import WARD, ready_draft

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
OTHER_WARD = "H29.26740"  # Phường Sài Gòn
IS_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.fixture
def citizen():
    return CitizenFactory(with_contact=True)


@pytest.fixture
def clock(monkeypatch):
    """Set the portal's clock to a local (Ho Chi Minh City) time."""

    def set_to(year, month, day, hour=10, minute=0):
        moment = datetime.datetime(year, month, day, hour, minute, tzinfo=HCMC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def submit_one(citizen, key: str, ward: str = WARD) -> str:
    draft = ready_draft(citizen)
    if draft.receiving_agency.code != ward:
        services.choose_receiving_agency(draft, citizen, Agency.objects.get(code=ward))
    return services.submit(draft, citizen, idempotency_key=key, consent=True).code


def test_two_submissions_on_one_day_get_0001_then_0002(citizen, clock):
    clock(2026, 3, 2)
    assert submit_one(citizen, "a") == f"{WARD}-260302-0001"
    assert submit_one(citizen, "b") == f"{WARD}-260302-0002"
    assert DossierCounter.objects.get(agency__code=WARD, day="2026-03-02").last == 2


def test_a_new_day_restarts_at_0001(citizen, clock):
    clock(2026, 3, 2)
    assert submit_one(citizen, "a") == f"{WARD}-260302-0001"
    assert submit_one(citizen, "b") == f"{WARD}-260302-0002"
    clock(2026, 3, 3)
    assert submit_one(citizen, "c") == f"{WARD}-260303-0001"
    clock(2026, 3, 2, 16)  # a late submission dated the day before keeps its own sequence
    assert submit_one(citizen, "d") == f"{WARD}-260302-0003"


def test_the_day_is_the_local_day_not_the_utc_day(citizen, clock):
    """23:30 and 00:30 in Ho Chi Minh City are one UTC day (16:30, 17:30 UTC) but two local days."""
    clock(2026, 3, 2, 23, 30)
    assert submit_one(citizen, "a") == f"{WARD}-260302-0001"
    clock(2026, 3, 3, 0, 30)
    assert submit_one(citizen, "b") == f"{WARD}-260303-0001"


def test_each_agency_counts_on_its_own(citizen, clock):
    clock(2026, 3, 2)
    assert submit_one(citizen, "a") == f"{WARD}-260302-0001"
    assert submit_one(citizen, "b", ward=OTHER_WARD) == f"{OTHER_WARD}-260302-0001"
    assert submit_one(citizen, "c") == f"{WARD}-260302-0002"


def test_a_resent_submission_does_not_take_a_number(citizen, clock):
    clock(2026, 3, 2)
    draft = ready_draft(citizen)
    first = services.submit(draft, citizen, idempotency_key="same", consent=True)
    again = services.submit(draft, citizen, idempotency_key="same", consent=True)
    assert first.code == again.code == f"{WARD}-260302-0001"
    assert submit_one(citizen, "next") == f"{WARD}-260302-0002"


def test_a_submission_rolled_back_leaves_no_gap(citizen, clock, monkeypatch):
    """The counter moves in the submitting transaction: if that fails after the number was
    taken, the number is given to the next submission (no gaps, DOMAIN.md §2)."""
    clock(2026, 3, 2)
    draft = ready_draft(citizen)
    real_event = services._event

    def failing_event(dossier, action, *args, **kwargs):
        if action == "submitted":
            raise RuntimeError("the database went away")
        return real_event(dossier, action, *args, **kwargs)

    monkeypatch.setattr(services, "_event", failing_event)
    with pytest.raises(RuntimeError):
        services.submit(draft, citizen, idempotency_key="lost", consent=True)
    draft.refresh_from_db()
    assert (draft.status, draft.code) == (Status.DRAFT, None)
    monkeypatch.setattr(services, "_event", real_event)

    assert services.submit(draft, citizen, idempotency_key="retry", consent=True).code == (
        f"{WARD}-260302-0001"
    )


def test_numbers_past_9999_grow_a_digit():
    day = datetime.date(2026, 3, 2)
    assert codes.format_code("H29.25.01", day, 42) == "H29.25.01-260302-0042"
    assert codes.format_code("H29.25.01", day, 10_000) == "H29.25.01-260302-10000"


def test_allocating_outside_a_transaction_is_refused(monkeypatch):
    """Outside the submitting transaction the increment could not roll back with it."""
    monkeypatch.setattr(
        codes.transaction, "get_connection", lambda: SimpleNamespace(in_atomic_block=False)
    )
    agency = Agency.objects.get(code=WARD)
    with pytest.raises(RuntimeError):
        codes.allocate_code(agency, datetime.date(2026, 3, 2))
    assert not DossierCounter.objects.filter(agency=agency).exists()


OWN_TESTS = 8  # the tests above, all of which must pass on SQLite too


@pytest.mark.skipif(IS_SQLITE, reason="this run already is the SQLite run")
def test_the_same_tests_pass_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
         __file__, "-k", "not sqlite"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert "database: sqlite3" in output, output[-3000:]
    assert result.returncode == 0, output[-3000:]
    assert re.search(rf"\b{OWN_TESTS} passed\b", output), output[-3000:]
    assert "skipped" not in output, output[-3000:]
