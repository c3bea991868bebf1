"""Routing through a real Celery worker: a route committed in the back office reaches the
``routing`` queue in Redis, and a separate worker process writes the process-control row."""

from __future__ import annotations

import time

import pytest

from dossiers.lifecycle import transitions
from identity.models import Role
from tests.conftest import requires_postgres, requires_redis
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from tests.test_transition_concurrency import marriage_procedure  # noqa: F401 (fixture)
from tests.worker_process import running_worker
from workflow.models import ProcessStep

pytestmark = [requires_postgres, requires_redis, pytest.mark.postgres, pytest.mark.redis]


def wait_for_rows(dossier, count: int, worker, timeout: float = 60) -> list[ProcessStep]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(ProcessStep.objects.filter(dossier=dossier).order_by("order"))
        if len(found) >= count:
            return found
        time.sleep(0.2)
    pytest.fail(f"the worker wrote no routing row in {timeout} s:\n{worker.log()}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_routing_queue_routes_and_forwards(marriage_procedure, tmp_path):  # noqa: F811
    from workflow.seed import seed_workflows

    seed_workflows()  # a transactional test starts from empty tables: no default template
    desk = OfficialFactory(username="desk", role=Role.RECEPTION, agency=HOME_WARD)
    specialist = OfficialFactory(username="cv", role=Role.SPECIALIST, agency=HOME_WARD)
    dossier = transitions.receive(DossierFactory(submitted=True), desk)

    with running_worker(tmp_path, "routing", ["routing"]) as worker:
        dossier = transitions.route(dossier, desk)  # commits: the signal enqueues the task
        [first] = wait_for_rows(dossier, 1, worker)
        assert (first.order, first.role, first.finished_at) == (2, Role.SPECIALIST, None)
        assert first.handed_to.code == HOME_WARD

        transitions.forward(dossier, specialist, note="Trình ký")
        closed, opened = wait_for_rows(dossier, 2, worker)
        assert closed.finished_at is not None and closed.result == "early"
        assert (opened.order, opened.role, opened.note) == (3, Role.LEADER, "Trình ký")
        assert "workflow.route_dossier" in worker.log()
    assert ProcessStep.objects.filter(dossier=dossier).count() == 2
