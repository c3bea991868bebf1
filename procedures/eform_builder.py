"""Build the form schema of a procedure version.

Ten procedures that citizens file most have detailed forms written from their official
declaration forms (tờ khai), kept as JSON under ``procedures/eforms/<national code>.json``.
Every other procedure gets a generated form: the applicant, the request, and one upload slot
per required document of the version.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from .eforms import DEFAULT_ACCEPT, DEFAULT_MAX_SIZE_MB, SCHEMA_VERSION, check_schema

DETAILED_DIR = Path(__file__).resolve().parent / "eforms"
CATEGORY_GROUP = re.compile(
    r"phải nộp|xuất trình|lưu ý|chứng từ|thành phần hồ sơ|giấy tờ", re.IGNORECASE
)
SHOWN_ONLY_GROUP = re.compile(r"xuất trình|lưu ý", re.IGNORECASE)
# The declaration (tờ khai) itself is what the citizen fills in online: no upload needed.
REPLACED_BY_EFORM = re.compile(r"^tờ khai|điện tử tương tác", re.IGNORECASE)
OPTIONAL_DOCUMENT = re.compile(r"nếu có|^trường hợp|trong trường hợp|^đối với", re.IGNORECASE)


def applicant_section() -> dict:
    """The applicant block shared by every form; prefilled from the VNeID profile."""
    return {
        "id": "applicant",
        "title": "Thông tin người nộp hồ sơ",
        "fields": [
            {"id": "full_name", "type": "text", "label": "Họ, chữ đệm, tên", "required": True,
             "max_length": 100, "prefill": "profile.full_name"},
            {"id": "id_number", "type": "id_number", "label": "Số định danh cá nhân",
             "required": True, "prefill": "profile.id_number"},
            {"id": "birth_date", "type": "date", "label": "Ngày, tháng, năm sinh",
             "required": True, "max": "today", "prefill": "profile.birth_date"},
            {"id": "phone", "type": "phone", "label": "Số điện thoại", "required": True,
             "prefill": "profile.phone"},
            {"id": "email", "type": "email", "label": "Thư điện tử", "prefill": "profile.email"},
            {"id": "address", "type": "text", "label": "Địa chỉ liên hệ (số nhà, đường)",
             "required": True, "max_length": 255, "prefill": "profile.address"},
            {"id": "ward", "type": "ward", "label": "Phường, xã, đặc khu", "required": True,
             "prefill": "profile.ward"},
        ],
    }  # fmt: skip


def document_slots(version) -> tuple[list[dict], list[dict]]:
    """(document slots, case choices) for a version's documents.

    The source groups documents in two ways: by category ("Giấy tờ phải nộp", "Giấy tờ phải
    xuất trình", "Lưu ý") or by case ("Trường hợp đăng ký … lần đầu"). Category groups do not
    make cases; documents only shown at the desk or listed as notes are optional online. When
    two or more case groups remain, the citizen picks the case and only its documents apply.
    """
    documents = list(version.documents.all())
    case_groups: list[str] = []
    for document in documents:
        group = document.group
        if group and not CATEGORY_GROUP.search(group) and group not in case_groups:
            case_groups.append(group)
    if len(case_groups) < 2:
        case_groups = []
    case_of = {name: f"case_{index + 1}" for index, name in enumerate(case_groups)}
    slots = []
    for document in documents:
        name = document.name.strip()
        optional = bool(
            name.endswith(":")  # a heading that introduces the documents listed after it
            or OPTIONAL_DOCUMENT.search(name)
            or REPLACED_BY_EFORM.search(name)
            or (document.group and SHOWN_ONLY_GROUP.search(document.group))
        )
        slot = {
            "id": f"doc-{document.order + 1}",
            "name": document.name,
            "required": not optional,
            "accept": list(DEFAULT_ACCEPT),
            "max_size_mb": DEFAULT_MAX_SIZE_MB,
            "originals": document.originals,
            "copies": document.copies,
        }
        if document.group in case_of:
            slot["case"] = case_of[document.group]
        if document.form_ref:
            slot["form_ref"] = document.form_ref[:255]
        slots.append(slot)
    cases = [{"value": case_of[name], "label": name[:2000]} for name in case_groups]
    return slots, cases


def generated_schema(version) -> dict:
    slots, cases = document_slots(version)
    request_fields = []
    if cases:
        request_fields.append(
            {"id": "case", "type": "choice", "label": "Trường hợp của anh/chị",
             "required": True, "choices": cases}
        )  # fmt: skip
    request_fields.append(
        {"id": "request", "type": "textarea", "label": "Nội dung đề nghị", "required": True,
         "max_length": 2000,
         "help": "Nêu ngắn gọn điều anh/chị đề nghị cơ quan giải quyết."}
    )  # fmt: skip
    return {
        "schema_version": SCHEMA_VERSION,
        "title": version.name[:2000],
        "sections": [applicant_section(), {"id": "request", "title": "Nội dung yêu cầu",
                                           "fields": request_fields}],
        "documents": slots,
    }  # fmt: skip


@cache
def detailed_schema_file(national_code: str) -> dict | None:
    path = DETAILED_DIR / f"{national_code}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def build_schema(version) -> dict:
    """The schema for ``version``: the detailed one if written, else generated. Checked."""
    detailed = detailed_schema_file(version.procedure.national_code)
    if detailed is not None:
        schema = json.loads(json.dumps(detailed))
        if not schema.get("documents"):
            schema["documents"] = document_slots(version)[0]
    else:
        schema = generated_schema(version)
    check_schema(schema)
    return schema
