"""Markup of the citizens' pages: every id an ARIA attribute or a label names exists, the menu is
for citizens, and the timeline shows no empty note."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from dossiers import services
from dossiers.models import DossierEvent
from procedures.models import Procedure
from tests.factories import CitizenFactory
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db

MARRIAGE = "1.000894"  # commune procedure, level 2, online, with documents
REFERENCING = ("aria-describedby", "aria-labelledby", "aria-controls")


class IdReferences(HTMLParser):
    """The ids a page defines, and the ids its attributes point at."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in REFERENCING:
            for target in (attributes.get(name) or "").split():
                self.references.append((tag, name, target))
        if tag == "label" and attributes.get("for"):
            self.references.append((tag, "for", attributes["for"]))

    def dangling(self) -> list[tuple[str, str, str]]:
        return [ref for ref in self.references if ref[2] not in self.ids]


def dangling_references(html: str) -> list[tuple[str, str, str]]:
    parser = IdReferences()
    parser.feed(html)
    return parser.dangling()


def journey_pages(client: Client) -> list[tuple[str, object]]:
    """(name, response) for each page of the filing journey, as the owner of a draft and of a
    submitted dossier sees it; a few are also shown with their error messages."""
    citizen = CitizenFactory(with_contact=True)
    client.force_login(citizen.user)
    dossier = submitted(citizen)
    draft = services.start_draft(citizen, Procedure.objects.get(national_code=MARRIAGE))
    base = f"/dossiers/drafts/{draft.public_id}"
    sections = [section["id"] for section in draft.form_schema["sections"]]
    pages = [
        ("home", client.get("/")),
        ("catalogue", client.get("/procedures/", {"q": "ho tich"})),
        ("procedure", client.get(f"/procedures/{MARRIAGE}/")),
        ("apply start", client.get(f"/procedures/{MARRIAGE}/apply/")),
        *[(f"step {s}", client.get(f"{base}/step/{s}/")) for s in sections],
        # An empty first step: every required field shows its error.
        ("step with errors", client.post(f"{base}/step/{sections[0]}/", {"_action": "continue"})),
        ("documents", client.get(f"{base}/documents/")),
        ("review", client.get(f"{base}/review/")),
        ("review with errors", client.post(f"{base}/review/", {"_action": "submit"})),
        ("my dossiers", client.get("/dossiers/")),
        ("dossier", client.get(f"/dossiers/{dossier.code}/")),
        ("account", client.get("/account/")),
        ("lookup", client.get("/lookup/")),
    ]
    client.logout()
    pages.append(("lookup with errors", client.post("/lookup/", {"code": "", "factor": ""})))
    return pages


def test_every_id_named_by_aria_or_a_label_exists_on_the_journey_pages(client):
    problems = {}
    for name, response in journey_pages(client):
        assert response.status_code in (200, 400), (name, response.status_code)
        dangling = dangling_references(response.content.decode())
        if dangling:
            problems[name] = dangling
    assert problems == {}


def test_the_checker_finds_a_dangling_reference():
    html = '<label for="a">A</label><input id="a" aria-describedby="a-help missing"><p id="a-help">'
    assert dangling_references(html) == [("input", "aria-describedby", "missing")]


def test_the_lookup_help_text_is_the_element_its_input_names(client):
    html = client.get("/lookup/").content.decode()
    described = re.search(r'<input[^>]*name="factor"[^>]*aria-describedby="([^"]+)"', html)
    assert described, "the factor field has no description"
    assert re.search(rf'<p class="hint" id="{described[1]}">[^<]+</p>', html)


def test_the_menu_has_no_api_documentation_but_the_footer_keeps_it(client):
    citizen = CitizenFactory(with_contact=True)
    client.force_login(citizen.user)
    html = client.get("/").content.decode()
    menu = html[html.index('<nav class="site-nav"') : html.index("</nav>", html.index("site-nav"))]
    footer = html[html.index('<footer class="site-footer">') :]
    assert "/api/v1/docs/" not in menu
    assert 'href="/dossiers/"' in menu
    assert 'href="/api/v1/docs/"' in footer


def test_the_timeline_shows_no_empty_note(client):
    citizen = CitizenFactory(with_contact=True)
    client.force_login(citizen.user)
    dossier = submitted(citizen)
    DossierEvent.objects.filter(dossier=dossier).update(note="")
    html = client.get(f"/dossiers/{dossier.code}/").content.decode()
    timeline = html[html.index('class="channels timeline"') :]
    timeline = timeline[: timeline.index("</table>")]
    assert re.findall(r'<td data-label="[^"]*" class="pre-line">\s*</td>', timeline) == []
    assert 'class="timeline__no-note"' in timeline
