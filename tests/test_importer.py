"""The catalogue importer: everything usable is imported, nothing twice, bad records reported."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import call_command

from procedures.importer import import_records, record_hash
from procedures.models import (
    Agency,
    Channel,
    DocumentSlot,
    FeeLine,
    LegalBasis,
    Procedure,
    ProcedureVersion,
    ResultDocument,
)
from procedures.services import publish_version

pytestmark = pytest.mark.django_db

COUNTED = [Procedure, ProcedureVersion, Channel, FeeLine, DocumentSlot, ResultDocument, LegalBasis]


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_every_usable_record_is_imported_with_its_parts(catalogue_records):
    assert len(catalogue_records) == 2625
    assert Procedure.objects.count() == len(catalogue_records)
    assert not Procedure.objects.filter(current_version__isnull=True).exists()
    assert not Procedure.objects.filter(receiving_agency__isnull=True).exists()
    assert DocumentSlot.objects.count() == sum(len(r["documents"]) for r in catalogue_records)
    assert Channel.objects.count() == sum(len(r["channels"]) for r in catalogue_records)
    assert LegalBasis.objects.count() == sum(len(r["legal_basis"]) for r in catalogue_records)
    birth = Procedure.objects.get(national_code="1.001193")
    assert birth.local_code == "1.001193.000.00.00.H29"
    assert birth.current_version.status == ProcedureVersion.Status.PUBLISHED
    assert birth.receives_at_commune is True
    assert birth.search_name == "thu tuc dang ky khai sinh"


def test_second_import_changes_nothing(catalogue_records):
    before = _counts()
    report = import_records(catalogue_records)
    assert (report.created, report.new_drafts, report.unchanged) == (0, 0, len(catalogue_records))
    assert report.rejected == []
    assert _counts() == before


def test_changed_record_becomes_a_draft_until_published(catalogue_records):
    original = next(r for r in catalogue_records if r["code"] == "1.004222")
    changed = json.loads(json.dumps(original))
    changed["name"] = "Đăng ký thường trú (sửa đổi)"
    changed["channels"][0]["duration"] = 3
    report = import_records([changed])
    assert (report.created, report.new_drafts) == (0, 1)

    procedure = Procedure.objects.get(national_code="1.004222")
    draft = procedure.versions.get(number=2)
    assert draft.status == ProcedureVersion.Status.DRAFT
    assert draft.source_hash == record_hash(changed)
    assert procedure.current_version.number == 1
    assert procedure.name == "Đăng ký thường trú"  # the page still shows the version in force

    assert import_records([changed]).new_drafts == 0  # same change again: nothing new

    publish_version(draft)
    procedure.refresh_from_db()
    assert procedure.current_version_id == draft.pk
    assert procedure.name == "Đăng ký thường trú (sửa đổi)"
    old = procedure.versions.get(number=1)
    assert old.status == ProcedureVersion.Status.RETIRED
    assert (
        old.valid_to is not None
        and old.valid_to < draft.__class__.objects.get(pk=draft.pk).valid_from
    )


BAD_RECORDS = [
    ("not an object", ["1.000001"]),
    ("'code' is missing", {"name": "X", "sector": "Y", "level": "commune"}),
    (
        "not a national procedure code",
        {"code": "ABC", "name": "X", "sector": "Y", "level": "commune"},
    ),
    ("'name' is empty", {"code": "9.900001", "name": "  ", "sector": "Y", "level": "commune"}),
    ("'name' must be text", {"code": "9.900002", "name": 42, "sector": "Y", "level": "commune"}),
    ("level 'galaxy'", {"code": "9.900003", "name": "X", "sector": "Y", "level": "galaxy"}),
    (
        "channel 'fax'",
        {
            "code": "9.900004",
            "name": "X",
            "sector": "Y",
            "level": "commune",
            "channels": [{"channel": "fax"}],
        },
    ),
    (
        "fee amount",
        {
            "code": "9.900005",
            "name": "X",
            "sector": "Y",
            "level": "commune",
            "channels": [{"channel": "online", "fees": [{"amount_vnd": -5, "text": "x"}]}],
        },
    ),
    (
        "'documents' must be a list",
        {"code": "9.900006", "name": "X", "sector": "Y", "level": "commune", "documents": "x"},
    ),
]


def test_malformed_records_are_reported_and_good_ones_still_imported():
    good = {
        "code": "9.999999",
        "name": "Thủ tục thử nghiệm",
        "sector": "Thử nghiệm",
        "level": "province",
        "channels": [
            {
                "channel": "direct",
                "duration": 5,
                "unit": "working_day",
                "fees": [],
                "fee_free": True,
            }
        ],
    }
    duplicate = dict(good)
    records = [record for _reason, record in BAD_RECORDS] + [good, duplicate]
    report = import_records(records)
    assert report.created == 1
    assert Procedure.objects.filter(national_code="9.999999").exists()
    reasons = [rejected.reason for rejected in report.rejected]
    assert len(reasons) == len(BAD_RECORDS) + 1
    for (expected, _record), reason in zip(BAD_RECORDS, reasons, strict=False):
        assert expected in reason
    assert "more than once" in reasons[-1]
    assert not Procedure.objects.filter(national_code__startswith="9.9000").exists()


def test_command_prints_rejections(tmp_path):
    path = tmp_path / "catalogue.json.gz"
    records = [{"code": "1.2", "name": "x", "sector": "y", "level": "commune"}]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"procedures": records}, handle)
    out = StringIO()
    call_command("import_procedures", str(path), stdout=out)
    text = out.getvalue()
    assert "1 rejected" in text
    assert "rejected record #0 (1.2): code '1.2' is not a national procedure code" in text


def test_unreadable_file_is_a_clear_command_error(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_procedures", str(path))


def test_city_agencies_are_seeded():
    assert Agency.objects.filter(level=Agency.Level.COMMUNE).count() == 168
    city = Agency.objects.get(code="H29")
    assert city.level == Agency.Level.CITY
    justice = Agency.objects.get(name="Sở Tư pháp")
    assert justice.parent == city
    assert Procedure.objects.get(national_code="1.001193").receiving_agency == justice
    assert Procedure.objects.get(national_code="1.004222").receiving_agency.name.startswith(
        "Công an"
    )
