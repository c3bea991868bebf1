"""The sandbox is a separate Django project: its own process, settings and database.

Its pages are checked through a real ``runserver`` started with ``sandbox.settings``, exactly as
the Procfile runs it, so nothing of the portal's settings can leak into what is tested.
"""

from __future__ import annotations

import ast
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.sandbox_process import free_port, manage, sandbox_env, serving

ROOT = Path(__file__).resolve().parent.parent
PORTAL_PACKAGES = ["portal", "procedures", "dossiers", "payments", "identity", "sync", "reports"]
STAND_INS = ["VNeID", "Cổng Dịch vụ công quốc gia", "VNPay", "Bưu chính"]


def _imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    # import_module("sandbox...") and dotted strings in settings count as imports too.
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            head = value.split(".")[0]
            if (
                head.isidentifier()
                and value.startswith(f"{head}.")
                and not any(char.isspace() for char in value)
            ):
                names.add(head)
    return names


def _python_files(package: str) -> list[Path]:
    return sorted(path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def test_portal_code_never_imports_the_sandbox():
    scanned = 0
    offenders = []
    for package in PORTAL_PACKAGES:
        for path in _python_files(package):
            scanned += 1
            if "sandbox" in _imported_top_level_names(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert scanned > 10, "the scan found no portal source files"
    assert offenders == []
    assert not any(app.split(".")[0] == "sandbox" for app in settings.INSTALLED_APPS)


def test_sandbox_never_imports_portal_code():
    files = _python_files("sandbox")
    assert ROOT / "sandbox" / "settings.py" in files
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_top_level_names(path) & set(PORTAL_PACKAGES))
        for path in files
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http only
        return response.status, response.headers.get_content_type(), response.read().decode()


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory):
    """Migrate a throw-away sandbox database and serve the sandbox from it."""
    var = tmp_path_factory.mktemp("sandbox-var")
    url = f"http://127.0.0.1:{free_port()}"
    env = sandbox_env(var, url)
    migrated = manage(env, "migrate", "--noinput", timeout=120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "sessions" in migrated.stdout
    assert "vneid" in migrated.stdout and "oauth2_provider" in migrated.stdout
    with serving(env, var, url):
        yield url


def test_sandbox_healthz_answers_ok(sandbox_url):
    status, content_type, body = _get(f"{sandbox_url}/healthz")

    assert status == 200
    assert content_type == "application/json"
    assert json.loads(body) == {"status": "ok", "service": "sandbox"}


def test_sandbox_index_lists_vneid_and_vnpay_as_available_and_the_others_as_coming(sandbox_url):
    status, content_type, body = _get(f"{sandbox_url}/")

    assert status == 200
    assert content_type == "text/html"
    assert "<h1>Sandbox</h1>" in body
    for name in STAND_INS:
        assert name in body, f"{name} is missing from the sandbox index"
    assert body.count(">available<") == 2
    assert body.count(">coming<") == len(STAND_INS) - 2
    vnpay = body.split('id="vnpay"', 1)[1].split("</li>", 1)[0]
    assert ">available<" in vnpay
    vneid = body.split('id="vneid"', 1)[1].split("</li>", 1)[0]
    assert ">available<" in vneid
    discovery = f"{sandbox_url}/vneid/.well-known/openid-configuration"
    assert f'href="{discovery}"' in vneid


def test_the_discovery_url_on_the_index_answers(sandbox_url):
    status, content_type, body = _get(f"{sandbox_url}/vneid/.well-known/openid-configuration")

    assert status == 200
    assert content_type == "application/json"
    assert json.loads(body)["issuer"] == f"{sandbox_url}/vneid"


def test_sandbox_does_not_serve_the_portal(sandbox_url):
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"{sandbox_url}/readyz")
    assert error.value.code == 404
