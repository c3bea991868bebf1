"""A retired procedure version is as final as a published one (more: it cannot even change its
status or validity any more). Dossiers filed under it point at it, so editing it would rewrite
what those citizens were asked.

A planted bug that treated only *published* versions as frozen survived the suite; these tests
try every way in: the model's ``save``/``clean``/``delete``, the parts of the version, and the
admin's change view and actions.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from procedures.models import Procedure, ProcedureVersion
from procedures.services import new_draft_from, publish_version
from tests.conftest import otp_verified_login

pytestmark = pytest.mark.django_db

MARRIAGE = "1.000894"
Status = ProcedureVersion.Status


def retire(version: ProcedureVersion) -> ProcedureVersion:
    """Retire ``version`` the way it happens: a newer draft of it is published."""
    publish_version(new_draft_from(version))
    version.refresh_from_db()
    assert version.status == Status.RETIRED
    return version


@pytest.fixture
def retired() -> ProcedureVersion:
    """The marriage procedure's version in force, retired."""
    return retire(Procedure.objects.get(national_code=MARRIAGE).current_version)


@pytest.fixture
def draft() -> ProcedureVersion:
    return new_draft_from(Procedure.objects.get(national_code=MARRIAGE).current_version)


def unchanged(version: ProcedureVersion) -> ProcedureVersion:
    return ProcedureVersion.objects.get(pk=version.pk)


# --- the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Thủ tục đã sửa"),
        ("conditions", "Điều kiện mới"),
        ("required_assurance_level", 1),
        ("status", Status.PUBLISHED),  # un-retiring would put two versions in force
        ("status", Status.DRAFT),
        ("valid_to", None),
    ],
)
def test_a_retired_version_refuses_every_change(retired, field, value):
    before = getattr(retired, field)
    setattr(retired, field, value)
    with pytest.raises(ValidationError):
        retired.full_clean()
    with pytest.raises(ValidationError):
        retired.save()
    assert getattr(unchanged(retired), field) == before


def test_a_retired_version_saved_unchanged_is_fine(retired):
    retired.full_clean()
    retired.save()  # e.g. the admin's "save" on a read-only page
    assert unchanged(retired).status == Status.RETIRED


def test_a_retired_version_cannot_be_deleted_or_published_again(retired):
    with pytest.raises(ValidationError):
        retired.delete()
    with pytest.raises(ValidationError):
        publish_version(retired)
    assert unchanged(retired).status == Status.RETIRED


def test_parts_of_a_retired_version_are_frozen(retired):
    document = retired.documents.first()
    document.name = "khác"
    with pytest.raises(ValidationError):
        document.save()
    with pytest.raises(ValidationError):
        retired.channels.first().delete()
    with pytest.raises(ValidationError):
        retired.results.create(name="Kết quả mới", order=99)
    assert retired.documents.filter(name="khác").count() == 0


def test_fee_lines_of_a_retired_version_are_frozen(draft):
    channel = draft.channels.first()
    channel.fees.create(text="Lệ phí đăng ký", amount_vnd=0)
    publish_version(draft)
    retire(draft)
    line = channel.fees.get()
    line.text = "Lệ phí đã sửa"
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        line.delete()
    with pytest.raises(ValidationError):
        channel.fees.create(text="Phí mới", amount_vnd=10_000)
    assert list(channel.fees.values_list("text", flat=True)) == ["Lệ phí đăng ký"]


def test_a_published_version_may_still_be_retired(draft):
    """The one change allowed to a frozen version, so the refusal above is not too wide."""
    published = draft.procedure.current_version
    published.status = Status.RETIRED
    published.full_clean()
    published.save()
    assert unchanged(published).status == Status.RETIRED


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("catalogue-admin", "a@example.vn", None)
    otp_verified_login(client, user)
    return client


def change_url(version: ProcedureVersion) -> str:
    return f"/admin/procedures/procedureversion/{version.pk}/change/"


def resubmitted(page, **changes) -> dict:
    """The POST the change page would send back as it is, with ``changes`` on top."""
    data: dict = {"_save": "Save"}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:
                data[form.add_prefix(name)] = value
    data.update(changes)
    return data


def test_admin_change_view_of_a_retired_version_is_read_only(admin_client, retired):
    page = admin_client.get(change_url(retired))
    assert page.status_code == 200
    assert not page.context["adminform"].form.fields  # every field shown read-only
    assert 'name="name"' not in page.content.decode()
    for inline in page.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_change_permission

    first_document = retired.documents.order_by("order", "pk").first()
    data = resubmitted(
        page,
        name="Thủ tục đã sửa qua trang quản trị",
        status=Status.PUBLISHED,
        **{"documents-0-name": "Giấy tờ đã sửa", "documents-0-DELETE": "on"},
    )
    answer = admin_client.post(change_url(retired), data)

    assert answer.status_code in (200, 302)
    after = unchanged(retired)
    assert (after.name, after.status) == (retired.name, Status.RETIRED)
    assert after.documents.count() == retired.documents.count()
    assert after.documents.order_by("order", "pk").first().name == first_document.name


def test_admin_change_view_still_edits_a_draft(admin_client, draft):
    """Control for the test above: the same resubmission changes a draft, so the helper
    really sends what the page would."""
    page = admin_client.get(change_url(draft))
    answer = admin_client.post(change_url(draft), resubmitted(page, name="Bản nháp đã sửa"))
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert unchanged(draft).name == "Bản nháp đã sửa"


def test_admin_refuses_to_delete_or_republish_a_retired_version(admin_client, retired):
    delete = admin_client.post(
        f"/admin/procedures/procedureversion/{retired.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    admin_client.post(
        "/admin/procedures/procedureversion/",
        {"action": "publish", "_selected_action": [retired.pk]},
    )
    assert unchanged(retired).status == Status.RETIRED
    assert ProcedureVersion.objects.filter(pk=retired.pk).exists()
