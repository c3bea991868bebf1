"""E-forms: the JSON form schema of a procedure version, its meta-schema and its validator.

A form schema describes what the citizen fills in and uploads for one procedure version::

    {"schema_version": 1, "title": "...",
     "sections": [{"id": "applicant", "title": "...", "fields": [FIELD, ...]}],
     "documents": [{"id": "doc-1", "name": "...", "required": true, "accept": ["pdf"],
                    "max_size_mb": 10, "originals": 1, "copies": 0, "case": "...",
                    "when": "Trường hợp ...", "foreigners_only": false}],
     "notes": [{"kind": "show", "text": "..."}, {"kind": "note", "text": "..."}]}

A document with ``required: false`` and a ``when`` is needed only in that case; a note is
catalogue text that is no upload: a paper to show at the desk (``show``) or guidance (``note``).

A FIELD has an ``id``, a ``type`` (text, textarea, number, date, choice, ward, id_number,
phone, email, group), a ``label``, and optional ``required``, ``help``, ``min_length``,
``max_length``, ``pattern`` (+ ``pattern_message``), ``min``/``max`` (numbers; dates as
ISO or ``"today"``), ``integer``, ``choices`` ([{value, label}]), ``prefill`` (a profile
attribute such as ``profile.full_name``) and ``show_if`` ({``field``, and ``equals``,
``in`` or ``filled``}: the field exists only when another field of the same section or group
has that value). A ``group`` holds ``fields`` and repeats between ``min_items`` and
``max_items`` times. ``docs/eforms.md`` documents all of it with examples.

The same :func:`validate_data` serves the HTML form and the API, so both give the same
translated messages keyed by the field's path (``applicant.full_name``, ``children.1.name``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

SCHEMA_VERSION = 1
FIELD_TYPES = [
    "text", "textarea", "number", "date", "choice", "ward", "id_number", "phone", "email", "group",
]  # fmt: skip
DEFAULT_ACCEPT = ["pdf", "jpeg", "png"]
DEFAULT_MAX_SIZE_MB = 10
PHONE_RE = re.compile(r"^(?:\+84|0)(?:3|5|7|8|9)\d{8}$|^(?:\+84|0)2\d{9}$")
IDENTIFIER = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}

_CONDITION = {
    "type": "object",
    "required": ["field"],
    "additionalProperties": False,
    "properties": {
        "field": IDENTIFIER,
        "equals": {"type": ["string", "number", "boolean"]},
        "in": {"type": "array", "items": {"type": ["string", "number"]}, "minItems": 1},
        "filled": {"type": "boolean"},
    },
    "oneOf": [{"required": ["equals"]}, {"required": ["in"]}, {"required": ["filled"]}],
}

META_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://dichvucong.hochiminhcity.gov.vn/schemas/eform-1.json",
    "title": "E-form of a procedure version",
    "type": "object",
    "required": ["schema_version", "title", "sections", "documents"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "title": TEXT,
        "description": {"type": "string"},
        "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"}},
        "documents": {"type": "array", "items": {"$ref": "#/$defs/document"}},
        "notes": {"type": "array", "items": {"$ref": "#/$defs/note"}},
    },
    "$defs": {
        "section": {
            "type": "object",
            "required": ["id", "title", "fields"],
            "additionalProperties": False,
            "properties": {
                "id": IDENTIFIER,
                "title": TEXT,
                "help": {"type": "string"},
                "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"}},
            },
        },
        "choice": {
            "type": "object",
            "required": ["value", "label"],
            "additionalProperties": False,
            "properties": {"value": {"type": "string", "minLength": 1}, "label": TEXT},
        },
        "field": {
            "type": "object",
            "required": ["id", "type", "label"],
            "additionalProperties": False,
            "properties": {
                "id": IDENTIFIER,
                "type": {"enum": FIELD_TYPES},
                "label": TEXT,
                "help": {"type": "string"},
                "required": {"type": "boolean"},
                "min_length": {"type": "integer", "minimum": 0},
                "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
                "pattern": {"type": "string"},
                "pattern_message": {"type": "string"},
                "min": {"type": ["number", "string"]},
                "max": {"type": ["number", "string"]},
                "integer": {"type": "boolean"},
                "choices": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/choice"}},
                "prefill": {"type": "string", "pattern": "^profile\\.[a-z_]+$"},
                "show_if": _CONDITION,
                "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"}},
                "min_items": {"type": "integer", "minimum": 0},
                "max_items": {"type": "integer", "minimum": 1, "maximum": 50},
            },
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "choice"}}},
                    "then": {"required": ["choices"]},
                },
                {
                    "if": {"properties": {"type": {"const": "group"}}},
                    "then": {"required": ["fields"]},
                    "else": {"not": {"required": ["fields"]}},
                },
            ],
        },
        "document": {
            "type": "object",
            "required": ["id", "name", "required"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"},
                "name": {"type": "string", "minLength": 1},
                "required": {"type": "boolean"},
                "accept": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"enum": ["pdf", "jpeg", "png"]},
                },
                "max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 50},
                "originals": {"type": ["integer", "null"], "minimum": 0},
                "copies": {"type": ["integer", "null"], "minimum": 0},
                "case": {"type": "string"},
                "when": {"type": "string", "minLength": 1, "maxLength": 2000},
                "foreigners_only": {"type": "boolean"},
                "form_ref": {"type": "string"},
            },
        },
        "note": {
            "type": "object",
            "required": ["kind", "text"],
            "additionalProperties": False,
            "properties": {
                "kind": {"enum": ["note", "show"]},
                "text": {"type": "string", "minLength": 1},
            },
        },
    },
}

_META_VALIDATOR = jsonschema.Draft202012Validator(META_SCHEMA)


class SchemaError(ValueError):
    """A form schema that does not follow the meta-schema (or breaks a rule it cannot state)."""


def check_schema(schema: Any) -> None:
    """Raise :class:`SchemaError` listing every problem of ``schema``."""
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(_META_VALIDATOR.iter_errors(schema), key=lambda e: list(e.path))
    ]
    if not problems:
        problems = list(_semantic_problems(schema))
    if problems:
        raise SchemaError("; ".join(problems))


def _semantic_problems(schema: dict) -> Iterable[str]:
    section_ids = [section["id"] for section in schema["sections"]]
    if len(section_ids) != len(set(section_ids)):
        yield "section ids must be unique"
    doc_ids = [doc["id"] for doc in schema["documents"]]
    if len(doc_ids) != len(set(doc_ids)):
        yield "document ids must be unique"
    for section in schema["sections"]:
        yield from _scope_problems(section["fields"], section["id"])


def _scope_problems(fields: list[dict], where: str) -> Iterable[str]:
    ids = [f["id"] for f in fields]
    if len(ids) != len(set(ids)):
        yield f"{where}: field ids must be unique"
    for f in fields:
        condition = f.get("show_if")
        if condition and condition["field"] not in ids:
            yield f"{where}.{f['id']}: show_if names {condition['field']!r}, not in the same scope"
        if condition and condition["field"] == f["id"]:
            yield f"{where}.{f['id']}: a field cannot depend on itself"
        if f["type"] == "group":
            yield from _scope_problems(f["fields"], f"{where}.{f['id']}")
        if "min_items" in f and "max_items" in f and f["min_items"] > f["max_items"]:
            yield f"{where}.{f['id']}: min_items is larger than max_items"


# --- validating what a citizen submitted ----------------------------------------------------


@dataclass
class FormResult:
    """Cleaned data (only visible fields) and errors keyed by field path."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Context:
    today: datetime.date
    ward_exists: Callable[[str], bool]
    id_number_problem: Callable[[str], str | None]
    partial: bool = False  # drafts: check what is there, do not require anything yet


def validate_data(schema: dict, data: Any, context: Context) -> FormResult:
    """Validate submitted ``data`` against ``schema``; never raises on bad input."""
    result = FormResult()
    if not isinstance(data, dict):
        result.errors["__all__"] = _("The form data must be an object.")
        return result
    for section in schema["sections"]:
        raw = data.get(section["id"]) or {}
        if not isinstance(raw, dict):
            result.errors[section["id"]] = _("This section has the wrong shape.")
            continue
        result.data[section["id"]] = _validate_scope(
            section["fields"], raw, section["id"], context, result.errors
        )
    return result


def is_visible(f: dict, values: dict) -> bool:
    condition = f.get("show_if")
    if not condition:
        return True
    value = values.get(condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    if "in" in condition:
        return value in condition["in"]
    return (value not in (None, "", [])) == condition["filled"]


def _validate_scope(fields, raw: dict, path: str, context: Context, errors: dict) -> dict:
    cleaned: dict[str, Any] = {}
    # Conditions look at the raw values of the same scope, so order does not matter.
    for f in fields:
        if not is_visible(f, raw):
            continue
        key = f"{path}.{f['id']}"
        value = raw.get(f["id"])
        if f["type"] == "group":
            cleaned[f["id"]] = _validate_group(f, value, key, context, errors)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            if f.get("required") and not context.partial:
                errors[key] = _("This field is required.")
            continue
        try:
            cleaned[f["id"]] = _clean_value(f, value, context)
        except ValidationError as exc:
            errors[key] = exc.messages[0]
    return cleaned


def _validate_group(f: dict, value: Any, key: str, context: Context, errors: dict) -> list:
    items = value if isinstance(value, list) else []
    if value is not None and not isinstance(value, list):
        errors[key] = _("This list has the wrong shape.")
        return []
    minimum, maximum = f.get("min_items", 0), f.get("max_items", 50)
    if len(items) > maximum:
        errors[key] = _("At most %(n)d entries are allowed.") % {"n": maximum}
        items = items[:maximum]
    if len(items) < minimum and not context.partial:
        errors[key] = _("At least %(n)d entries are needed.") % {"n": minimum}
    cleaned = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"{key}.{index}"] = _("This entry has the wrong shape.")
            continue
        cleaned.append(_validate_scope(f["fields"], item, f"{key}.{index}", context, errors))
    return cleaned


def _limit_date(limit: Any, today: datetime.date) -> datetime.date | None:
    if limit is None:
        return None
    if limit == "today":
        return today
    return datetime.date.fromisoformat(str(limit))


def _clean_value(f: dict, value: Any, context: Context) -> Any:  # noqa: C901 - one branch per type
    kind = f["type"]
    if kind in {"text", "textarea", "phone", "email", "id_number", "ward", "choice"}:
        if not isinstance(value, str | int):
            raise ValidationError(_("Enter text."))
        value = str(value).strip()
        if "\x00" in value:
            raise ValidationError(_("The text contains a character that is not allowed."))
    if kind in {"text", "textarea"}:
        limit = f.get("max_length", 500 if kind == "text" else 5000)
        if len(value) > limit:
            raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
        if len(value) < f.get("min_length", 0):
            raise ValidationError(_("At least %(n)d characters.") % {"n": f["min_length"]})
        if f.get("pattern") and not re.fullmatch(f["pattern"], value):
            raise ValidationError(f.get("pattern_message") or _("The format is not valid."))
        return value
    if kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(_("Enter a number.")) from None
        if f.get("integer"):
            if number != int(number):
                raise ValidationError(_("Enter a whole number."))
            number = int(number)
        if "min" in f and number < f["min"]:
            raise ValidationError(_("The smallest allowed value is %(v)s.") % {"v": f["min"]})
        if "max" in f and number > f["max"]:
            raise ValidationError(_("The largest allowed value is %(v)s.") % {"v": f["max"]})
        return number
    if kind == "date":
        try:
            day = datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None
        low, high = (
            _limit_date(f.get("min"), context.today),
            _limit_date(f.get("max"), context.today),
        )
        if low and day < low:
            raise ValidationError(_("The date cannot be before %(d)s.") % {"d": f"{low:%d/%m/%Y}"})
        if high and day > high:
            raise ValidationError(_("The date cannot be after %(d)s.") % {"d": f"{high:%d/%m/%Y}"})
        return day.isoformat()
    if kind == "choice":
        if value not in {choice["value"] for choice in f["choices"]}:
            raise ValidationError(_("Choose one of the options."))
        return value
    if kind == "ward":
        if not context.ward_exists(value):
            raise ValidationError(_("Choose a ward or commune of Ho Chi Minh City."))
        return value
    if kind == "id_number":
        problem = context.id_number_problem(value)
        if problem:
            raise ValidationError(problem)
        return value
    if kind == "phone":
        compact = re.sub(r"[\s.-]", "", value)
        if not PHONE_RE.match(compact):
            raise ValidationError(_("Enter a Vietnamese phone number, e.g. 0912345678."))
        return compact
    if kind == "email":
        validate_email(value)
        return value.lower()
    raise ValidationError(_("Unknown field type."))  # unreachable for a checked schema
