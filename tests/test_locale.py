"""Vietnamese is the default whatever the browser says; English only when chosen."""

import pytest

pytestmark = pytest.mark.django_db


def test_browser_language_does_not_switch_pages_to_english(client):
    html = client.get("/procedures/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="vi"' in html
    assert "Thủ tục hành chính" in html


def test_language_switch_cookie_gives_english_pages(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/procedures/"})
    html = client.get("/procedures/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'lang="en"' in html
    assert "Administrative procedures" in html


def test_api_clients_may_ask_for_english_messages(client):
    english = client.get("/api/v1/procedures/?level=galaxy", HTTP_ACCEPT_LANGUAGE="en")
    default = client.get("/api/v1/procedures/?level=galaxy")
    assert english.status_code == default.status_code == 400
    assert "Unknown level" in english.json()["error"]["fields"]["level"][0]
    assert "Unknown level" not in default.json()["error"]["fields"]["level"][0]


def test_unknown_page_gets_the_portal_404_in_vietnamese(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()
