"""E-form schemas: the meta-schema, generated forms for every procedure, and the validator."""

import datetime

import pytest

from procedures.documents import SLOT_KINDS
from procedures.eform_builder import (
    build_schema,
    classified_documents,
    detailed_schema_file,
    generated_schema,
)
from procedures.eforms import Context, SchemaError, check_schema, validate_data
from procedures.models import Procedure

TODAY = datetime.date(2026, 11, 25)
CONTEXT = Context(
    today=TODAY,
    ward_exists=lambda code: code == "H29.26743",
    id_number_problem=lambda value: None if value == "079085001234" else "bad id",
)

SCHEMA = {
    "schema_version": 1,
    "title": "Thử nghiệm",
    "sections": [
        {
            "id": "person",
            "title": "Người",
            "fields": [
                {"id": "name", "type": "text", "label": "Tên", "required": True, "max_length": 10},
                {"id": "born", "type": "date", "label": "Sinh", "max": "today"},
                {"id": "kind", "type": "choice", "label": "Loại", "required": True,
                 "choices": [{"value": "a", "label": "A"}, {"value": "other", "label": "Khác"}]},
                {"id": "other", "type": "text", "label": "Ghi rõ", "required": True,
                 "show_if": {"field": "kind", "equals": "other"}},
                {"id": "age", "type": "number", "label": "Tuổi", "integer": True, "min": 0,
                 "max": 150},
                {"id": "phone", "type": "phone", "label": "Điện thoại"},
                {"id": "email", "type": "email", "label": "Thư"},
                {"id": "ward", "type": "ward", "label": "Phường"},
                {"id": "id_number", "type": "id_number", "label": "Số định danh"},
                {"id": "children", "type": "group", "label": "Con", "max_items": 2,
                 "fields": [{"id": "name", "type": "text", "label": "Tên", "required": True}]},
            ],
        }
    ],
    "documents": [{"id": "doc-1", "name": "Tờ khai", "required": True}],
}  # fmt: skip


def test_the_example_schema_is_valid():
    check_schema(SCHEMA)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.pop("documents"), "documents"),
        (lambda s: s["sections"][0]["fields"][0].update(type="slider"), "slider"),
        (lambda s: s["sections"][0]["fields"][2].pop("choices"), "choices"),
        (lambda s: s["sections"][0]["fields"][3]["show_if"].update(field="nope"), "nope"),
        (lambda s: s["sections"][0]["fields"].append({"id": "name", "type": "text",
                                                      "label": "x"}), "unique"),
        (lambda s: s["sections"][0]["fields"][0].update(id="Bad Id"), "Bad Id"),
        (lambda s: s.update(schema_version=2), "schema_version"),
    ],
)  # fmt: skip
def test_broken_schemas_are_refused_with_the_reason(mutate, message):
    import copy

    schema = copy.deepcopy(SCHEMA)
    mutate(schema)
    with pytest.raises(SchemaError, match=message):
        check_schema(schema)


def test_valid_data_is_cleaned():
    result = validate_data(
        SCHEMA,
        {"person": {"name": " An ", "born": "1990-01-02", "kind": "a", "age": "34",
                    "phone": "091 234 5678", "email": "An@Example.VN", "ward": "H29.26743",
                    "id_number": "079085001234", "children": [{"name": "Bình"}],
                    "other": "ignored because hidden"}},
        CONTEXT,
    )  # fmt: skip
    assert result.is_valid, result.errors
    person = result.data["person"]
    assert person["name"] == "An"
    assert person["age"] == 34
    assert person["phone"] == "0912345678"
    assert person["email"] == "an@example.vn"
    assert "other" not in person
    assert person["children"] == [{"name": "Bình"}]


def test_errors_are_keyed_by_path_and_translated_messages():
    result = validate_data(
        SCHEMA,
        {"person": {"name": "x" * 11, "born": "2999-01-01", "kind": "other", "age": "3.5",
                    "phone": "12345", "email": "not-mail", "ward": "H29.99999",
                    "id_number": "1", "children": [{"name": ""}, {"name": "a"}, {"name": "b"}]}},
        CONTEXT,
    )  # fmt: skip
    assert set(result.errors) == {
        "person.name", "person.born", "person.other", "person.age", "person.phone",
        "person.email", "person.ward", "person.id_number", "person.children",
        "person.children.0.name",
    }  # fmt: skip
    assert result.errors["person.id_number"] == "bad id"
    assert "10" in result.errors["person.name"]


def test_drafts_may_be_incomplete_but_not_wrong():
    partial = Context(**{**CONTEXT.__dict__, "partial": True})
    result = validate_data(SCHEMA, {"person": {"email": "x"}}, partial)
    assert set(result.errors) == {"person.email"}
    assert validate_data(SCHEMA, {"person": {}}, partial).is_valid


@pytest.mark.parametrize("data", [None, [], "x", {"person": []}, {"person": {"children": "x"}}])
def test_wrong_shapes_give_errors_not_exceptions(data):
    assert not validate_data(SCHEMA, data, CONTEXT).is_valid


@pytest.mark.django_db
def test_every_procedure_in_the_catalogue_gets_a_valid_form():
    versions = [
        p.current_version
        for p in Procedure.objects.select_related("current_version__procedure").prefetch_related(
            "current_version__documents"
        )
    ]
    assert len(versions) == 2625
    for version in versions:
        schema = build_schema(version)
        slots = [d for d, found in classified_documents(version) if found.kind in SLOT_KINDS]
        if not detailed_schema_file(version.procedure.national_code):
            assert len(schema["documents"]) == len(slots)
        assert len(schema["documents"]) + len(schema["notes"]) <= version.documents.count()


@pytest.mark.django_db
def test_generated_form_offers_the_cases_of_the_procedure():
    version = Procedure.objects.get(national_code="1.004222").current_version
    schema = generated_schema(version)
    groups = {d.group for d in version.documents.all() if d.group}
    request_fields = {f["id"]: f for f in schema["sections"][1]["fields"]}
    assert len(groups) == 6
    assert len(request_fields["case"]["choices"]) == len(groups)
    grouped = [
        d for d, found in classified_documents(version) if d.group and found.kind in SLOT_KINDS
    ]
    cased = [doc for doc in schema["documents"] if "case" in doc]
    assert len(cased) == len(grouped)
    assert schema["sections"][0]["fields"][0]["prefill"] == "profile.full_name"


@pytest.mark.django_db
def test_birth_registration_asks_to_upload_only_what_the_eform_does_not_replace():
    version = Procedure.objects.get(national_code="1.001193").current_version
    required = [slot["name"] for slot in build_schema(version)["documents"] if slot["required"]]
    assert any(name.startswith("Giấy chứng sinh") for name in required)
    assert not any(name.lower().startswith("tờ khai") for name in required)
    assert not any("điện tử tương tác" in name for name in required)
    assert len(required) <= 3
