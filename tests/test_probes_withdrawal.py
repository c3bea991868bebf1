"""Withdrawal status by status (DOMAIN.md §3: 1, 2, 4, 5 → 7; never from any other status).

A planted bug that let a dossier be withdrawn while fees were due (status 6) survived the suite,
which only tried statuses 1, 3, 7, 8, 9 and 10. Here every national status is tried on the
service, the citizen's page and the API.
"""

from __future__ import annotations

import pytest

from dossiers import services
from dossiers.models import Dossier, DossierEvent, Status
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db

ALLOWED = {1, 2, 4, 5}
REFUSED_VI = "Hồ sơ này không thể rút được nữa."
EVERY_STATUS = [pytest.param(code, id=f"status-{code}") for code in range(1, 11)]


@pytest.fixture
def citizen():
    return CitizenFactory(with_contact=True)


@pytest.fixture
def owner(client, citizen):
    client.force_login(citizen.user)
    return client


def dossier_in(citizen, status: int) -> Dossier:
    dossier = submitted(citizen)
    Dossier.objects.filter(pk=dossier.pk).update(status=status)
    dossier.refresh_from_db()
    return dossier


def assert_outcome(dossier: Dossier, status: int) -> None:
    """Withdrawn with one timeline row when allowed; untouched otherwise."""
    dossier.refresh_from_db()
    events = DossierEvent.objects.filter(dossier=dossier, action="withdrawn")
    if status in ALLOWED:
        assert dossier.status == Status.WITHDRAWN
        assert dossier.finished_at is not None
        assert [(e.from_status, e.to_status) for e in events] == [(status, Status.WITHDRAWN)]
    else:
        assert dossier.status == status
        assert dossier.finished_at is None
        assert not events.exists()


def test_the_rule_is_the_documented_table():
    assert {int(s) for s in services.WITHDRAWABLE} == ALLOWED


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_service(citizen, status):
    dossier = dossier_in(citizen, status)
    if status in ALLOWED:
        assert services.withdraw(dossier, citizen, "Nộp nhầm").status == Status.WITHDRAWN
    else:
        with pytest.raises(services.Conflict):
            services.withdraw(dossier, citizen, "Nộp nhầm")
    assert_outcome(dossier, status)


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_citizen_page(owner, citizen, status):
    dossier = dossier_in(citizen, status)
    url = f"/dossiers/{dossier.code}/withdraw/"
    page = owner.get(f"/dossiers/{dossier.code}/").content.decode()
    assert (url in page) is (status in ALLOWED)  # the button only where it can work

    confirm = owner.get(url, follow=True)  # follow: the refusal message is shown and consumed
    if status in ALLOWED:
        assert confirm.redirect_chain == []
        assert b'name="reason"' in confirm.content
    else:
        assert confirm.redirect_chain == [(f"/dossiers/{dossier.code}/", 302)]
        assert REFUSED_VI in confirm.content.decode()

    done = owner.post(url, {"reason": "Nộp nhầm thủ tục"}, follow=True)
    html = done.content.decode()
    if status in ALLOWED:
        assert "alert--error" not in html
    else:
        assert REFUSED_VI in html  # the service's own refusal, translated
    assert_outcome(dossier, status)


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_api(owner, citizen, status):
    dossier = dossier_in(citizen, status)
    response = owner.post(
        f"/api/v1/dossiers/{dossier.code}/withdraw",
        {"reason": "Nộp nhầm"},
        content_type="application/json",
    )
    if status in ALLOWED:
        assert response.status_code == 200
        assert response.json()["status"] == Status.WITHDRAWN
    else:
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["status"] == 409
        assert error["detail"]
    assert_outcome(dossier, status)
