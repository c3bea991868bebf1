"""Published procedure versions are immutable; drafts are editable and publishable."""

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Procedure, ProcedureVersion
from procedures.services import new_draft_from, publish_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return Procedure.objects.get(national_code="1.000894").current_version


def test_published_version_cannot_be_edited(version):
    version.name = "Đã sửa"
    with pytest.raises(ValidationError):
        version.save()
    assert ProcedureVersion.objects.get(pk=version.pk).name == "Thủ tục đăng ký kết hôn"


def test_published_version_cannot_go_back_to_draft_or_be_deleted(version):
    version.status = ProcedureVersion.Status.DRAFT
    with pytest.raises(ValidationError):
        version.save()
    version.refresh_from_db()
    with pytest.raises(ValidationError):
        version.delete()
    assert ProcedureVersion.objects.filter(pk=version.pk).exists()


def test_parts_of_a_published_version_are_frozen(version):
    document = version.documents.first()
    document.name = "khác"
    with pytest.raises(ValidationError):
        document.save()
    channel = version.channels.first()
    with pytest.raises(ValidationError):
        channel.delete()
    fee = version.channels.filter(fees__isnull=False).first()
    if fee is not None:
        line = fee.fees.first()
        line.text = "x"
        with pytest.raises(ValidationError):
            line.save()


def test_new_draft_copies_everything_and_can_be_edited_then_published(version):
    draft = new_draft_from(version)
    assert draft.number == version.number + 1
    assert draft.status == ProcedureVersion.Status.DRAFT
    assert draft.documents.count() == version.documents.count()
    assert draft.channels.count() == version.channels.count()
    assert sum(c.fees.count() for c in draft.channels.all()) == sum(
        c.fees.count() for c in version.channels.all()
    )
    draft.name = "Thủ tục đăng ký kết hôn (mẫu mới)"
    draft.save()
    doc = draft.documents.first()
    doc.name = "Tờ khai đăng ký kết hôn (mẫu mới)"
    doc.save()

    publish_version(draft)
    procedure = Procedure.objects.get(pk=version.procedure_id)
    assert procedure.current_version_id == draft.pk
    assert procedure.search_name == "thu tuc dang ky ket hon mau moi"
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.RETIRED
    assert version.documents.first().name != "Tờ khai đăng ký kết hôn (mẫu mới)"


def test_publishing_twice_is_refused(version):
    with pytest.raises(ValidationError):
        publish_version(version)
