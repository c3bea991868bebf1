"""Fixtures of the checks that run on SQLite (the embedded demo's database), in their own
process started by ``tests/test_backoffice_sqlite.py``: only the catalogue's popular slice is
imported, so migrating and loading stay short."""

from __future__ import annotations

import pytest

from tests.conftest import popular


@pytest.fixture(scope="session")
def imported_catalogue(catalogue_records):
    return popular(catalogue_records)
