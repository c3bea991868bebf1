"""What each line of a procedure's "Thành phần hồ sơ" asks of a citizen filing online.

The national catalogue lists under "documents" everything its editors wrote in that section:
real documents, documents needed only in some case, papers shown at the desk, legal notes and
the declaration form itself. Turning every line into a required upload slot gave birth
registration 33 slots. Each line is put in one of five classes, by the first rule that holds:

1. **note** (guidance kept as text, never a slot): the line sits in a "Lưu ý" group, or it is
   a heading that introduces the lines after it (ends with ":").
2. **show** (shown at the desk, not uploaded): a line that counts an original or a copy and
   sits in a "Giấy tờ phải xuất trình" group, or starts with "Xuất trình"/"Phải xuất trình".
   Online, VNeID supplies the identity and residence data these papers prove; the page lists
   them to bring when the result is collected.
3. **note** again: the line states what the applicant does *not* have to do or what the office
   must do ("không phải nộp", "không được yêu cầu", "có trách nhiệm", "từ chối", "hủy bỏ",
   "Số lượng hồ sơ", "Lưu ý: …"), or says that the data is read electronically ("Thông tin …
   được khai thác" from VNeID or a national database); or it counts no original and no copy
   and reads as a condition ("Trường hợp…", "Đối với…").
4. **declaration** (the form the e-form replaces, not a slot): the interactive online form
   ("Mẫu … điện tử tương tác"), or, when the procedure has a detailed e-form, its "Tờ khai"
   or the paper the e-form is titled after ("Giấy đề nghị đăng ký hộ kinh doanh").
5. **show** again: any other line of a "phải xuất trình" group (one without counts).
6. **case** (an optional slot shown under its case): the line names its own condition:
   starts with "Trường hợp", "Trong trường hợp", "Đối với", "Nếu", "Riêng"; or says
   "trong trường hợp", "đối với trường hợp", "nếu có". A line that applies only to foreigners
   ("người nước ngoài", "không có quốc tịch Việt Nam") is a case too when Vietnamese citizens
   may also file the procedure: it must not be required from them.
7. **upload**: everything else, a document to upload (required, or required within the case
   the citizen chooses when the catalogue groups documents by case).

Numbering in front of a line ("3.", "b)", "(ii)", "-", "+") is ignored by the rules.
The rules are measured over the whole catalogue by ``manage.py catalogue_report``; the ten
detailed e-forms (``procedures/eforms/*.json``) list their slots by hand where a rule cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class LineKind(StrEnum):
    UPLOAD = "upload"
    CASE = "case"
    SHOW = "show"
    NOTE = "note"
    DECLARATION = "declaration"


SLOT_KINDS = frozenset({LineKind.UPLOAD, LineKind.CASE})

_NUMBERING = re.compile(
    r"^\s*(?:[-+•*]+|\(?[0-9ivx]{1,4}(?:\.[0-9]{1,3})*[.)]|\(?[a-zđ][.)]|\([0-9a-zđivx]{1,4}\))\s*",
    re.IGNORECASE,
)
_NOTE_GROUP = re.compile(r"lưu ý|ghi chú", re.IGNORECASE)
_SHOW_GROUP = re.compile(r"xuất trình", re.IGNORECASE)
_SUBMIT_WORDS = re.compile(r"\bnộp\b|\bgửi\b|tải lên", re.IGNORECASE)
_GUIDANCE = re.compile(
    r"không phải (?:nộp|tải lên|xuất trình|có văn bản)|không được yêu cầu|có trách nhiệm"
    r"|chịu trách nhiệm|từ chối|hủy bỏ|huỷ bỏ|có quyền lựa chọn|^số lượng hồ sơ"
    r"|^người tiếp nhận|^cơ quan (?:đăng ký|tiếp nhận|có thẩm quyền)|^(?:lưu ý|ví dụ|ghi chú)\b"
    r"|^không yêu cầu|^thông tin\b.*\bđược khai thác",
    re.IGNORECASE,
)
_CONDITION_START = re.compile(
    r"^\(?(?:trường hợp|trong trường hợp|đối với|nếu|riêng)\b", re.IGNORECASE
)
_CONDITION_INSIDE = re.compile(r"trong trường hợp|đối với trường hợp|\bnếu có\b", re.IGNORECASE)
_ONLINE_FORM = re.compile(r"điện tử tương tác", re.IGNORECASE)
_DECLARATION = re.compile(r"^(?:mẫu\s+)?tờ khai\b", re.IGNORECASE)
_SHOW_START = re.compile(r"^(?:phải\s+)?xuất trình\b", re.IGNORECASE)
_FOREIGNER = re.compile(
    r"người nước ngoài|không có quốc tịch việt nam|người không quốc tịch", re.IGNORECASE
)
# The clause that states the case: "Trường hợp trẻ em bị bỏ rơi" of "… thì phải có biên bản".
_CASE_CLAUSE = re.compile(
    r"^\(?((?:trường hợp|trong trường hợp|đối với|nếu|riêng)\b.*?)(?:\s+thì\b|\s+phải\b|:|,|$)",
    re.IGNORECASE,
)


_CASE_INSIDE = re.compile(r"(?:trong|đối với) trường hợp ([^.;,()]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One catalogue document line, as the importer stores it (a ``DocumentSlot``)."""

    name: str
    group: str = ""
    originals: int | None = None
    copies: int | None = None


@dataclass(frozen=True)
class Context:
    """What the rules need to know about the procedure the line belongs to."""

    has_eform: bool = False  # a detailed e-form replaces the declaration (tờ khai)
    eform_title: str = ""  # … and the request it is titled after ("Giấy đề nghị …")
    vietnamese_may_file: bool = True  # not a procedure for foreigners only


@dataclass(frozen=True)
class Classified:
    kind: LineKind
    when: str = ""  # the case, for ``case`` lines
    foreigners_only: bool = False


def strip_numbering(text: str) -> str:
    return _NUMBERING.sub("", text.strip(), count=1).strip()


def case_clause(text: str) -> str:
    """The condition a ``case`` line states, or "" when it cannot be cut out of the line."""
    text = strip_numbering(text)
    match = _CASE_CLAUSE.match(text)
    clause = match.group(1).strip() if match else ""
    inner = None if match else _CASE_INSIDE.search(text)
    if inner:
        clause = f"Trường hợp {inner.group(1).strip()}"
    return clause[:1].upper() + clause[1:] if 0 < len(clause) <= 200 else ""


def classify(line: Line, context: Context = Context()) -> Classified:
    """The class of one catalogue document line; see the module docstring for the rules."""
    text = strip_numbering(line.name)
    group = (line.group or "").strip()
    counted = bool(line.originals) or bool(line.copies)
    conditional = bool(_CONDITION_START.match(text))
    shown = _SHOW_START.match(text) or (
        _SHOW_GROUP.search(group) and not _SUBMIT_WORDS.search(group)
    )
    if _NOTE_GROUP.search(group) or text.endswith(":"):
        return Classified(LineKind.NOTE)
    if shown and counted:
        return Classified(LineKind.SHOW)
    if _GUIDANCE.search(text) or (not counted and line.originals is not None and conditional):
        return Classified(LineKind.NOTE)
    replaced = context.has_eform and (
        _DECLARATION.match(text)
        or (context.eform_title and text.lower().startswith(context.eform_title.lower()))
    )
    if _ONLINE_FORM.search(text) or replaced:
        return Classified(LineKind.DECLARATION)
    if shown:
        return Classified(LineKind.SHOW)
    foreign = context.vietnamese_may_file and bool(_FOREIGNER.search(text))
    if conditional or foreign or _CONDITION_INSIDE.search(text):
        when = case_clause(text) or ("Người nước ngoài" if foreign else "")
        return Classified(LineKind.CASE, when=when, foreigners_only=foreign)
    return Classified(LineKind.UPLOAD)
