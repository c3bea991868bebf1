"""Translations: Vietnamese is complete, the committed .mo files match the .po files, and the
English switch really switches the interface."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
VI_PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd]")


def catalogue_dict(entries) -> dict[tuple[str | None, str], object]:
    """(msgctxt, msgid) → translation (a string, or a tuple of plural forms)."""
    result = {}
    for entry in entries:
        if not entry.msgid:  # the header
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if any(forms):
                result[(entry.msgctxt, entry.msgid)] = forms
        elif entry.msgstr:
            result[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return result


def test_vietnamese_catalogue_is_complete():
    po = polib.pofile(str(VI_PO))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    assert po.metadata["Language"] == "vi"
    assert po.metadata["Plural-Forms"].startswith("nplurals=1;")


def test_vietnamese_translations_keep_every_placeholder():
    for entry in polib.pofile(str(VI_PO)):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid


@pytest.mark.parametrize("language", ["vi", "en"])
def test_committed_mo_holds_exactly_the_po_translations(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo_path = folder / "django.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run compilemessages and commit it"
    translated = [e for e in po if not e.obsolete and "fuzzy" not in e.flags]
    expected = catalogue_dict(translated)
    compiled = catalogue_dict(polib.mofile(str(mo_path)))
    assert compiled == expected, "stale .mo: run `make messages` and commit the result"


def test_english_catalogue_leaves_msgids_as_they_are():
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    assert catalogue_dict(po) == {}


def test_portal_name_is_translated():
    po = polib.pofile(str(VI_PO))
    entry = po.find("Ho Chi Minh City Public Service Portal")
    assert entry is not None
    assert entry.msgstr == "Cổng Dịch vụ công Thành phố Hồ Chí Minh"


# --- The language switch in the browser ------------------------------------------------------


@pytest.mark.django_db
def test_default_language_is_vietnamese(client):
    html = client.get("/").content.decode()
    assert '<html lang="vi">' in html
    assert "Thủ tục được quan tâm nhiều" in html
    assert "Chuyển đến nội dung chính" in html
    assert "Popular procedures" not in html
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in html


@pytest.mark.django_db
def test_switching_to_english_with_the_form(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/procedures/?q=ket+hon"})
    assert response.status_code == 302
    assert response["Location"] == "/procedures/?q=ket+hon"
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
    assert "Search procedures" in html
    assert "Tìm thủ tục hành chính" not in html
    assert re.search(r"\d+ procedures found", html)
    assert '<button type="submit" name="language" value="vi" lang="vi">Tiếng Việt</button>' in html


@pytest.mark.django_db
def test_language_cookie_gives_english_labels_on_the_detail_page(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/procedures/1.004222/").content.decode()
    assert "Documents to prepare" in html
    assert "Processing time and fees" in html
    assert "7 working days" in html
    # Data stays in Vietnamese: it is the official record.
    assert "Đăng ký thường trú" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = client.get("/procedures/1.004222/").content.decode()
    assert "Thành phần hồ sơ" in html and "7 ngày làm việc" in html


@pytest.mark.django_db
def test_validation_messages_follow_the_language(client, settings):
    response = client.get("/procedures/", {"level": "galaxy"})
    assert "Cấp thực hiện “galaxy” không hợp lệ." in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/procedures/", {"level": "galaxy"})
    assert response.status_code == 400
    assert "Unknown level “galaxy”." in response.content.decode()
