"""The back-office inbox works on SQLite, the embedded demo's database (``make demo`` without
``DATABASE_URL``), not only on the PostgreSQL this suite runs on.

The queue SQL has a PostgreSQL form (arrays, ``= ANY``) and a portable one; this runs
``tests/sqlite/inbox_on_sqlite.py`` with pytest in a process whose environment has no
``DATABASE_URL`` (so the settings choose SQLite, in a temporary folder), where the page and the
API must answer the right rows and counts of every queue.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

CHECKS = "tests/sqlite/inbox_on_sqlite.py"
DROPPED = {"DATABASE_URL", "REDIS_URL", "CI", "PYTEST_ADDOPTS", "DJANGO_SETTINGS_MODULE"}


def test_the_inbox_page_and_api_answer_their_rows_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env["PORTAL_VAR_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", CHECKS, "-q", "-p", "no:cacheprovider", "-rps"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    # The first check asserts the connection is SQLite; every check ran (none skipped).
    assert f"PASSED {CHECKS}::test_the_database_is_sqlite" in report, report[-3000:]
    assert report.rstrip().splitlines()[-1].startswith("4 passed in"), report[-3000:]
