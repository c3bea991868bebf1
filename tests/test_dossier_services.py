"""Draft → submit through the dossier services (the views and the API call these)."""

import datetime

import pytest

from dossiers import services
from dossiers.models import DossierDocument, Status, StoredDocument
from procedures.models import Procedure
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    return CitizenFactory()


def attach_all_required(dossier, citizen):
    dossier.refresh_from_db()
    for slot in services.missing_documents(dossier):
        stored = StoredDocument.objects.create(
            owner=citizen, source="upload", title=slot["name"][:50], original_name="a.pdf",
            storage_name=f"test-{slot['id']}", content_type="application/pdf", size=10,
            sha256="0" * 64,
        )  # fmt: skip
        DossierDocument.objects.create(dossier=dossier, slot_id=slot["id"], stored=stored)


def test_draft_is_prefilled_from_the_profile(citizen):
    dossier = services.start_draft(citizen, Procedure.objects.get(national_code="1.004884"))
    applicant = dossier.form_data["applicant"]
    assert applicant["full_name"] == "Nguyễn Văn An"
    assert applicant["birth_date"] == "1985-03-12"
    assert applicant["ward"] == "H29.26743"
    assert dossier.code is None and dossier.status == Status.DRAFT
    assert dossier.receiving_agency.code == "H29.26743"  # commune procedure: the citizen's ward


def test_level_one_account_cannot_start_a_level_two_procedure(citizen):
    citizen.assurance_level = 1
    citizen.save()
    with pytest.raises(services.DossierError, match="2"):
        services.start_draft(citizen, Procedure.objects.get(national_code="1.004884"))


def test_invalid_draft_data_is_kept_and_reported(citizen):
    dossier = services.start_draft(citizen, Procedure.objects.get(national_code="1.004884"))
    result = services.save_draft(
        dossier, citizen, {"applicant": {"full_name": "An", "phone": "12"}}
    )
    assert "applicant.phone" in result.errors
    dossier.refresh_from_db()
    assert dossier.form_data["applicant"]["phone"] == "12"


def test_submit_needs_consent_valid_data_and_documents_then_gives_a_code(citizen):
    procedure = Procedure.objects.get(national_code="1.004884")
    dossier = services.start_draft(citizen, procedure)
    with pytest.raises(services.DossierError) as refused:
        services.submit(dossier, citizen, idempotency_key="k1", consent=True)
    assert "applicant.address" in refused.value.errors
    assert any(key.startswith("documents.") for key in refused.value.errors)
    with pytest.raises(services.DossierError) as no_consent:
        services.submit(dossier, citizen, idempotency_key="k1", consent=False)
    assert "consent" in no_consent.value.errors

    request = {"request": "Đăng ký lại khai sinh"}
    case_field = [f for f in dossier.form_schema["sections"][1]["fields"] if f["id"] == "case"]
    if case_field:
        request["case"] = case_field[0]["choices"][0]["value"]
    services.save_draft(
        dossier,
        citizen,
        {
            "applicant": {**dossier.form_data["applicant"], "address": "12 Lê Lợi"},
            "request": request,
        },
    )
    attach_all_required(dossier, citizen)
    submitted = services.submit(dossier, citizen, idempotency_key="k1", consent=True)
    today = datetime.date.today()
    assert submitted.status == Status.SUBMITTED
    assert submitted.code.startswith(f"H29.26743-{today:%y%m%d}-")
    assert submitted.procedure_version == procedure.current_version
    assert submitted.submitted_data["applicant"]["address"] == "12 Lê Lợi"

    again = services.submit(dossier, citizen, idempotency_key="k1", consent=True)
    assert again.pk == submitted.pk and again.code == submitted.code
    with pytest.raises(services.Conflict):
        services.save_draft(submitted, citizen, {"request": {"request": "x"}})

    withdrawn = services.withdraw(submitted, citizen, "Nộp nhầm")
    assert withdrawn.status == Status.WITHDRAWN
    with pytest.raises(services.Conflict):
        services.withdraw(withdrawn, citizen, "again")
    assert [e.action for e in services.timeline(withdrawn)] == ["submitted", "withdrawn"]


def test_a_submission_key_cannot_be_reused_for_another_dossier(citizen):
    procedure = Procedure.objects.get(national_code="1.004884")
    first = services.start_draft(citizen, procedure)
    second = services.start_draft(citizen, procedure)
    first.idempotency_key = "shared-key"
    first.save(update_fields=["idempotency_key"])
    with pytest.raises(services.KeyReused):
        services.submit(second, citizen, idempotency_key="shared-key", consent=True)
    second.refresh_from_db()
    assert second.status == Status.DRAFT and second.code is None


def test_a_new_draft_reuses_answers_of_the_previous_dossier_for_the_same_procedure(citizen):
    from django.utils import timezone

    from dossiers.models import Dossier

    procedure = Procedure.objects.get(national_code="1.004884")
    Dossier.objects.create(
        procedure=procedure,
        procedure_version=procedure.current_version,
        applicant=citizen,
        status=Status.SUBMITTED,
        code="H29.26743-261120-0001",
        submitted_at=timezone.now(),
        submitted_data={
            "applicant": {"full_name": "Tên cũ", "address": "12 Lê Lợi"},
            "request": {"request": "Đăng ký lại khai sinh cho con"},
        },
    )
    draft = services.start_draft(citizen, procedure)
    assert draft.form_data["applicant"]["address"] == "12 Lê Lợi"  # the profile has none
    assert draft.form_data["applicant"]["full_name"] == "Nguyễn Văn An"  # VNeID wins
    assert "request" not in draft.form_data["request"]  # what the request was about is not


def test_a_procedure_without_online_filing_cannot_be_started(citizen):
    offline = Procedure.objects.filter(online_level="none").first()
    with pytest.raises(services.DossierError, match="trực tuyến|online"):
        services.start_draft(citizen, offline)


def test_files_in_slots_of_another_case_are_left_out_at_submission(citizen):
    procedure = Procedure.objects.get(national_code="1.000020")  # a generated form with cases
    dossier = services.start_draft(citizen, procedure)
    cases = [f for f in dossier.form_schema["sections"][1]["fields"] if f["id"] == "case"]
    assert cases, "the procedure should offer cases"
    chosen, other_case = (choice["value"] for choice in cases[0]["choices"][:2])
    services.save_draft(
        dossier,
        citizen,
        {
            "applicant": {**dossier.form_data["applicant"], "address": "12 Lê Lợi"},
            "request": {"request": "Đề nghị", "case": chosen},
        },
    )
    attach_all_required(dossier, citizen)
    stray_slot = next(s for s in dossier.form_schema["documents"] if s.get("case") == other_case)
    stored = StoredDocument.objects.create(
        owner=citizen, source="upload", title="x", original_name="x.pdf",
        storage_name="test-stray", content_type="application/pdf", size=1, sha256="0" * 64,
    )  # fmt: skip
    DossierDocument.objects.create(dossier=dossier, slot_id=stray_slot["id"], stored=stored)

    submitted = services.submit(dossier, citizen, idempotency_key="k-case", consent=True)
    assert submitted.code
    assert not submitted.documents.filter(slot_id=stray_slot["id"]).exists()
    assert StoredDocument.objects.filter(pk=stored.pk).exists()  # still in the citizen's store
