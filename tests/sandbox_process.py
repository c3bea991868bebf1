"""Running the sandbox as its own process in tests, as the Procfile runs it.

The portal's tests use ``portal.settings.test``; the sandbox is another Django project with its
own settings and database, so tests start it with ``manage.py`` in a subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sandbox_env(var: Path, url: str, portal_url: str | None = None) -> dict[str, str]:
    """The environment of a throw-away sandbox: its own var folder and SQLite database.

    Key settings of the machine's environment (``DATABASE_URL``, ``SANDBOX_VNEID_*``) are
    dropped so the sandbox never touches the portal's database or a real key.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DATABASE_URL" and not key.startswith("SANDBOX_VNEID_")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "sandbox.settings",
            "SANDBOX_VAR_DIR": str(var),
            "SANDBOX_DATABASE_URL": f"sqlite:///{var / 'sandbox.sqlite3'}",
            "SANDBOX_URL": url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if portal_url is not None:
        env["SANDBOX_PORTAL_URL"] = portal_url
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def serving(
    env: dict[str, str], var: Path, url: str, ready_path: str = "/healthz"
) -> Iterator[str]:
    """``runserver`` on the port of ``url`` until the block ends; fails the test if it does not
    answer ``ready_path`` within 60 s. Its log is printed (pytest shows it on failure)."""
    port = url.rsplit(":", 1)[1]
    log_path = var / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"the sandbox exited early:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}{ready_path}", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the sandbox did not answer in 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(log_path.read_text())
