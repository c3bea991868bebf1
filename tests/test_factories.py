"""The shared factories build what they say, through the real services."""

from __future__ import annotations

import pytest
from django_otp import user_has_device

from dossiers.models import Status
from identity import access
from identity.models import Role
from procedures.models import Procedure, ProcedureVersion
from tests.factories import (
    DossierFactory,
    OfficialFactory,
    ProcedureVersionFactory,
    StoredDocumentFactory,
    sign_in,
)

pytestmark = pytest.mark.django_db


def test_a_dossier_is_a_draft_started_by_the_service():
    dossier = DossierFactory()
    assert dossier.status == Status.DRAFT and dossier.code is None
    assert dossier.procedure_version_id == dossier.procedure.current_version_id
    assert not dossier.documents.exists()


def test_with_documents_attaches_every_required_document():
    from dossiers import services

    # Xóa đăng ký thường trú asks for two documents (marriage asks for none).
    procedure = Procedure.objects.get(national_code="1.003197")
    dossier = DossierFactory(procedure=procedure, with_documents=True)
    assert dossier.documents.count() >= 2
    assert services.missing_documents(dossier) == []


def test_submitted_allocates_a_code_and_withdrawn_ends_in_status_7():
    submitted = DossierFactory(submitted=True, request_text="Đăng ký kết hôn với bà B")
    assert submitted.status == Status.SUBMITTED
    assert submitted.code.startswith(submitted.receiving_agency.code + "-")
    assert "Đăng ký kết hôn với bà B" in submitted.summary
    withdrawn = DossierFactory(withdrawn=True, applicant=submitted.applicant, key="key-2")
    assert withdrawn.status == Status.WITHDRAWN and withdrawn.code != submitted.code


def test_an_official_has_a_role_in_an_agency_and_a_verified_device(client):
    official = OfficialFactory(role=Role.AGENCY_ADMIN, agency="H29.04")
    assert official.staff_roles.get().agency.code == "H29.04"
    assert official.staff_roles.get().role == Role.AGENCY_ADMIN
    assert access.is_official(official) and user_has_device(official)
    assert client.get("/backoffice/").status_code == 302
    assert sign_in(client, official).get("/backoffice/").status_code == 200


def test_a_stored_document_belongs_to_its_owner():
    from dossiers.documents.store import stored_documents_of

    document = StoredDocumentFactory()
    assert list(stored_documents_of(document.owner)) == [document]


def test_a_procedure_version_is_published_and_the_old_one_retired():
    version = ProcedureVersionFactory(name="Đăng ký kết hôn (bản mới)")
    procedure = version.procedure
    procedure.refresh_from_db()
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert procedure.current_version_id == version.pk
    assert procedure.name == "Đăng ký kết hôn (bản mới)"
    assert procedure.versions.filter(status=ProcedureVersion.Status.RETIRED).exists()
