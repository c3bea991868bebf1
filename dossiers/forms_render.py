"""Turning an e-form schema into fields for the HTML templates, and posted values back into data.

The schema (``procedures.eforms``) is the one definition of a form; this module only renders it
and reads it back, it never validates: :func:`procedures.eforms.validate_data` does that for the
HTML pages and the API alike. Names and ids follow the validator's error paths, so an error
keyed ``children.children.1.name`` belongs to the input named ``children.children.1.name``
whose id is ``f-children-children-1-name``.

Everything works without JavaScript: repeatable groups are changed with submit buttons
(``_action=add:<group path>`` / ``remove:<item path>``), and fields with ``show_if`` are
rendered ``hidden`` when the saved data does not meet their condition.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from procedures.eforms import is_visible
from procedures.models import Agency

RADIO_LIMIT = 4  # a choice with this many options or fewer is a radio set, else a select
MAX_ITEMS_DEFAULT = 50
COUNT_SUFFIX = "_n"  # hidden input "<group path>._n": how many items the page showed


def html_id(path: str) -> str:
    return "f-" + path.replace(".", "-")


def ward_choices() -> list[tuple[str, str]]:
    """The city's 168 communes as (agency code, name), ordered by name."""
    rows = Agency.objects.filter(level=Agency.Level.COMMUNE).order_by("name")
    return [
        (code, short or name)
        for code, short, name in rows.values_list("code", "short_name", "name")
    ]


# --- rendering --------------------------------------------------------------------------------


@dataclass
class ItemView:
    """One entry of a repeatable group."""

    index: int
    path: str
    id: str
    fields: list[FieldView]
    error: str = ""
    can_remove: bool = False


@dataclass
class FieldView:
    """What a template needs to draw one field (or one repeatable group)."""

    path: str
    id: str
    name: str
    kind: str  # text textarea number date radio select ward id_number phone email group
    label: str
    help: str = ""
    required: bool = False
    value: str = ""
    error: str = ""
    hidden: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    show_if_name: str = ""
    show_if: str = ""  # the condition as JSON, for eform.js
    items: list[ItemView] = field(default_factory=list)
    can_add: bool = False
    min_items: int = 0
    max_items: int = MAX_ITEMS_DEFAULT

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def is_choice_set(self) -> bool:
        return self.kind == "radio"

    @property
    def anchor(self) -> str:
        """Where an error summary link jumps to: the first radio, else the control itself."""
        if self.kind == "radio" and self.choices:
            return f"{self.id}-0"
        return self.id

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.id}-help")
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


class Renderer:
    """Builds :class:`FieldView` trees for one section; the ward list is loaded once."""

    def __init__(self, errors: dict[str, str] | None = None):
        self.errors = errors or {}
        self._wards: list[tuple[str, str]] | None = None

    @property
    def wards(self) -> list[tuple[str, str]]:
        if self._wards is None:
            self._wards = ward_choices()
        return self._wards

    def section(self, section: dict, values: Any) -> list[FieldView]:
        return self.scope(
            section["fields"], values if isinstance(values, dict) else {}, section["id"]
        )

    def scope(self, fields: list[dict], values: dict, prefix: str) -> list[FieldView]:
        return [self.field(f, values, prefix) for f in fields]

    def field(self, f: dict, values: dict, prefix: str) -> FieldView:
        path = f"{prefix}.{f['id']}"
        view = FieldView(
            path=path,
            id=html_id(path),
            name=path,
            kind=_widget(f),
            label=f["label"],
            help=f.get("help", ""),
            required=bool(f.get("required")),
            error=self.errors.get(path, ""),
            hidden=not is_visible(f, values),
        )
        condition = f.get("show_if")
        if condition:
            view.show_if_name = f"{prefix}.{condition['field']}"
            view.show_if = json.dumps(condition, ensure_ascii=False)
        raw = values.get(f["id"])
        if f["type"] == "group":
            self._group(view, f, raw)
            return view
        view.value = "" if raw is None else str(raw)
        view.attrs = _attributes(f)
        if f["type"] == "choice":
            view.choices = [(c["value"], c["label"]) for c in f["choices"]]
        elif f["type"] == "ward":
            view.choices = self.wards
        return view

    def _group(self, view: FieldView, f: dict, raw: Any) -> None:
        items = raw if isinstance(raw, list) else []
        view.min_items = f.get("min_items", 0)
        view.max_items = f.get("max_items", MAX_ITEMS_DEFAULT)
        shown = max(len(items), view.min_items)
        for index in range(min(shown, view.max_items)):
            item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
            item_path = f"{view.path}.{index}"
            view.items.append(
                ItemView(
                    index=index,
                    path=item_path,
                    id=html_id(item_path),
                    fields=self.scope(f["fields"], item, item_path),
                    error=self.errors.get(item_path, ""),
                    can_remove=shown > view.min_items,
                )
            )
        view.can_add = len(view.items) < view.max_items


def _widget(f: dict) -> str:
    if f["type"] == "choice":
        return "radio" if len(f["choices"]) <= RADIO_LIMIT else "select"
    return f["type"]


def _attributes(f: dict) -> dict[str, Any]:
    """HTML attributes of the input: type, input mode, autocomplete and length hints.

    Limits are hints only; the server's validator decides and explains in the page language.
    """
    kind = f["type"]
    attrs: dict[str, Any] = {}
    if kind in {"text", "id_number", "phone", "email"}:
        attrs["type"] = "text"
    if kind == "date":
        attrs["type"] = "date"
        for bound in ("min", "max"):
            limit = f.get(bound)
            if limit == "today":
                attrs[bound] = datetime.date.today().isoformat()
            elif isinstance(limit, str):
                attrs[bound] = limit
    if kind == "number":
        attrs["type"] = "text"
        attrs["inputmode"] = "numeric" if f.get("integer") else "decimal"
    if kind == "phone":
        attrs["inputmode"] = "tel"
        attrs["autocomplete"] = "tel"
    if kind == "email":
        attrs["inputmode"] = "email"
        attrs["autocomplete"] = "email"
    if kind == "id_number":
        attrs["inputmode"] = "numeric"
    if kind in {"text", "textarea"} and f.get("max_length"):
        attrs["maxlength"] = f["max_length"]
    return attrs


# --- reading posted values back ---------------------------------------------------------------


def parse_section(section: dict, post: QueryDict) -> dict[str, Any]:
    """The section's values as the page posted them (typed values kept even when invalid)."""
    return _parse_scope(section["fields"], post, section["id"])


def _parse_scope(fields: list[dict], post: QueryDict, prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields:
        name = f"{prefix}.{f['id']}"
        if f["type"] == "group":
            count = _count(
                post.get(f"{name}.{COUNT_SUFFIX}"), f.get("max_items", MAX_ITEMS_DEFAULT)
            )
            values[f["id"]] = [_parse_scope(f["fields"], post, f"{name}.{i}") for i in range(count)]
            continue
        value = _coerce(f, post.get(name))
        if value is not None:
            values[f["id"]] = value
    return values


def _count(raw: str | None, maximum: int) -> int:
    try:
        return max(0, min(int(raw or 0), maximum, MAX_ITEMS_DEFAULT))
    except ValueError:
        return 0


def _coerce(f: dict, raw: str | None) -> Any:
    """Blank is "not given"; a number that reads as one becomes one (so ``show_if`` and the
    validator see numbers); anything else stays the text the citizen typed."""
    if raw is None:
        return None
    text = raw.strip() if f["type"] != "textarea" else raw.strip("\n\r ")
    if not text:
        return None
    if f["type"] == "number":
        candidate = text.replace(" ", "").replace(",", ".")
        try:
            number = float(candidate)
        except ValueError:
            return text
        if number != number or number in (float("inf"), float("-inf")):  # NaN, infinities
            return text
        return int(number) if number.is_integer() and "." not in candidate else number
    return text


# --- repeatable groups without JavaScript -----------------------------------------------------


def apply_group_action(section: dict, values: dict, action: str) -> str | None:
    """Add an item to, or remove one from, a group named in ``action``; returns the anchor path
    to show afterwards, or None when the action does not name a group of this section."""
    verb, _sep, path = action.partition(":")
    parts = path.split(".")
    if verb not in {"add", "remove"} or len(parts) < 2 or parts[0] != section["id"]:
        return None
    if verb == "add":
        found = _locate_group(section["fields"], values, parts[1:])
        if found is None:
            return None
        spec, items = found
        if len(items) >= spec.get("max_items", MAX_ITEMS_DEFAULT):
            return path
        items.append({})
        return f"{path}.{len(items) - 1}"
    if not parts[-1].isdigit():
        return None
    found = _locate_group(section["fields"], values, parts[1:-1])
    if found is None:
        return None
    spec, items = found
    index = int(parts[-1])
    if index < len(items) and len(items) > spec.get("min_items", 0):
        del items[index]
    return ".".join(parts[:-1])


def _locate_group(fields: list[dict], values: dict, parts: list[str]):
    """The group spec and its item list at ``parts`` (``group`` or ``group.0.inner``)."""
    if not parts:
        return None
    spec = next((f for f in fields if f["id"] == parts[0] and f["type"] == "group"), None)
    if spec is None:
        return None
    items = values.get(parts[0])
    if not isinstance(items, list):
        items = values[parts[0]] = []
    if len(parts) == 1:
        return spec, items
    if len(parts) < 3 or not parts[1].isdigit() or int(parts[1]) >= len(items):
        return None
    item = items[int(parts[1])]
    if not isinstance(item, dict):
        return None
    return _locate_group(spec["fields"], item, parts[2:])


# --- reading a schema for the review page and error summaries ---------------------------------


def label_for_path(schema: dict, path: str) -> str:
    """A readable name for an error path: "Children, entry 2: Name"."""
    parts = path.split(".")
    section = next((s for s in schema.get("sections", []) if s["id"] == parts[0]), None)
    if section is None:
        return ""
    fields, labels, index = section["fields"], [], 1
    while index < len(parts):
        spec = next((f for f in fields if f["id"] == parts[index]), None)
        if spec is None:
            break
        label = spec["label"]
        if index + 1 < len(parts) and parts[index + 1].isdigit():
            label = _("%(group)s, entry %(n)d") % {"group": label, "n": int(parts[index + 1]) + 1}
            index += 1
        labels.append(label)
        fields = spec.get("fields", [])
        index += 1
    return ": ".join(labels) or section["title"]


@dataclass
class Answer:
    """One line of the review page."""

    path: str
    label: str
    text: str = ""
    items: list[list[Answer]] = field(default_factory=list)
    is_group: bool = False


def answers(section: dict, values: Any, ward_names: dict[str, str]) -> list[Answer]:
    """The visible fields of a section with their values in words, for the review page."""
    return _answers(
        section["fields"], values if isinstance(values, dict) else {}, section["id"], ward_names
    )


def _answers(
    fields: list[dict], values: dict, prefix: str, ward_names: dict[str, str]
) -> list[Answer]:
    lines = []
    for f in fields:
        if not is_visible(f, values):
            continue
        path = f"{prefix}.{f['id']}"
        raw = values.get(f["id"])
        if f["type"] == "group":
            entries = raw if isinstance(raw, list) else []
            lines.append(
                Answer(
                    path=path,
                    label=f["label"],
                    is_group=True,
                    items=[
                        _answers(
                            f["fields"],
                            item if isinstance(item, dict) else {},
                            f"{path}.{i}",
                            ward_names,
                        )
                        for i, item in enumerate(entries)
                    ],
                )
            )
            continue
        lines.append(Answer(path=path, label=f["label"], text=_in_words(f, raw, ward_names)))
    return lines


def _in_words(f: dict, raw: Any, ward_names: dict[str, str]) -> str:
    if raw in (None, ""):
        return ""
    if f["type"] == "choice":
        return next((c["label"] for c in f["choices"] if c["value"] == raw), str(raw))
    if f["type"] == "ward":
        return ward_names.get(str(raw), str(raw))
    if f["type"] == "date":
        try:
            return f"{datetime.date.fromisoformat(str(raw)):%d/%m/%Y}"
        except ValueError:
            return str(raw)
    return str(raw)
