"""Rules of :mod:`dossiers.services` that a planted bug could remove without any test failing
(found by mutating each branch: the API's and pages' own checks hid most of them)."""

from __future__ import annotations

import pytest

from dossiers import services
from dossiers.models import Dossier, DossierDocument, Status, StoredDocument
from procedures.models import Agency, Procedure
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import ready_draft

pytestmark = pytest.mark.django_db

CRIMINAL_RECORD = "3.000333"  # Lý lịch tư pháp: received by Sở Tư pháp (H29.16) only
REMOVE_RESIDENCE = "1.003197"  # filed at any commune; one required and one optional document


@pytest.fixture
def citizen():
    return CitizenFactory(with_contact=True)


def store(citizen, name: str) -> StoredDocument:
    return StoredDocument.objects.create(
        owner=citizen, source="upload", title=name, original_name=f"{name}.pdf",
        storage_name=f"t-{name}", content_type="application/pdf", size=10, sha256="0" * 64,
    )  # fmt: skip


# --- where to file --------------------------------------------------------------------------------


def test_a_procedure_of_one_agency_cannot_be_sent_to_another(citizen):
    procedure = Procedure.objects.get(national_code=CRIMINAL_RECORD)
    draft = services.start_draft(citizen, procedure)
    assert draft.receiving_agency.code == "H29.16"
    with pytest.raises(services.DossierError):
        services.choose_receiving_agency(draft, citizen, Agency.objects.get(code="H29.03"))
    draft.refresh_from_db()
    assert draft.receiving_agency.code == "H29.16"
    services.choose_receiving_agency(draft, citizen, Agency.objects.get(code="H29.16"))


def test_a_dossier_without_a_receiving_agency_is_not_submitted():
    """A citizen without a ward has to choose where to file a commune procedure."""
    homeless = CitizenFactory(with_contact=True, ward=None)
    draft = ready_draft(homeless)
    assert draft.receiving_agency is None
    with pytest.raises(services.DossierError) as refused:
        services.submit(draft, homeless, idempotency_key="k", consent=True)
    assert set(refused.value.errors) == {"receiving_agency"}
    draft.refresh_from_db()
    assert (draft.status, draft.code) == (Status.DRAFT, None)


# --- drafts ---------------------------------------------------------------------------------------


def test_sections_the_form_does_not_have_are_not_stored(citizen):
    draft = services.start_draft(citizen, Procedure.objects.get(national_code=REMOVE_RESIDENCE))
    services.save_draft(
        draft, citizen, {"injected": {"x": "y"}, "request": {"request": "Xóa đăng ký"}}
    )
    draft.refresh_from_db()
    assert "injected" not in draft.form_data
    assert draft.form_data["request"] == {"request": "Xóa đăng ký"}


def test_documents_not_required_are_not_missing(citizen):
    # Birth registration: the birth certificate, and three papers each needed in one case.
    draft = services.start_draft(citizen, Procedure.objects.get(national_code="1.001193"))
    slots = services.active_document_slots(draft)
    required = {s["id"] for s in slots if s["required"]}
    optional = {s["id"] for s in slots if not s["required"]}
    assert required and optional, "the procedure should have both kinds of document"
    assert {s["id"] for s in services.missing_documents(draft)} == required
    for slot_id in required:
        stored = store(citizen, slot_id)
        DossierDocument.objects.create(dossier=draft, slot_id=slot_id, stored=stored)
    assert services.missing_documents(draft) == []


# --- submission -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "accepted"), [(64, True), (65, False)])
def test_the_submission_key_is_at_most_64_characters(citizen, length, accepted):
    """The service's own limit, whatever the caller checked (the column holds 64)."""
    draft = ready_draft(citizen)
    key = "k" * length
    if accepted:
        assert services.submit(draft, citizen, idempotency_key=key, consent=True).code
    else:
        with pytest.raises(services.DossierError):
            services.submit(draft, citizen, idempotency_key=key, consent=True)
        draft.refresh_from_db()
        assert draft.status == Status.DRAFT


def test_the_summary_is_cut_at_the_national_portal_limit(citizen):
    """TrichYeuHoSo holds at most 1,000 characters (DOMAIN.md §8)."""
    draft = ready_draft(citizen, request_text="Đề nghị " * 200)
    dossier = services.submit(draft, citizen, idempotency_key="k", consent=True)
    assert len(dossier.summary) == services.SUMMARY_LIMIT == 1000
    assert dossier.summary.startswith(dossier.procedure.name)


def test_submitting_and_withdrawing_each_count_as_a_revision(citizen):
    draft = ready_draft(citizen)
    before = Dossier.objects.get(pk=draft.pk).revision
    dossier = services.submit(draft, citizen, idempotency_key="k", consent=True)
    assert Dossier.objects.get(pk=dossier.pk).revision == before + 1
    services.withdraw(dossier, citizen, "Nộp nhầm")
    assert Dossier.objects.get(pk=dossier.pk).revision == before + 2


def test_a_resend_that_lost_the_race_gets_the_submitted_dossier(citizen, monkeypatch):
    """Two identical requests at once: the second does not see the first's key before it waits
    on the row lock, then finds the dossier submitted with its own key. It must get that
    dossier back, not a conflict (the double click case)."""
    draft = ready_draft(citizen)
    first = services.submit(draft, citizen, idempotency_key="same", consent=True)

    real_filter = Dossier.objects.filter

    def blind_filter(*args, **kwargs):
        if kwargs.get("idempotency_key") == "same":
            return Dossier.objects.none()  # what the racing request saw before the lock
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Dossier.objects, "filter", blind_filter)
    again = services.submit(draft, citizen, idempotency_key="same", consent=True)
    assert again.pk == first.pk and again.code == first.code
    with pytest.raises(services.Conflict):
        services.submit(draft, citizen, idempotency_key="another", consent=True)
