"""The detailed e-forms of the ten most filed procedures (procedures/eforms/<code>.json).

They are hand-written from the official declaration forms, so these tests hold them to the
rules the rest of the portal relies on: the meta-schema, the shared applicant block that the
prefill and the receipt read, a request text, document slots that follow the real catalogue, and
validation that accepts a realistic filing and points at the right field when something is wrong.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from identity.idnumber import parse_id_number
from procedures.documents import SLOT_KINDS
from procedures.eform_builder import (
    DETAILED_DIR,
    applicant_section,
    build_schema,
    classified_documents,
    document_slots,
)
from procedures.eforms import Context, SchemaError, check_schema, validate_data
from procedures.models import Agency, Procedure
from procedures.popular import POPULAR_CODES

TODAY = datetime.date(2026, 11, 25)
PROFILE_ATTRIBUTES = {"full_name", "id_number", "birth_date", "phone", "email", "address", "ward"}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
HAND_WRITTEN_DOCUMENTS = {"1.001193", "3.000333"}


def load(code: str) -> dict:
    return json.loads((DETAILED_DIR / f"{code}.json").read_text(encoding="utf-8"))


def walk(fields: list[dict]) -> Iterator[dict]:
    """Every field, including those inside (nested) groups."""
    for f in fields:
        yield f
        if f["type"] == "group":
            yield from walk(f["fields"])


def all_fields(schema: dict) -> Iterator[dict]:
    for section in schema["sections"]:
        yield from walk(section["fields"])


def section(schema: dict, section_id: str) -> dict:
    return next(s for s in schema["sections"] if s["id"] == section_id)


def field(schema: dict, section_id: str, field_id: str) -> dict:
    return next(f for f in section(schema, section_id)["fields"] if f["id"] == field_id)


# --- the files on their own -------------------------------------------------------------------


def test_there_is_one_file_per_popular_procedure_and_nothing_else():
    assert sorted(p.stem for p in Path(DETAILED_DIR).glob("*.json")) == sorted(POPULAR_CODES)


@pytest.mark.parametrize("code", POPULAR_CODES)
def test_file_passes_the_meta_schema_and_its_scope_rules(code):
    schema = load(code)
    check_schema(schema)  # raises SchemaError, e.g. for a show_if naming another scope
    assert schema["schema_version"] == 1
    assert schema["title"].strip()


@pytest.mark.parametrize("code", POPULAR_CODES)
def test_applicant_section_comes_first_and_matches_the_shared_block(code):
    schema = load(code)
    first = schema["sections"][0]
    shared = applicant_section()
    assert first["id"] == "applicant"
    # Same fields in the same order, with the same types, prefills and rules; only the section
    # title may be worded for the procedure.
    assert first["fields"] == shared["fields"]
    prefills = {f["id"]: f["prefill"] for f in first["fields"]}
    assert prefills == {name: f"profile.{name}" for name in PROFILE_ATTRIBUTES}


@pytest.mark.parametrize("code", POPULAR_CODES)
def test_request_section_has_a_required_request_text(code):
    schema = load(code)
    assert schema["sections"][1]["id"] == "request"
    request = field(schema, "request", "request")
    assert request["type"] == "textarea"
    assert request["required"] is True
    assert "show_if" not in request  # the receipt always needs it
    assert 0 < request["max_length"] <= 2000


@pytest.mark.parametrize("code", POPULAR_CODES)
def test_fields_follow_the_conventions(code):
    schema = load(code)
    # Documents are left to the builder so that slots follow the version's real documents,
    # except where the line rules cannot tell (written by hand, each slot a catalogue line).
    assert schema["documents"] == [] or code in HAND_WRITTEN_DOCUMENTS
    for f in all_fields(schema):
        assert SNAKE.match(f["id"]), f["id"]
        if f["type"] in {"text", "textarea"}:
            assert 1 <= f["max_length"] <= 2000, f["id"]
        if f["type"] == "choice" and f["id"] != "case":
            values = [c["value"] for c in f["choices"]]
            assert all(SNAKE.match(v) for v in values), values
            assert len(values) == len(set(values)), values
        if f["id"] == "ngay_sinh" or f["id"] == "birth_date":
            assert f["max"] == "today", f"{code}: {f['id']} must not accept a future date"
        if f["type"] == "number" and f.get("integer"):
            assert "min" in f, f["id"]
        if "prefill" in f:
            assert f["prefill"].removeprefix("profile.") in PROFILE_ATTRIBUTES, f["prefill"]
        if f["type"] == "group":
            assert f.get("max_items", 50) >= max(1, f.get("min_items", 0)), f["id"]


@pytest.mark.parametrize("code", POPULAR_CODES)
def test_every_condition_names_a_field_of_its_own_scope(code):
    schema = load(code)

    def check(fields: list[dict]) -> int:
        ids = {f["id"] for f in fields}
        count = 0
        for f in fields:
            if "show_if" in f:
                assert f["show_if"]["field"] in ids, f["id"]
                count += 1
            if f["type"] == "group":
                count += check(f["fields"])
        return count

    conditions = sum(check(s["fields"]) for s in schema["sections"])
    # Two forms have nothing conditional on paper; the others do, so the check is not vacuous.
    assert (conditions == 0) == (code in {"1.000894", "2.000815"}), conditions


def test_a_condition_pointing_into_another_section_is_refused():
    schema = load("1.001193")
    broken = copy.deepcopy(schema)
    # "quan_he" lives in the "nguoi_yeu_cau" section, not in the father's section.
    field(broken, "cha", "ho_ten")["show_if"] = {"field": "quan_he", "equals": "cha"}
    with pytest.raises(SchemaError, match="not in the same scope"):
        check_schema(broken)


def test_forms_carry_the_fields_of_their_official_declarations():
    birth = load("1.001193")
    assert field(birth, "nguoi_duoc_khai_sinh", "ngay_sinh")["max"] == "today"
    copies = field(birth, "request", "so_ban_sao")
    assert (copies["integer"], copies["min"], copies["max"]) == (True, 0, 10)
    for father_field in section(birth, "cha")["fields"][1:]:
        assert father_field["show_if"] == {"field": "co_thong_tin_cha", "equals": "co"}

    residence = load("1.004222")
    members = field(residence, "thanh_vien", "danh_sach")
    assert [f["id"] for f in members["fields"]] == [
        "ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "quan_he_voi_chu_ho",
    ]  # fmt: skip
    temporary = load("1.004194")
    assert field(temporary, "noi_dang_ky", "tam_tru_den_ngay")["min"] == "today"

    record = load("3.000333")
    ban = field(record, "request", "xac_nhan_cam_dam_nhiem")
    assert ban["show_if"] == {"field": "loai_phieu", "equals": "phieu_so_1"}
    assert {c["value"] for c in field(record, "request", "loai_phieu")["choices"]} == {
        "phieu_so_1", "phieu_so_2",
    }  # fmt: skip

    business = load("1.001612")
    code = next(f for f in walk(section(business, "nganh_nghe")["fields"]) if f["id"] == "ma_nganh")
    assert re.fullmatch(code["pattern"], "4711") and not re.fullmatch(code["pattern"], "471")

    marriage = load("1.000894")
    for side in ("ben_nu", "ben_nam"):
        times = field(marriage, side, "lan_ket_hon")
        assert times["integer"] is True and times["min"] == 1

    land = load("1.013978")
    purposes = {c["value"] for c in field(land, "thua_dat", "muc_dich")["choices"]}
    assert {"odt", "ont", "cln", "luc", "khac"} <= purposes
    assert field(land, "thua_dat", "muc_dich_khac")["show_if"]["equals"] == "khac"
    assert field(land, "tai_san", "danh_sach")["show_if"] == {"field": "co_tai_san", "equals": "co"}


# --- against the real catalogue ---------------------------------------------------------------


def current_version(code: str):
    return (
        Procedure.objects.select_related("current_version__procedure")
        .get(national_code=code)
        .current_version
    )


@pytest.mark.django_db
@pytest.mark.parametrize("code", POPULAR_CODES)
def test_build_schema_uses_the_detailed_form_with_the_versions_documents(code):
    version = current_version(code)
    detailed = load(code)
    schema = build_schema(version)
    assert schema["title"] == detailed["title"]
    assert schema["sections"] == detailed["sections"]
    documents = list(version.documents.all())
    assert documents, "every popular procedure lists its documents"
    ids = {f"doc-{d.order + 1}" for d in documents}
    assert {slot["id"] for slot in schema["documents"]} <= ids
    if code not in HAND_WRITTEN_DOCUMENTS:
        slots = [d.name for d, found in classified_documents(version) if found.kind in SLOT_KINDS]
        assert [d["name"] for d in schema["documents"]] == slots


@pytest.mark.django_db
@pytest.mark.parametrize("code", POPULAR_CODES)
def test_case_choices_match_the_document_groups_of_the_version(code):
    """Slots tied to a case are offered only when request.case names it, so the form must
    offer exactly the version's cases (and no case field when the version has none)."""
    version = current_version(code)
    slots, cases = document_slots(version)
    request_ids = {f["id"] for f in section(load(code), "request")["fields"]}
    if not cases:
        assert "case" not in request_ids
        assert not any("case" in slot for slot in slots)
        return
    case = field(load(code), "request", "case")
    assert case["required"] is True
    assert case["choices"] == cases
    assert {slot["case"] for slot in slots if "case" in slot} <= {c["value"] for c in cases}


# --- validating filings -----------------------------------------------------------------------


@pytest.fixture
def context(db) -> Context:
    wards = set(Agency.objects.filter(level=Agency.Level.COMMUNE).values_list("code", flat=True))
    assert len(wards) == 168
    return Context(
        today=TODAY,
        ward_exists=lambda code: code in wards,
        id_number_problem=lambda value: parse_id_number(value).reason or None,
    )


@pytest.fixture
def ward(db) -> str:
    return Agency.objects.filter(level=Agency.Level.COMMUNE).order_by("code").first().code


def applicant_data(ward: str) -> dict:
    return {
        "full_name": "Nguyễn Thị Hoa",
        "id_number": "079192004567",
        "birth_date": "1992-04-18",
        "phone": "0912 345 678",
        "email": "hoa.nguyen@example.vn",
        "address": "12 Lê Lợi",
        "ward": ward,
    }


def birth_filing(ward: str) -> dict:
    return {
        "applicant": applicant_data(ward),
        "request": {"request": "Đề nghị đăng ký khai sinh cho con tôi.", "so_ban_sao": "2"},
        "nguoi_yeu_cau": {"quan_he": "me"},
        "nguoi_duoc_khai_sinh": {
            "ho": "Trần",
            "chu_dem": "Minh",
            "ten": "An",
            "gioi_tinh": "nam",
            "ngay_sinh": "2026-11-20",
            "noi_sinh_loai": "co_so_y_te",
            "noi_sinh": "Bệnh viện Từ Dũ, 284 Cống Quỳnh",
            "dan_toc": "Kinh",
            "quoc_tich": "Việt Nam",
            "que_quan": "Phường Sài Gòn, Thành phố Hồ Chí Minh",
        },
        "me": {
            "ho_ten": "Nguyễn Thị Hoa",
            "nam_sinh": 1992,
            "dan_toc": "Kinh",
            "quoc_tich": "Việt Nam",
            "noi_cu_tru": "12 Lê Lợi, Phường Sài Gòn",
            "so_dinh_danh": "079192004567",
        },
        "cha": {
            "co_thong_tin_cha": "co",
            "ho_ten": "Trần Văn Bình",
            "nam_sinh": "1990",
            "dan_toc": "Kinh",
            "quoc_tich": "Việt Nam",
            "noi_cu_tru": "12 Lê Lợi, Phường Sài Gòn",
            "so_dinh_danh": "079090001234",
        },
    }


@pytest.mark.django_db
def test_a_complete_birth_registration_is_valid(context, ward):
    result = validate_data(load("1.001193"), birth_filing(ward), context)
    assert result.is_valid, result.errors
    assert result.data["request"]["so_ban_sao"] == 2
    assert result.data["cha"]["nam_sinh"] == 1990
    assert result.data["applicant"]["phone"] == "0912345678"


@pytest.mark.django_db
def test_without_a_father_his_fields_are_neither_required_nor_kept(context, ward):
    filing = birth_filing(ward)
    filing["cha"] = {"co_thong_tin_cha": "khong", "ho_ten": "should be dropped"}
    result = validate_data(load("1.001193"), filing, context)
    assert result.is_valid, result.errors
    assert result.data["cha"] == {"co_thong_tin_cha": "khong"}


@pytest.mark.django_db
def test_birth_registration_errors_point_at_the_fields(context, ward):
    filing = birth_filing(ward)
    filing["nguoi_duoc_khai_sinh"]["ngay_sinh"] = (TODAY + datetime.timedelta(days=1)).isoformat()
    del filing["me"]["ho_ten"]
    del filing["cha"]["noi_cu_tru"]
    filing["request"]["so_ban_sao"] = 11
    filing["nguoi_yeu_cau"] = {"quan_he": "khac"}
    result = validate_data(load("1.001193"), filing, context)
    assert set(result.errors) == {
        "nguoi_duoc_khai_sinh.ngay_sinh",
        "me.ho_ten",
        "cha.noi_cu_tru",
        "request.so_ban_sao",
        "nguoi_yeu_cau.quan_he_ghi_ro",
    }
    assert "25/11/2026" in result.errors["nguoi_duoc_khai_sinh.ngay_sinh"]


def residence_filing(ward: str) -> dict:
    return {
        "applicant": applicant_data(ward),
        "request": {
            "case": "case_1",
            "request": "Đăng ký thường trú vào hộ ông Trần Văn Bình tại 12 Lê Lợi.",
        },
        "nguoi_de_nghi": {"gioi_tinh": "nu"},
        "chu_ho": {
            "quan_he_voi_chu_ho": "vo",
            "ho_ten_chu_ho": "Trần Văn Bình",
            "so_dinh_danh_chu_ho": "079090001234",
        },
        "noi_dang_ky": {"dia_chi": "12 Lê Lợi", "phuong_xa": ward},
        "thanh_vien": {
            "danh_sach": [
                {
                    "ho_ten": "Trần Minh An",
                    "ngay_sinh": "2020-06-01",
                    "gioi_tinh": "nam",
                    "so_dinh_danh": "079220001111",
                    "quan_he_voi_chu_ho": "con",
                }
            ]
        },
        "y_kien": {"y_kien_chu_ho": "da_dong_y"},
    }


@pytest.mark.django_db
def test_a_complete_permanent_residence_registration_is_valid(context, ward):
    result = validate_data(load("1.004222"), residence_filing(ward), context)
    assert result.is_valid, result.errors
    assert result.data["thanh_vien"]["danh_sach"][0]["ho_ten"] == "Trần Minh An"
    assert result.data["noi_dang_ky"]["phuong_xa"] == ward


@pytest.mark.django_db
def test_the_head_of_household_needs_no_head_details(context, ward):
    filing = residence_filing(ward)
    filing["chu_ho"] = {"quan_he_voi_chu_ho": "chu_ho"}
    filing["y_kien"] = {"y_kien_chu_ho": "la_chu_ho"}
    assert validate_data(load("1.004222"), filing, context).is_valid


@pytest.mark.django_db
def test_permanent_residence_errors_point_at_the_fields(context, ward):
    filing = residence_filing(ward)
    del filing["request"]["case"]
    del filing["chu_ho"]["ho_ten_chu_ho"]
    filing["noi_dang_ky"]["phuong_xa"] = "H29.00000"
    member = filing["thanh_vien"]["danh_sach"][0]
    del member["ho_ten"]
    member["ngay_sinh"] = "2027-01-01"
    result = validate_data(load("1.004222"), filing, context)
    assert set(result.errors) == {
        "request.case",
        "chu_ho.ho_ten_chu_ho",
        "noi_dang_ky.phuong_xa",
        "thanh_vien.danh_sach.0.ho_ten",
        "thanh_vien.danh_sach.0.ngay_sinh",
    }


@pytest.mark.django_db
def test_temporary_residence_cannot_end_in_the_past(context, ward):
    filing = residence_filing(ward)
    filing["noi_dang_ky"]["tam_tru_den_ngay"] = "2026-11-24"
    result = validate_data(load("1.004194"), filing, context)
    assert set(result.errors) == {"noi_dang_ky.tam_tru_den_ngay"}
    filing["noi_dang_ky"]["tam_tru_den_ngay"] = "2028-11-24"
    assert validate_data(load("1.004194"), filing, context).is_valid


@pytest.mark.django_db
def test_the_ban_confirmation_is_asked_only_for_record_number_one(context, ward):
    schema = load("3.000333")
    request = {"request": "Bổ sung hồ sơ xin việc.", "so_luong": 2}
    first = validate_data(schema, {"request": {**request, "loai_phieu": "phieu_so_1"}}, context)
    second = validate_data(schema, {"request": {**request, "loai_phieu": "phieu_so_2"}}, context)
    assert "request.xac_nhan_cam_dam_nhiem" in first.errors
    assert not any(key.startswith("request.") for key in second.errors)
    assert "cu_tru.qua_trinh" in second.errors  # at least one residence period is needed
