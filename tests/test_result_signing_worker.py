"""Signing through a real Celery worker: the approval commits, the task reaches the
``documents`` queue in Redis, a separate worker process signs the result once, even when the
same task is sent again (a redelivery)."""

from __future__ import annotations

import io
import time

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from dossiers import results
from dossiers.lifecycle import transitions
from dossiers.models import DossierResult
from dossiers.results import ResultChoice
from dossiers.signing import verify
from dossiers.signing.tasks import render_signed_result
from identity.models import Role
from tests.conftest import requires_postgres, requires_redis
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from tests.test_transition_concurrency import marriage_procedure  # noqa: F401 (fixture)
from tests.worker_process import running_worker

pytestmark = [requires_postgres, requires_redis, pytest.mark.postgres, pytest.mark.redis]


def wait_until_signed(result_id: int, worker, timeout: float = 60) -> DossierResult:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = DossierResult.objects.get(pk=result_id)
        if result.is_signed:
            return result
        time.sleep(0.2)
    pytest.fail(f"the worker signed nothing in {timeout} s:\n{worker.log()}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_documents_queue_signs_the_result_once(
    marriage_procedure,  # noqa: F811 (a transactional test starts from empty tables)
    settings,
    tmp_path,
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.RESULT_SIGNING_DEMO_DIR = tmp_path / "signing"
    settings.RESULT_SIGNING_BACKEND = "demo"
    settings.RESULT_TRUST_ROOTS = []
    desk = OfficialFactory(username="desk", role=Role.RECEPTION, agency=HOME_WARD)
    leader = OfficialFactory(username="leader", role=Role.LEADER, agency=HOME_WARD)
    dossier = transitions.route(transitions.receive(DossierFactory(submitted=True), desk), desk)

    environment = {
        "PRIVATE_STORAGE_ROOT": str(settings.PRIVATE_STORAGE_ROOT),
        "RESULT_SIGNING_DEMO_DIR": str(settings.RESULT_SIGNING_DEMO_DIR),
        "RESULT_SIGNING_BACKEND": "demo",
    }
    with running_worker(tmp_path, "signing", ["documents"], **environment) as worker:
        dossier = transitions.approve(dossier, leader, result=ResultChoice(render=True))
        result = wait_until_signed(dossier.result.pk, worker)
        first = (result.signed_storage_name, result.signed_sha256, result.signed_at)
        # The same task again (what a redelivery does): nothing changes.
        render_signed_result.delay(result.pk).get(timeout=60)
        again = DossierResult.objects.get(pk=result.pk)
        assert (again.signed_storage_name, again.signed_sha256, again.signed_at) == first
        assert "dossiers.render_signed_result" in worker.log()
    data = results.file_of(again).read_bytes()
    assert len(PdfFileReader(io.BytesIO(data)).embedded_signatures) == 1
    assert verify.check_pdf(data).genuine
    written = sorted(p.name for p in settings.PRIVATE_STORAGE_ROOT.rglob("*.pdf"))
    assert written == sorted([again.storage_name, again.signed_storage_name])
