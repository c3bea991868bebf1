"""Submissions under real concurrency (PostgreSQL), and the receipt rendered by a real worker.

Each thread has its own database connection, as gunicorn workers would. Transactional tests see
an empty database unless they load what they need, so each imports the marriage procedure
(which also seeds the city's agencies).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from dossiers import services, tasks
from dossiers.models import Dossier, DossierCounter, DossierFile, Status
from tests.conftest import requires_postgres, requires_redis
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import MARRIAGE, WARD, ready_draft
from tests.worker_process import running_worker

SUBMISSIONS = 50

pytestmark = [requires_postgres, pytest.mark.postgres]


@pytest.fixture
def marriage_procedure(catalogue_records):
    from procedures.importer import import_records

    report = import_records([r for r in catalogue_records if r["code"] == MARRIAGE])
    assert report.rejected == []


@pytest.fixture
def enqueued(monkeypatch):
    """Codes handed to the receipt task (captured instead of sent to a broker)."""
    codes: list[str] = []
    lock = threading.Lock()

    def delay(code):
        with lock:
            codes.append(code)

    monkeypatch.setattr(tasks.render_receipt, "delay", delay)
    return codes


def run_in_threads(count: int, work) -> list:
    """Run ``work(index)`` in ``count`` threads released together; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # reported by the caller
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a submission hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_to_one_agency_get_consecutive_codes(
    marriage_procedure, enqueued
):
    assert connection.vendor == "postgresql"
    people = [
        CitizenFactory(id_number=f"0790850{n:05d}", full_name=f"Người Nộp {n}", with_contact=True)
        for n in range(SUBMISSIONS)
    ]
    drafts = [ready_draft(person) for person in people]
    assert {draft.receiving_agency.code for draft in drafts} == {WARD}

    def submit(index: int) -> Dossier:
        return services.submit(
            drafts[index], people[index], idempotency_key=f"submit-{index}", consent=True
        )

    results = run_in_threads(SUBMISSIONS, submit)

    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures[:3]
    today = timezone.localdate()
    expected = [f"{WARD}-{today:%y%m%d}-{n:04d}" for n in range(1, SUBMISSIONS + 1)]
    assert sorted(r.code for r in results) == expected  # distinct, consecutive, no gap
    stored = Dossier.objects.filter(procedure__national_code=MARRIAGE).exclude(code=None)
    assert sorted(stored.values_list("code", flat=True)) == expected
    assert set(stored.values_list("status", flat=True)) == {Status.SUBMITTED}
    assert DossierCounter.objects.get(agency__code=WARD, day=today).last == SUBMISSIONS
    # Each receipt was scheduled once, after its transaction committed.
    assert sorted(enqueued) == expected


@pytest.mark.django_db(transaction=True)
def test_resent_submission_with_the_same_key_makes_one_dossier(marriage_procedure, enqueued):
    citizen = CitizenFactory(with_contact=True)
    draft = ready_draft(citizen)
    first = services.submit(draft, citizen, idempotency_key="once", consent=True)
    again = services.submit(draft, citizen, idempotency_key="once", consent=True)
    assert again.pk == first.pk and again.code == first.code

    other = CitizenFactory(id_number="079190005678", full_name="Trần Thị Bình", with_contact=True)
    other_draft = ready_draft(other)

    def resend(_index: int):
        return services.submit(other_draft, other, idempotency_key="resent", consent=True)

    results = run_in_threads(5, resend)

    made = Dossier.objects.filter(applicant=other).exclude(code=None)
    assert made.count() == 1
    dossier = made.get()
    assert dossier.idempotency_key == "resent"
    # Every resend, including those that waited on the row lock, gets the same dossier back.
    assert all(isinstance(r, Dossier) for r in results), results
    assert {r.pk for r in results} == {dossier.pk}
    assert {r.code for r in results} == {dossier.code}
    assert DossierCounter.objects.get(agency__code=WARD).last == 2  # no code was wasted
    assert sorted(enqueued) == sorted([first.code, dossier.code])


# --- a real worker renders the receipt ----------------------------------------------------------


@pytest.fixture
def documents_worker(tmp_path):
    """A real ``celery worker`` consuming the ``documents`` queue, with private files in tmp."""
    private = tmp_path / "private"
    with running_worker(
        tmp_path, "pytest-docs", ["documents"], PRIVATE_STORAGE_ROOT=str(private)
    ) as worker:
        worker.private_root = private
        yield worker


@requires_redis
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_renders_the_receipt_after_the_submission_commits(
    marriage_procedure, documents_worker
):
    citizen = CitizenFactory(with_contact=True)
    draft = ready_draft(citizen)
    dossier = services.submit(draft, citizen, idempotency_key="worker", consent=True)
    # submit() scheduled render_receipt.delay(code) with on_commit; it is now on the queue.

    deadline = time.monotonic() + 60
    receipt = None
    while receipt is None and time.monotonic() < deadline:
        receipt = DossierFile.objects.filter(dossier=dossier, kind="receipt").first()
        if receipt is None:
            time.sleep(0.3)
    assert receipt is not None, f"no receipt after 60 s\n{documents_worker.log()}"
    path = documents_worker.private_root / receipt.storage_name
    assert path.read_bytes().startswith(b"%PDF-")
    assert (path.stat().st_mode & 0o777) == 0o600
    log = documents_worker.log()
    assert "dossiers.render_receipt" in log and "succeeded in" in log
    assert f"no dossier {dossier.code}" not in log  # it did not run before the commit
