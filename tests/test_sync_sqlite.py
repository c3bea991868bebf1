"""The change feed works on SQLite, the embedded demo's database (``make demo`` without
``DATABASE_URL``): ``tests/sqlite/sync_on_sqlite.py`` runs with pytest in a process whose
environment has no ``DATABASE_URL``, where change records are written and paged through."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.test_backoffice_sqlite import DROPPED

CHECKS = "tests/sqlite/sync_on_sqlite.py"


def test_the_change_feed_answers_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env["PORTAL_VAR_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", CHECKS, "-q", "-p", "no:cacheprovider", "-rps"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    assert f"PASSED {CHECKS}::test_the_database_is_sqlite" in report, report[-3000:]
    assert report.rstrip().splitlines()[-1].startswith("2 passed in"), report[-3000:]
