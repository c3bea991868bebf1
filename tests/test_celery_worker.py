"""A real Celery worker process picks up a task from Redis and writes to PostgreSQL.

This is the path every slow or external step of the portal takes in production, so it is
tested with nothing faked: a separate ``celery worker`` process, the real broker, and the test
database, reached through a ``DATABASE_URL`` built from the test settings.
"""

from __future__ import annotations

import pytest

from tests.conftest import requires_postgres, requires_redis
from tests.worker_process import running_worker

BIRTH_REGISTRATION = "1.001193"  # Thủ tục đăng ký khai sinh

pytestmark = [requires_postgres, requires_redis, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def celery_worker(tmp_path):
    """A real worker on the ``default`` queue, the test's Redis and PostgreSQL databases."""
    with running_worker(tmp_path, "pytest", ["default"]) as worker:
        yield worker


@pytest.mark.django_db(transaction=True)
def test_worker_rebuilds_the_search_index(popular_subset, celery_worker):
    from procedures.importer import import_records
    from procedures.models import Procedure
    from procedures.search import SearchParams, search
    from procedures.tasks import rebuild_search_index

    report = import_records(popular_subset)
    assert report.rejected == []
    codes = {record["code"] for record in popular_subset}
    assert Procedure.objects.filter(national_code__in=codes).count() == len(codes)
    listed = Procedure.objects.filter(current_version__isnull=False).count()

    Procedure.objects.update(search_name="", search_text="", search_vector=None)
    assert not search(SearchParams(q="dang ky khai sinh")).exists()

    result = rebuild_search_index.delay()
    try:
        refreshed = result.get(timeout=60)
    except Exception as exc:
        pytest.fail(f"the task did not complete: {exc!r}\n{celery_worker.log()}")

    assert refreshed == listed >= len(codes)
    assert result.successful()
    assert not Procedure.objects.filter(
        current_version__isnull=False, search_vector__isnull=True
    ).exists()
    birth = Procedure.objects.get(national_code=BIRTH_REGISTRATION)
    assert birth.search_name == "thu tuc dang ky khai sinh"
    assert BIRTH_REGISTRATION in birth.search_text
    found = list(search(SearchParams(q="dang ky khai sinh"))[:5])
    assert found, "the rebuilt index finds nothing"
    assert found[0].national_code == BIRTH_REGISTRATION
    assert "succeeded in" in celery_worker.log()
