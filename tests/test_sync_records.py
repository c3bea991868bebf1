"""Change records (sync.records): written in the transaction of every dossier change, with a
per-dossier version and the national portal's payload, valid against the committed schemas."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
import pytest
from django.utils import translation

from dossiers.errors import DossierError
from dossiers.lifecycle import transitions
from dossiers.results import ResultChoice, attach
from identity.models import Role
from sync import payloads
from sync.models import ChangeRecord
from tests.conftest import ROOT
from tests.factories import HOME_WARD, DossierFactory, OfficialFactory
from workflow.tasks import route_dossier

pytestmark = pytest.mark.django_db

SCHEMAS = {
    "dossier": json.loads((ROOT / "docs/schemas/dong-bo-ho-so-mc.json").read_text()),
    "progress": json.loads((ROOT / "docs/schemas/cap-nhat-tien-do-ho-so-mc.json").read_text()),
}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""


@pytest.fixture
def staff():
    return {
        role: OfficialFactory(username=f"ward.{role}", role=role, agency=HOME_WARD)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
    }


def records_of(dossier) -> list[ChangeRecord]:
    return list(ChangeRecord.objects.filter(dossier=dossier).order_by("version"))


def validate(record: ChangeRecord) -> None:
    jsonschema.Draft202012Validator(
        SCHEMAS[record.kind], format_checker=jsonschema.FormatChecker()
    ).validate(record.payload)


def journey(staff):
    """Submit, receive, route, hand off, extend the due date, attach a result, approve, return."""
    dossier = DossierFactory(submitted=True)
    dossier = transitions.receive(dossier, staff[Role.RECEPTION])
    dossier = transitions.route(dossier, staff[Role.RECEPTION])
    route_dossier(dossier.code)
    new_due = dossier.due_at + timedelta(days=3)
    dossier = transitions.apologise_and_extend(
        dossier, staff[Role.LEADER], note="Chờ xác minh", new_due_at=new_due
    )
    attach(dossier, staff[Role.LEADER], ResultChoice(render=True))
    dossier = transitions.approve(dossier, staff[Role.LEADER])
    dossier = transitions.return_result(dossier, staff[Role.RECEPTION])
    return dossier


def test_a_journey_writes_one_record_per_version_without_gaps(staff):
    with translation.override("en"):  # payloads are Vietnamese whatever the request language
        dossier = journey(staff)
    records = records_of(dossier)
    assert [(r.version, r.kind, r.cause) for r in records] == [
        (1, "dossier", "submitted"),
        (2, "dossier", "receive"),
        (3, "progress", "receive"),
        (4, "dossier", "route"),
        (5, "progress", "route"),
        (6, "progress", "hand_off"),
        (7, "dossier", "apologise_and_extend"),
        (8, "progress", "apologise_and_extend"),
        (9, "dossier", "result"),
        (10, "dossier", "approve"),
        (11, "progress", "approve"),
        (12, "dossier", "return_result"),
        (13, "progress", "return_result"),
    ]
    for record in records:
        validate(record)
        assert record.dossier_code == dossier.code == record.payload["MaHoSo"]
    statuses = [r.payload["TrangThaiHoSo"] for r in records if r.kind == "dossier"]
    assert statuses == [1, 2, 4, 4, 4, 9, 10]
    final = records[-2].payload
    assert final["NgayHenTra"] == payloads.national_time(dossier.due_at)
    assert final["NgayTra"] == payloads.national_time(dossier.returned_at) != ""
    assert final["DanhSachGiayToKetQua"][0]["TenGiayTo"] == dossier.result.title
    assert final["MaTTHC"] == dossier.procedure.national_code
    attached = sorted(dossier.documents.values_list("slot_id", flat=True))
    assert sorted(doc["MaThanhPhanHoSo"] for doc in final["TaiLieuNop"]) == attached
    assert final["HoSoCoThanhPhanSoHoa"] == (1 if attached else 0)
    # The moved due date is in the dossier written by the apology (version 7), not before it.
    assert records[6].payload["NgayHenTra"] != records[3].payload["NgayHenTra"]
    accepted = records[2].payload
    assert accepted["NoiDungXuLy"] == "Tiếp nhận hồ sơ"
    assert accepted["TrangThai"] == 2


def test_progress_entries_name_the_official_and_the_step(staff):
    leader = staff[Role.LEADER]
    leader.first_name, leader.last_name = "Minh", "Trần Văn"
    leader.save()
    dossier = journey(staff)
    records = records_of(dossier)
    hand_off = next(r for r in records if r.cause == "hand_off").payload
    step = dossier.process_steps.order_by("order").first()
    assert hand_off["NoiDungXuLy"] == f"Chuyển xử lý: {step.name}"
    assert hand_off["NgayBatDau"] == payloads.national_time(step.handed_over_at)
    assert hand_off["NgayKetThucTheoQuyDinh"] == payloads.national_time(step.deadline)
    assert hand_off["PhongBanXuLy"] == step.handed_to.name
    extended = next(
        r for r in records if r.cause == "apologise_and_extend" and r.kind == "progress"
    )
    assert extended.payload["NguoiXuLy"] in {"Minh Trần Văn", "Trần Văn Minh"}
    assert extended.payload["NoiDungXuLy"].endswith("Chờ xác minh")
    assert extended.payload["ChucDanh"]


def test_dates_are_national_time_in_ho_chi_minh_city(staff):
    dossier = DossierFactory(submitted=True)
    record = records_of(dossier)[0]
    local = dossier.submitted_at.astimezone(payloads.NATIONAL_TIME_ZONE)
    assert record.payload["NgayNopHoSo"] == local.strftime("%Y%m%d%H%M%S")
    assert record.payload["NgayTiepNhan"] == ""
    assert record.recorded_at == dossier.submitted_at


def test_a_refused_change_writes_no_record(staff):
    dossier = DossierFactory(submitted=True)
    with pytest.raises(DossierError):
        transitions.approve(dossier, staff[Role.LEADER])
    assert [r.version for r in records_of(dossier)] == [1]


def test_a_record_that_cannot_be_written_undoes_the_change(staff, monkeypatch):
    dossier = DossierFactory(submitted=True)

    def broken(dossier):
        raise RuntimeError("payload could not be built")

    monkeypatch.setattr(payloads, "dossier_payload", broken)
    with pytest.raises(RuntimeError):
        transitions.receive(dossier, staff[Role.RECEPTION])
    dossier.refresh_from_db()
    assert dossier.status == 1
    assert [r.version for r in records_of(dossier)] == [1]


def test_national_field_names_are_used_only_in_the_payload_module():
    """As keys or strings in code (prose in a help text may name them)."""
    fields = ("MaHoSo", "TrangThaiHoSo", "NgayHenTra", "NguoiXuLy", "DanhSachLePhi")
    names = [f'"{field}"' for field in fields] + [f"'{field}'" for field in fields]
    allowed = {ROOT / "sync" / "payloads.py"}
    offenders = []
    for folder in ("portal", "dossiers", "workflow", "backoffice", "identity", "sync"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in allowed or "migrations" in path.parts:
                continue
            text = path.read_text()
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in text]
    assert offenders == []
