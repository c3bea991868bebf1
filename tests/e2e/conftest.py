"""Browser tests: a real headless Chromium from the operating system, driven by Playwright.

The browser is Debian's ``chromium`` (``CHROMIUM_PATH``, default ``/usr/bin/chromium``); no test
tool ever downloads one. Without it the browser tests are skipped with the reason printed, and
under CI (``CI=true``) they fail instead. When a test fails, a full-page screenshot is saved to
``test-artifacts/<test name>.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT

# Playwright's sync API keeps an event loop running in the main thread; Django refuses ORM calls
# from such a thread unless told that this is deliberate (tests load data before browsing).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Belt and braces: nothing here may fetch a browser build from the internet.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM_PATH).is_file() or not os.access(CHROMIUM_PATH, os.X_OK):
        _unavailable(
            f"no Chromium at {CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev dependency group has it
        _unavailable("the playwright package is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM_PATH} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def viewport():
    """Screen size of the page; tests parametrize it to run at desktop and phone sizes."""
    return DESKTOP


@pytest.fixture
def page(request, browser, viewport):
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Every browser test also checks the Content-Security-Policy: a blocked script, style or
    # form shows up as a console message, and fails the test that caused it.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
        path = ARTIFACTS / f"{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed page: {path}")
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"could not save a screenshot: {exc}")
    context.close()
    if violations:
        pytest.fail(f"Content-Security-Policy violations: {violations}", pytrace=False)


def open_menu(page) -> None:
    """Open the site menu where a phone shows it collapsed behind its "Menu" button."""
    toggle = page.locator("header details.site-menu > summary")
    if toggle.is_visible() and toggle.locator("xpath=..").get_attribute("open") is None:
        toggle.click()
