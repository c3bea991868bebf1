"""The layout's fixed parts are rendered once per process (portal/templatetags/layout.py).

What is kept must never carry one visitor's data to another: two citizens reading the same pages
in turn each see their own name only, every request gets its own CSRF token and CSP nonce, and a
part cannot even see the request or the user. The menu still marks the page one is on, in the
language one chose.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client, RequestFactory
from django.utils import translation

from tests.factories import CitizenFactory
from tests.test_receipt_pdf import submitted

pytestmark = pytest.mark.django_db

FIRST, SECOND = "Nguyễn Thị Riêng Một", "Trần Văn Riêng Hai"
PAGES = ["/", "/procedures/", "/lookup/", "/dossiers/", "/account/"]


def signed_in(citizen) -> Client:
    client = Client()
    client.force_login(citizen.user)
    return client


def test_two_citizens_reading_in_turn_never_see_each_others_name():
    first = CitizenFactory(full_name=FIRST, id_number="079085000001")
    second = CitizenFactory(full_name=SECOND, id_number="079085000002")
    pages = {
        FIRST: (signed_in(first), [*PAGES, f"/dossiers/{submitted(first, key='a').code}/"]),
        SECOND: (signed_in(second), [*PAGES, f"/dossiers/{submitted(second, key='b').code}/"]),
    }
    anonymous = Client()
    for _round in range(2):  # the second round is served from what the first kept
        for page_number in range(len(PAGES) + 1):
            for name, (client, paths) in pages.items():
                html = client.get(paths[page_number]).content.decode()
                other = SECOND if name == FIRST else FIRST
                assert name in html, paths[page_number]
                assert other not in html, paths[page_number]
            html = anonymous.get(PAGES[page_number % 3]).content.decode()
            assert FIRST not in html and SECOND not in html


def test_the_same_client_signed_in_as_another_citizen_sees_the_new_name():
    client = Client()
    client.force_login(CitizenFactory(full_name=FIRST, id_number="079085000001").user)
    assert FIRST in client.get("/").content.decode()
    client.force_login(CitizenFactory(full_name=SECOND, id_number="079085000002").user)
    html = client.get("/").content.decode()
    assert SECOND in html and FIRST not in html


def test_each_request_gets_its_own_csrf_token_and_nonce_in_the_kept_layout():
    client = signed_in(CitizenFactory())
    tokens, nonces = set(), set()
    for _n in range(3):
        response = client.get("/")
        html = response.content.decode()
        found = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert len(found) == 2 and found[0] == found[1]  # log-out and language forms
        tokens.add(found[0])
        nonces.add(re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1])
    assert len(tokens) == 3 and len(nonces) == 3


def current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', html)


def test_the_menu_marks_the_page_one_is_on():
    client = signed_in(CitizenFactory())
    assert current(client.get("/").content.decode()) == ["/"]
    assert current(client.get("/procedures/").content.decode()) == ["/procedures/"]
    assert current(client.get("/dossiers/").content.decode()) == ["/dossiers/"]
    assert current(client.get("/account/").content.decode()) == ["/account/"]
    assert current(client.get("/").content.decode()) == ["/"]


def test_the_layout_follows_the_chosen_language_and_the_path_in_next():
    client = signed_in(CitizenFactory())
    vietnamese = client.get("/procedures/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/procedures/?q=ho").content.decode()
    assert '<html lang="vi">' in vietnamese and "Đăng xuất" in vietnamese
    assert '<html lang="en">' in english and "Log out" in english and "Đăng xuất" not in english
    assert 'name="next" value="/procedures/?q=ho"' in english


def test_a_part_sees_only_its_named_values_and_the_language():
    template = Template(
        "{% load layout %}{% layout_part shade=shade %}[{{ user }}|{{ request.path }}|"
        "{{ csrf_token }}|{{ shade }}|{{ LANGUAGE_CODE }}]{% endlayout_part %}"
    )
    request = RequestFactory().get("/private/")
    context = {"user": "Nguyễn Văn Bí Mật", "request": request, "csrf_token": "abc"}
    with translation.override("vi"):
        assert template.render(Context({**context, "shade": "dark"})) == "[|||dark|vi]"
        assert template.render(Context({**context, "shade": "light"})) == "[|||light|vi]"
    with translation.override("en"):
        assert template.render(Context({**context, "shade": "dark"})) == "[|||dark|en]"


@pytest.mark.parametrize("inner", ["{% csrf_token %}", "{% block x %}{% endblock %}"])
def test_a_part_refuses_what_would_be_kept_wrongly(inner):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load layout %}{% layout_part %}" + inner + "{% endlayout_part %}")


def test_templates_are_parsed_once_per_process():
    """The cached loader (Django's default when no loaders are named): a part's kept HTML lives
    on its parsed template, so a loader that parsed again on each request would keep nothing."""
    from django.template import engines
    from django.template.loaders.cached import Loader

    assert "loaders" not in settings.TEMPLATES[0].get("OPTIONS", {})
    assert isinstance(engines["django"].engine.template_loaders[0], Loader)
