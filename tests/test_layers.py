"""Dependencies point one way (DESIGN.md, "Layout"): these tests read the source, not the runtime.

An import hidden inside a function counts as much as one at the top of a module: the AST of every
file is walked, so a lazy ``from dossiers import …`` in ``identity`` fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# identity sits below every app that files, processes, pays, syncs, notifies or reports.
ABOVE_IDENTITY = {"dossiers", "backoffice", "payments", "sync", "notifications", "reports"}


def imported_modules(path: Path) -> set[str]:
    """The absolute module names a file imports (relative imports stay inside its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def forbidden_imports(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    """``{file: [module, …]}`` for every ``.py`` under ``package`` importing a forbidden app."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = sorted(m for m in imported_modules(path) if m.split(".")[0] in forbidden)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_the_scan_sees_imports_at_every_depth(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import os\nfrom . import sibling\n\ndef f():\n    from dossiers.uploads import x\n"
        "    import payments.models\n"
    )
    assert imported_modules(module) == {"os", "dossiers.uploads", "payments.models"}


def test_identity_imports_no_app_above_it():
    assert forbidden_imports("identity", ABOVE_IDENTITY) == {}


def test_the_back_office_lives_in_its_own_app():
    """The officials' interface left identity and kept its URL names (``backoffice:…``)."""
    from django.urls import resolve, reverse

    assert not (ROOT / "identity" / "backoffice.py").exists()
    assert resolve(reverse("backoffice:inbox")).func.__module__ == "backoffice.views"
    assert resolve(reverse("backoffice:agency-staff", args=["H29.03"])).func.__module__ == (
        "backoffice.views"
    )
    # Signing in is authentication: identity's view, reached under the back office's name.
    assert reverse("backoffice:login") == "/backoffice/login/"
    assert resolve("/backoffice/login/").func.__module__ == "identity.views_official"


# portal's shared plumbing sits under every app: it may name none of them.
PORTAL_PLUMBING = [
    "api.py",
    "celery.py",
    "health.py",
    "middleware.py",
    "plugins.py",
    "queues.py",
    "worker.py",
]


def project_apps() -> set[str]:
    """The project's own packages: every top-level folder with an ``apps.py``, and the sandbox."""
    return {path.parent.name for path in ROOT.glob("*/apps.py")} | {"sandbox"}


def test_project_apps_are_found():
    assert {"identity", "dossiers", "procedures", "backoffice", "portal"} <= project_apps()


def test_portal_plumbing_imports_no_project_app():
    apps = project_apps() - {"portal"}
    found = {}
    for name in PORTAL_PLUMBING:
        path = ROOT / "portal" / name
        if path.exists():  # a module planned in DESIGN.md may not exist yet
            bad = sorted(m for m in imported_modules(path) if m.split(".")[0] in apps)
            if bad:
                found[name] = bad
    assert found == {}


def test_the_outbox_imports_only_portal_plumbing():
    """Every app that must not lose an effect uses the outbox, so it can use none of them."""
    apps = ABOVE_IDENTITY | {"identity", "procedures", "workflow", "sandbox"}
    assert forbidden_imports("outbox", apps) == {}
