"""Content-Security-Policy and Permissions-Policy on the HTML pages.

Every HTML page carries a policy that allows only our own files, and an inline script or style
only with the request's nonce; the nonce in the header is the one on the page's tags.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.test_page_markup import journey_pages

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict_policy_with_the_page_nonce(name: str, response) -> None:
    policy = directives(response)
    nonces = {v for v in policy["script-src"] if v.startswith("'nonce-")}
    assert len(nonces) == 1, (name, policy["script-src"])
    nonce = nonces.pop()[len("'nonce-") : -1]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"], name
    assert (
        "'unsafe-inline'" not in policy["style-src"] and f"'nonce-{nonce}'" in policy["style-src"]
    )
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"][0] == "'self'"
    html = response.content.decode()
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        inline = tag.startswith("<style") or " src=" not in tag
        if inline or "nonce=" in tag:
            # Inline code runs only with the nonce; a file of ours may carry it too.
            assert f'nonce="{nonce}"' in tag, (name, tag)
        else:
            assert re.search(r' src="/(?!/)', tag), (name, tag)  # our own origin


def other_pages(client: Client) -> list[tuple[str, object]]:
    strict = Client(enforce_csrf_checks=True)
    return [
        ("back office login", client.get("/backoffice/login/")),
        ("admin login", client.get("/admin/login/")),
        ("API docs", client.get("/api/v1/docs/")),
        ("not found", client.get("/no-such-page/")),
        ("CSRF failure", strict.post("/lookup/", {"code": "x", "factor": "y"})),
    ]


def test_every_html_page_has_a_strict_policy_whose_nonce_is_on_its_tags(client):
    pages = journey_pages(client) + other_pages(Client())
    assert len(pages) >= 20
    for name, response in pages:
        assert response["Content-Type"].startswith("text/html"), name
        assert_strict_policy_with_the_page_nonce(name, response)


def test_the_pages_with_inline_code_use_the_nonce(client):
    """The tags the check above reads are really there: the e-form script, the docs' style."""
    pages = dict(journey_pages(client) + other_pages(Client()))
    step = next(response for name, response in pages.items() if name.startswith("step "))
    assert re.search(r'<script src="[^"]*eform\.js" nonce="[^"]+"', step.content.decode())
    assert re.search(r'<style nonce="[^"]+">', pages["API docs"].content.decode())


def test_each_response_gets_its_own_nonce(client):
    first, second = (directives(client.get("/lookup/"))["script-src"] for _ in range(2))
    assert first != second


def test_form_action_allows_the_vneid_provider_the_login_redirects_to(client, settings):
    settings.VNEID_ISSUER = "https://sso.vneid.gov.vn/oidc"
    assert directives(client.get("/"))["form-action"] == ["'self'", "https://sso.vneid.gov.vn"]


def test_the_api_docs_may_show_data_images_other_pages_may_not(client):
    assert "data:" in directives(client.get("/api/v1/docs/"))["img-src"]
    assert "data:" not in directives(client.get("/"))["img-src"]


def test_permissions_policy_switches_off_unused_browser_features(client):
    for path in ("/", "/lookup/", "/api/v1/procedures/"):
        policy = client.get(path)["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment"):
            assert f"{feature}=()" in policy, (path, policy)


def test_api_answers_stay_json_without_a_page_nonce(client):
    response = client.get("/api/v1/procedures/", {"q": "ho tich"})
    assert response["Content-Type"] == "application/json"
    assert "nonce-" not in response.get("Content-Security-Policy", "")
