"""Rules that used to have two to four copies which disagreed; each now has one source, and
each test here pins the rule that copy follows (see the commit that unified it)."""

from __future__ import annotations

import hashlib
import stat
import uuid
from urllib.parse import urlencode

import pytest

from dossiers import services
from dossiers.documents import store
from dossiers.models import Dossier, Status
from procedures.models import Procedure, ProcedureVersion
from procedures.services import find_procedure
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"  # Đăng ký khai sinh
LOCAL_BIRTH = "1.001193.000.00.00.H29"


# --- procedure lookup by code ------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", [BIRTH, LOCAL_BIRTH, LOCAL_BIRTH.lower(), f"  {BIRTH} ", f"\t{LOCAL_BIRTH}\n"]
)
def test_a_procedure_is_found_by_national_or_local_code_whatever_the_case(given):
    assert find_procedure(given).national_code == BIRTH


@pytest.mark.parametrize("given", ["", "   ", "1.001193\x00", "1" * 41, "1.0011"])
def test_nothing_is_found_for_an_empty_overlong_nul_or_partial_code(given):
    assert find_procedure(given) is None


def test_a_procedure_whose_version_in_force_is_not_published_is_found_nowhere(client):
    procedure = Procedure.objects.get(national_code=BIRTH)
    ProcedureVersion.objects.filter(pk=procedure.current_version_id).update(
        status=ProcedureVersion.Status.RETIRED
    )
    assert find_procedure(BIRTH) is None
    # The catalogue page and the catalogue API agree on it (they used to differ).
    assert client.get(f"/procedures/{BIRTH}/").status_code == 404
    assert client.get(f"/api/v1/procedures/{BIRTH}/").status_code == 404


def test_the_api_finds_a_local_code_in_lower_case_like_the_page(client):
    code = LOCAL_BIRTH.lower()
    for url in (f"/procedures/{code}/", f"/api/v1/procedures/{code}/"):
        assert client.get(url).status_code == 200, url


def test_the_caller_keeps_its_own_joins():
    queryset = Procedure.objects.select_related("current_version")
    procedure = find_procedure(BIRTH, queryset)
    assert "current_version" in procedure._state.fields_cache


# --- the citizen-login redirect ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/procedures/{BIRTH}/apply/?from=home",  # the apply pages
        "/dossiers/H29.26743-260101-0001/?tab=timeline",  # the tracking pages
        "/documents/00000000-0000-4000-8000-000000000000/?inline=1",  # the documents pages
        "/account/?edit=1",  # the account page of identity
    ],
)
def test_every_citizen_page_sends_a_visitor_to_vneid_and_back_to_the_same_place(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/auth/vneid/login/?{urlencode({'next': path})}"


def test_is_official_has_one_source():
    from identity import access, citizens

    assert not hasattr(citizens, "is_official")
    assert callable(access.is_official)


# --- the draft lock --------------------------------------------------------------------------


MARRIAGE = "1.000894"  # Đăng ký kết hôn


@pytest.fixture
def draft():
    citizen = CitizenFactory()
    return services.start_draft(citizen, Procedure.objects.get(national_code=MARRIAGE))


def _changes(dossier, citizen):
    """Every change of a draft, from the form services and the document store alike."""
    return {
        "save_draft": lambda: services.save_draft(dossier, citizen, {}),
        "delete_draft": lambda: services.delete_draft(dossier, citizen),
        "detach": lambda: store.detach(dossier, citizen, 1),
        "reuse_document": lambda: store.reuse_document(dossier, citizen, "x", uuid.uuid4()),
    }


def test_someone_elses_draft_is_not_found_by_any_change(draft):
    stranger = CitizenFactory(id_number="079190005678")
    for name, change in _changes(draft, stranger).items():
        with pytest.raises(services.DraftNotFound):
            change()
        assert Dossier.objects.filter(pk=draft.pk).exists(), name


def test_a_draft_deleted_meanwhile_is_not_found_by_any_change(draft):
    Dossier.objects.filter(pk=draft.pk).delete()
    for _name, change in _changes(draft, draft.applicant).items():
        with pytest.raises(services.DraftNotFound):
            change()


def test_a_submitted_dossier_is_a_conflict_for_every_change(draft):
    Dossier.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED)
    for _name, change in _changes(draft, draft.applicant).items():
        with pytest.raises(services.Conflict):
            change()


def test_the_api_answers_a_vanished_draft_with_404_in_the_error_shape():
    from dossiers.api import dossier_exception_handler

    response = dossier_exception_handler(services.DraftNotFound("gone"), {})
    assert response.status_code == 404
    assert response.data["error"]["detail"] == "gone"


# --- the private file write ----------------------------------------------------------------------


def test_every_private_file_is_written_owner_only_whole_or_not_at_all(tmp_path):
    from dossiers.documents.storage import TooLarge, write_atomically

    target = tmp_path / "receipts" / "a.pdf"
    size, sha256 = write_atomically(target, [b"%PDF-", b"1.7"])
    assert (size, target.read_bytes()) == (8, b"%PDF-1.7")
    assert sha256 == hashlib.sha256(b"%PDF-1.7").hexdigest()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700

    with pytest.raises(TooLarge):
        write_atomically(target, [b"x" * 6, b"x" * 6], limit=10)
    assert target.read_bytes() == b"%PDF-1.7", "a refused write leaves the old file alone"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.pdf"], "nothing left behind"


def test_the_receipt_and_uploads_share_the_private_write():
    from dossiers import tasks
    from dossiers.documents import storage

    assert tasks.write_atomically is storage.write_atomically
    assert not hasattr(tasks, "_write_atomically")


# --- the idempotent-replay check ---------------------------------------------------------------


def test_a_key_is_a_replay_of_its_own_dossier_only(draft):
    citizen = draft.applicant
    assert services.replay_of(draft, citizen, "k-1") is None
    Dossier.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, idempotency_key="k-1")
    assert services.replay_of(draft, citizen, "k-1").pk == draft.pk
    other = services.start_draft(citizen, Procedure.objects.get(national_code=MARRIAGE))
    with pytest.raises(services.KeyReused):
        services.replay_of(other, citizen, "k-1")


def test_the_api_answers_a_key_reused_in_a_race_with_422_like_a_key_reused_before(
    draft, client, monkeypatch
):
    """Two drafts submitted at once with one key: the loser's submit raises KeyReused (the
    unique constraint); the API used to answer it 400, while the same refusal found before
    submitting was 422. Both are 422 now."""

    def lost_the_race(*args, **kwargs):
        raise services.KeyReused("taken")

    monkeypatch.setattr(services, "submit", lost_the_race)
    client.force_login(draft.applicant.user)
    response = client.post(
        f"/api/v1/dossiers/{draft.public_id}/submit",
        {"consent": True},
        content_type="application/json",
        headers={"Idempotency-Key": "k-race"},
    )
    assert response.status_code == 422, response.content
    assert "Idempotency-Key" in response.json()["error"]["fields"]
