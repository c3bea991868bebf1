"""Build the form schema of a procedure version.

Ten procedures that citizens file most have detailed forms written from their official
declaration forms (tờ khai), kept as JSON under ``procedures/eforms/<national code>.json``.
Every other procedure gets a generated form: the applicant, the request, one upload slot per
document line that asks for a document, and the other lines as notes
(:mod:`procedures.documents` says which line is which).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from .applicants import vietnamese_may_file
from .documents import SLOT_KINDS, Classified, Context, Line, LineKind, classify
from .eforms import DEFAULT_ACCEPT, DEFAULT_MAX_SIZE_MB, SCHEMA_VERSION, check_schema
from .models import DocumentSlot

DETAILED_DIR = Path(__file__).resolve().parent / "eforms"
CATEGORY_GROUP = re.compile(
    r"phải nộp|xuất trình|lưu ý|chứng từ|thành phần hồ sơ|giấy tờ", re.IGNORECASE
)


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


def document_context(version) -> Context:
    """What the line rules need to know about ``version`` (see :mod:`procedures.documents`)."""
    detailed = detailed_schema_file(version.procedure.national_code)
    return Context(
        has_eform=detailed is not None,
        eform_title=(detailed or {}).get("title", ""),
        vietnamese_may_file=vietnamese_may_file(version.applicant_types or []),
    )


def classified_documents(version) -> list[tuple[DocumentSlot, Classified]]:
    """Every catalogue document line of ``version`` with its class."""
    context = document_context(version)
    return [(document, classify(_line(document), context)) for document in version.documents.all()]


def _line(document: DocumentSlot) -> Line:
    return Line(document.name, document.group, document.originals, document.copies)


def document_slots(version) -> tuple[list[dict], list[dict]]:
    """(upload slots, case choices) for a version's documents.

    Only lines classed *upload* or *case* become slots (:mod:`procedures.documents`); a *case*
    line is an optional slot that names its case in ``when``. The source also groups documents
    by category ("Giấy tờ phải nộp", "Lưu ý") or by case ("Trường hợp đăng ký … lần đầu").
    Category groups do not make cases; when there are two or more case groups, the citizen
    picks the case and only its documents apply (a case may need no upload at all).
    """
    classified = classified_documents(version)
    case_groups: list[str] = []
    for document, _found in classified:  # every line, so case numbers stay those of the source
        group = document.group
        if group and not CATEGORY_GROUP.search(group) and group not in case_groups:
            case_groups.append(group)
    if len(case_groups) < 2:
        case_groups = []
    case_of = {name: f"case_{index + 1}" for index, name in enumerate(case_groups)}
    slots = []
    for document, found in classified:
        if found.kind not in SLOT_KINDS:
            continue
        slot = {
            "id": f"doc-{document.order + 1}",
            "name": document.name,
            "required": found.kind == LineKind.UPLOAD,
            "accept": list(DEFAULT_ACCEPT),
            "max_size_mb": DEFAULT_MAX_SIZE_MB,
            "originals": document.originals,
            "copies": document.copies,
        }
        if found.when:
            slot["when"] = found.when
        if found.foreigners_only:
            slot["foreigners_only"] = True
        if document.group in case_of:
            slot["case"] = case_of[document.group]
        if document.form_ref:
            slot["form_ref"] = document.form_ref[:255]
        slots.append(slot)
    cases = [{"value": case_of[name], "label": name[:2000]} for name in case_groups]
    return slots, cases


def document_notes(version) -> list[dict]:
    """The lines that are no slot but that the citizen should read: papers to show at the
    desk, then guidance notes, each in catalogue order."""
    found = classified_documents(version)
    return [
        {"kind": kind, "text": document.name.strip()}
        for kind in (LineKind.SHOW, LineKind.NOTE)
        for document, line in found
        if line.kind == kind
    ]


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
        "notes": document_notes(version),
    }  # fmt: skip


@cache
def detailed_schema_file(national_code: str) -> dict | None:
    path = DETAILED_DIR / f"{national_code}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def unchecked_schema(version) -> dict:
    """The schema for ``version``: the detailed one if written, else generated (not checked)."""
    detailed = detailed_schema_file(version.procedure.national_code)
    if detailed is None:
        return generated_schema(version)
    schema = json.loads(json.dumps(detailed))
    if not schema.get("documents"):
        schema["documents"] = document_slots(version)[0]
    if "notes" not in schema:
        schema["notes"] = document_notes(version)
    return schema


def build_schema(version) -> dict:
    """The schema for ``version``, checked against the meta-schema."""
    schema = unchecked_schema(version)
    check_schema(schema)
    return schema
