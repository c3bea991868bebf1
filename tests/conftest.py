"""Shared fixtures. Real PostgreSQL when DATABASE_URL is set, real Redis when REDIS_URL is set.

Without them, tests that need them are skipped with the reason printed; under CI (``CI=true``)
a missing server is an error instead, so nothing is silently skipped there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "data" / "procedures.json.gz"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if settings.REDIS_URL else "filesystem (no REDIS_URL)"
    return [f"database: {engine}; broker: {broker}; CI={IN_CI}"]


def pytest_configure(config):
    if IN_CI and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        raise pytest.UsageError("CI=true needs DATABASE_URL and REDIS_URL: nothing may be skipped")


def _needs(condition: bool, reason: str):
    return pytest.mark.skipif(not condition, reason=reason)


requires_postgres = _needs(
    settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal",
)
requires_redis = _needs(
    bool(settings.REDIS_URL), "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15"
)


@pytest.fixture(scope="session")
def catalogue_records():
    from procedures.importer import load_records

    return load_records(CATALOGUE)


@pytest.fixture(scope="session")
def imported_catalogue(catalogue_records):
    """The catalogue records the session's database gets (all of them; a folder's conftest may
    narrow them, as ``tests/sqlite/`` does)."""
    return catalogue_records


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, imported_catalogue):
    """The real catalogue is imported once per session into the test database.

    Tests using ``db`` run inside a transaction rolled back afterwards, so they all see it.
    Transactional tests (live server, real worker) run last; each one empties the database when
    it ends, so they must not rely on the catalogue and load what they need themselves.
    """
    from procedures.importer import import_records

    with django_db_blocker.unblock():
        import_records(imported_catalogue)


@pytest.fixture(scope="session")
def signing_keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signing")


@pytest.fixture(autouse=True)
def demo_signing_keys(settings, signing_keys_dir):
    """The demo signing keys (dossiers.signing) of the test session: never the developer's
    var/signing, one demo CA for the whole session."""
    settings.RESULT_SIGNING_DEMO_DIR = signing_keys_dir


@pytest.fixture(autouse=True)
def fresh_catalogue_generation():
    """Each test starts with a new catalogue generation (procedures.generation).

    A test's catalogue changes are rolled back, but the search answers it cached in the shared
    cache are not; a new generation makes them unreachable, as a change of the catalogue would.
    """
    from procedures.generation import catalogue_changed

    catalogue_changed()


def popular(records: list[dict]) -> list[dict]:
    """A small slice of the real catalogue: the popular procedures and a few more."""
    from procedures.popular import POPULAR_CODES

    wanted = set(POPULAR_CODES) | {"1.003197", "1.004884", "1.003583", "2.000528", "1.005126"}
    return [record for record in records if record["code"] in wanted]


@pytest.fixture
def popular_subset(catalogue_records):
    """A small slice of the real catalogue for transactional tests."""
    return popular(catalogue_records)


def otp_verified_login(client, user):
    """Log ``user`` in as if the password and the one-time code had both been checked."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _no_relay_marked_as_queued():
    """A relay an earlier test marked as waiting in its queue (outbox.services.enqueue_relay)
    never ran: without this the cache's mark would hold back this test's relays for a minute."""
    from django.core.cache import cache

    from outbox import registry, services

    cache.delete_many([services.queued_mark(name) for name in registry.TOPICS])
