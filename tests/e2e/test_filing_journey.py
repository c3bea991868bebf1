"""A citizen files a birth registration on a 360 px phone: log in with VNeID at the sandbox,
fill the e-form, leave and come back, upload a document, review, consent, submit, then find the
dossier again with the public lookup.

The form is read from the draft's schema snapshot, so the test fills whatever fields the
procedure's form has (required ones, and any a condition reveals), in the order of the page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, open_menu

# The sandbox and the portal pointed at it are the login test's fixtures, reused as they are.
from tests.e2e.test_citizen_login import AN_ID, log_in_at_sandbox, portal, sandbox  # noqa: F401
from tests.fixtures.documents import pdf_bytes
from tests.test_receipt_pdf import assert_in_pdf, pdf_text

BIRTH_REGISTRATION = "1.001193"
SMALL_PDF = pdf_bytes()  # uploads are parsed: a PDF a reader opens


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in the live server's thread: no worker runs in this test (the real
    worker path is proven in test_submission_concurrency)."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _value_for(field: dict) -> str | None:
    """A valid answer for a field the page shows empty (None: leave it alone)."""
    kind = field["type"]
    if kind == "number":
        low, high = field.get("min", 1), field.get("max", 100)
        return str(int((low + high) // 2))
    if kind == "date":
        return "2024-01-15"
    if kind == "phone":
        return "0912345678"
    if kind == "email":
        return "an@example.vn"
    if kind == "id_number":
        return AN_ID
    if kind == "textarea":
        return "Đề nghị cơ quan giải quyết hồ sơ."
    if kind == "text":
        return "Thông tin thử nghiệm"
    return None


def _fill_scope(page, fields: list[dict], prefix: str) -> None:
    for field in fields:
        name = f"{prefix}.{field['id']}"
        if field["type"] == "group":
            for index in range(field.get("min_items", 0)):
                _fill_scope(page, field["fields"], f"{name}.{index}")
            continue
        controls = page.locator(f'[name="{name}"]')
        if controls.count() == 0 or not controls.first.is_visible():
            continue  # a condition keeps it hidden
        if not field.get("required"):
            continue
        if field["type"] == "choice":
            if controls.first.evaluate("el => el.tagName") == "SELECT":
                if not controls.first.input_value():
                    controls.first.select_option(index=1)
            elif page.locator(f'[name="{name}"]:checked').count() == 0:
                controls.first.check()  # the first option; eform.js reveals what depends on it
            continue
        if field["type"] == "ward":
            if not controls.first.input_value():
                controls.first.select_option(index=1)
            continue
        if not controls.first.input_value():
            controls.first.fill(_value_for(field) or "x")


def _fill_section(page, section: dict) -> None:
    _fill_scope(page, section["fields"], section["id"])


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-360"])
def test_citizen_files_a_birth_registration_on_a_phone(
    page,
    portal,  # noqa: F811 - the login test's fixture, imported above
    popular_subset,
    settings,
    tmp_path,
    eager_tasks,
):
    from dossiers.models import Dossier, Status
    from procedures.importer import import_records

    settings.PRIVATE_STORAGE_ROOT = tmp_path

    assert import_records(popular_subset).rejected == []

    log_in_at_sandbox(page, portal, AN_ID)
    page.wait_for_url(f"{portal}/")

    # The procedure page leads to the start page, which leads to the first step.
    page.goto(f"{portal}/procedures/{BIRTH_REGISTRATION}/")
    page.locator(f'main a[href="/procedures/{BIRTH_REGISTRATION}/apply/"]').click()
    page.wait_for_url(f"{portal}/procedures/{BIRTH_REGISTRATION}/apply/")
    _no_sideways_scroll(page)
    page.locator('main form[action$="/apply/"] button[type=submit]').click()
    page.wait_for_url(re.compile(r"/dossiers/drafts/[0-9a-f-]+/step/[a-z0-9_]+/$"))

    draft = Dossier.objects.get(applicant__id_number=AN_ID, status=Status.DRAFT)
    sections = draft.form_schema["sections"]
    base = f"{portal}/dossiers/drafts/{draft.public_id}"
    assert draft.form_data["applicant"]["full_name"] == "Nguyễn Văn An"

    # First section, then the second one, then "Save and leave".
    save_and_continue = page.locator('main button[name=_action][value="continue"]')
    save_and_leave = page.locator('main button[name=_action][value="leave"]')
    expect(page.locator("h1")).to_have_text(sections[0]["title"])
    _no_sideways_scroll(page)
    _fill_section(page, sections[0])
    save_and_continue.click()
    page.wait_for_url(f"{base}/step/{sections[1]['id']}/")
    _fill_section(page, sections[1])
    save_and_leave.click()
    page.wait_for_url(f"{portal}/dossiers/")
    expect(page.locator("main [role=status]")).to_be_visible()

    # Back through "My dossiers": resume, and on through every section.
    page.goto(f"{portal}/")
    open_menu(page)  # collapsed on a phone
    page.locator('header a[href="/dossiers/"]').click()
    page.wait_for_url(f"{portal}/dossiers/")
    _no_sideways_scroll(page)
    page.locator(
        f'[data-draft="{draft.public_id}"] a[href$="/dossiers/drafts/{draft.public_id}/"]'
    ).click()
    page.wait_for_url(f"{base}/step/{sections[0]['id']}/")
    for section in sections:
        page.wait_for_url(f"{base}/step/{section['id']}/")
        expect(page.locator("[data-error-summary]")).to_have_count(0)
        _fill_section(page, section)
        _no_sideways_scroll(page)
        save_and_continue.click()
    page.wait_for_url(f"{base}/documents/")

    # Documents: one small PDF in every required slot.
    draft.refresh_from_db()
    required = [slot for slot in draft.form_schema["documents"] if slot["required"]]
    slots = [slot for slot in required if page.locator(f'[data-slot="{slot["id"]}"]').count()]
    assert slots, "the documents step shows no required slot"
    for slot in slots:
        form = page.locator(f'[data-slot="{slot["id"]}"] form[enctype="multipart/form-data"]')
        form.locator('input[type=file][name="file"]').set_input_files(
            {"name": f"{slot['id']}.pdf", "mimeType": "application/pdf", "buffer": SMALL_PDF}
        )
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(f'[data-slot="{slot["id"]}"]')).to_contain_text(f"{slot['id']}.pdf")
    # Reuse: an optional slot takes the file already in the document store.
    optional = [
        slot
        for slot in draft.form_schema["documents"]
        if not slot["required"] and page.locator(f'[data-slot="{slot["id"]}"] select').count()
    ]
    assert optional, "no optional slot offers reuse"
    reuse = page.locator(f'[data-slot="{optional[0]["id"]}"] form').filter(
        has=page.locator('select[name="stored"]')
    )
    reuse.locator('select[name="stored"]').select_option(index=1)
    reuse.locator("button[type=submit]").click()
    page.wait_for_load_state()
    reused = draft.documents.get(slot_id=optional[0]["id"])
    assert reused.reused is True
    page.locator(f'main a[href="/dossiers/drafts/{draft.public_id}/review/"]').last.click()
    page.wait_for_url(f"{base}/review/")

    # Review: nothing missing, consent, submit.
    _no_sideways_scroll(page)
    expect(page.locator("[data-missing]")).to_have_count(0)
    draft.refresh_from_db()
    if draft.procedure.receives_at_commune and draft.receiving_agency is None:
        # Where to file: the applicant's ward is suggested; the citizen may keep it.
        expect(page.locator("select#agency")).to_have_value(draft.form_data["applicant"]["ward"])
    page.locator("#consent").check()
    page.locator('main button[name=_action][value="submit"]').click()
    page.wait_for_load_state()
    if page.url.endswith("/review/"):
        pytest.fail(f"not submitted: {page.locator('[data-error-summary]').inner_text()}")
    page.wait_for_url(re.compile(r"/dossiers/H29[^/]+/$"))

    dossier = Dossier.objects.get(pk=draft.pk)
    assert dossier.status == Status.SUBMITTED
    assert page.url == f"{portal}/dossiers/{dossier.code}/"
    expect(page.locator("main")).to_contain_text(dossier.code)
    assert Dossier.objects.filter(applicant__id_number=AN_ID).exclude(code=None).count() == 1

    # The receipt (Mẫu 01) was rendered after commit; the citizen downloads and reads it.
    page.reload()
    receipt_link = page.locator(f'main a[href="/dossiers/{dossier.code}/receipt.pdf"]')
    expect(receipt_link.first).to_be_visible()
    receipt = page.request.get(f"{portal}/dossiers/{dossier.code}/receipt.pdf")
    assert receipt.status == 200 and receipt.body().startswith(b"%PDF-")
    text = pdf_text(receipt.body())
    for needle in ("Độc lập - Tự do - Hạnh phúc", "Nguyễn Văn An", dossier.code):
        assert_in_pdf(needle, text)

    # Anyone with the code and the applicant's ID number finds it on the lookup page.
    page.goto(f"{portal}/lookup/")
    lookup = page.locator("main form").filter(has=page.locator('input[name="code"]'))
    lookup.locator('input[name="code"]').fill(dossier.code)
    lookup.locator('input[name="factor"], input[name="id_number"]').first.fill(AN_ID)
    lookup.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(dossier.code)
    _no_sideways_scroll(page)
