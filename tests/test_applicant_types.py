"""Who may file: the catalogue's applicant types against the VNeID account type."""

from __future__ import annotations

import pytest

from dossiers import services
from identity.models import Citizen
from procedures.applicants import account_type_of, allowed_account_types
from procedures.models import Procedure
from tests.factories import CitizenFactory

ORGANISATIONS_ONLY = "1.000125"  # applicant type: Tổ chức (không bao gồm doanh nghiệp, HTX)
MESSAGE = "Thủ tục này do"


@pytest.mark.parametrize(
    ("applicant_type", "account_type"),
    [
        ("Công dân Việt Nam", 1),
        ("Người nước ngoài", 1),
        ("Người Việt Nam định cư ở nước ngoài", 1),
        ("Cán bộ, công chức, viên chức", 1),
        ("Doanh nghiệp", 2),
        ("Doanh nghiệp có vốn đầu tư nước ngoài", 2),
        ("Hợp tác xã", 2),
        ("Tổ chức (không bao gồm doanh nghiệp, HTX)", 3),
        ("Tổ chức nước ngoài", 3),
        ("Tổ chức Đảng", 3),
        ("Tổ chức tín dụng", 3),  # unknown: by its first words
    ],
)
def test_each_applicant_type_maps_to_an_account_type(applicant_type, account_type):
    assert account_type_of(applicant_type) == account_type


def test_a_procedure_without_applicant_types_is_open_to_every_account():
    assert allowed_account_types([]) == [1, 2, 3]
    assert allowed_account_types(["Doanh nghiệp", "Hợp tác xã"]) == [2]


@pytest.fixture
def organisations_only(db):
    procedure = Procedure.objects.get(national_code=ORGANISATIONS_ONLY)
    assert procedure.current_version.applicant_types == [
        "Tổ chức (không bao gồm doanh nghiệp, HTX)"
    ]
    return procedure


def test_a_personal_account_cannot_start_an_organisations_procedure(organisations_only):
    with pytest.raises(services.NotEligible) as refused:
        services.start_draft(CitizenFactory(), organisations_only)
    assert "tài khoản cá nhân" in refused.value.message
    assert "tài khoản tổ chức" in refused.value.message


def test_an_organisation_account_can_start_it(organisations_only):
    citizen = CitizenFactory(account_type=Citizen.AccountType.ORGANISATION)
    assert services.start_draft(citizen, organisations_only).pk


def test_submission_checks_the_account_type_again(organisations_only):
    citizen = CitizenFactory(account_type=Citizen.AccountType.ORGANISATION)
    dossier = services.start_draft(citizen, organisations_only)
    citizen.account_type = Citizen.AccountType.CITIZEN  # the next VNeID login said otherwise
    citizen.save()
    with pytest.raises(services.NotEligible) as refused:
        services.submit(dossier, citizen, idempotency_key="k-1", consent=True)
    assert "account_type" in refused.value.errors
    dossier.refresh_from_db()
    assert dossier.code is None


def test_the_api_refuses_with_403_in_the_error_shape(client, organisations_only):
    client.force_login(CitizenFactory().user)
    response = client.post(
        "/api/v1/dossiers/", {"procedure": ORGANISATIONS_ONLY}, content_type="application/json"
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["status"] == 403
    assert "tài khoản tổ chức" in error["detail"]
    assert error["fields"]["account_type"] == [error["detail"]]


def test_the_apply_page_explains_which_accounts_may_file(client, organisations_only):
    client.force_login(CitizenFactory().user)
    response = client.get(f"/procedures/{ORGANISATIONS_ONLY}/apply/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="account-problem"' in html
    assert "tài khoản tổ chức" in html
    assert "Tổ chức (không bao gồm doanh nghiệp, HTX)" in html
    response = client.post(f"/procedures/{ORGANISATIONS_ONLY}/apply/")
    assert response.status_code == 403
    assert not organisations_only.dossiers.exists()
