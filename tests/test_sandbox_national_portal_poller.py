"""The national-portal stand-in's poller against a fake change feed served over real HTTP.

The fake plays the portal's side of NATPORTAL_PROTOCOL (token endpoint with client credentials,
change feed with an opaque cursor) in a thread of the test; the poller runs as the sandbox's own
``manage.py national_portal_poll`` process, and what it mirrored is read back from the stand-in.
"""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import ROOT
from tests.test_sandbox_national_portal import (
    CLIENT_SECRET,
    envelope,
    new_code,
    start_sandbox,
)

CLIENT_ID = "cong-dvc-quoc-gia"


class FakePortal:
    """The portal's token endpoint and change feed, with a list of changes to serve."""

    def __init__(self):
        self.changes: list[dict] = []
        self.token_uses: int | None = None  # each token answers this many feed requests
        self.tokens: dict[str, int | None] = {}
        self.token_requests: list[dict] = []
        self.feed_requests: list[dict] = []
        self.lock = threading.Lock()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                with portal.lock:
                    self._answer(*portal.token(self.headers.get("Authorization", ""), form))

            def do_GET(self):
                url = urlsplit(self.path)
                with portal.lock:
                    if url.path != "/api/sync/v1/changes":
                        self._answer(404, {"detail": "Not found."})
                        return
                    self._answer(
                        *portal.feed(self.headers.get("Authorization", ""), parse_qs(url.query))
                    )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def token(self, authorization: str, form: dict) -> tuple[int, dict]:
        scheme, _, encoded = authorization.partition(" ")
        credentials = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
        self.token_requests.append({"credentials": credentials, "form": form})
        if credentials != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return 401, {"error": "invalid_client", "error_description": "Client auth failed."}
        if form.get("grant_type") != ["client_credentials"] or form.get("scope") != ["sync:read"]:
            return 400, {"error": "invalid_request"}
        token = f"tok-{len(self.tokens) + 1}"
        self.tokens[token] = self.token_uses
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 300}

    def feed(self, authorization: str, query: dict) -> tuple[int, dict]:
        token = authorization.removeprefix("Bearer ")
        cursor = query.get("cursor", [None])[0]
        limit = int(query["limit"][0])
        request = {"token": token, "cursor": cursor, "limit": limit}
        self.feed_requests.append(request)
        uses = self.tokens.get(token, 0)
        if token not in self.tokens or uses == 0:
            request["status"] = 401
            return 401, {"code": "not_authenticated", "detail": "Token expired."}
        if uses is not None:
            self.tokens[token] = uses - 1
        if cursor is None:
            start = 0
        elif cursor.startswith("c:") and cursor[2:].isdigit():
            start = int(cursor[2:])
        else:
            request["status"] = 400
            return 400, {"code": "invalid_cursor", "detail": "Malformed cursor."}
        page = self.changes[start : start + limit]
        end = start + len(page)
        request["status"] = 200
        return 200, {
            "changes": page,
            "next_cursor": f"c:{end}",
            "has_more": end < len(self.changes),
        }

    def sent(self) -> list[tuple]:
        return [(r["cursor"], r["token"], r["status"]) for r in self.feed_requests]


@pytest.fixture
def fake_portal():
    portal = FakePortal()
    thread = threading.Thread(target=portal.server.serve_forever, daemon=True)
    thread.start()
    yield portal
    portal.server.shutdown()
    portal.server.server_close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with start_sandbox(tmp_path_factory.mktemp("sandbox-national-portal-poller")) as box:
        yield box


@pytest.fixture
def poll(sandbox, fake_portal):
    """Runs ``national_portal_poll`` against the fake; each test starts at the feed's start."""
    assert sandbox.manage("national_portal_fault", "--mode", "ok").returncode == 0
    sandbox.sql("update nationalportal_pollstate set cursor = '' where id = 1")

    def run(*args: str) -> subprocess.CompletedProcess:
        return sandbox.manage(
            "national_portal_poll", *args, SANDBOX_NATIONAL_PORTAL_FEED_URL=fake_portal.url
        )

    return run


def _cursor(sandbox) -> str:
    rows = sandbox.sql("select cursor from nationalportal_pollstate where id = 1")
    return rows[0][0] if rows else ""


def test_the_poller_reads_every_page_with_a_token_and_keeps_the_cursor(sandbox, fake_portal, poll):
    first, second = new_code(), new_code()
    fake_portal.changes = [
        envelope(first, 1, status=1),
        envelope(second, 1, status=1),
        envelope(first, 2, kind="progress", status=2),
        envelope(first, 3, status=2),
        envelope(second, 2, status=3),
    ]

    done = poll("--once", "--limit", "2")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 page(s): 5 new, 0 already received, 0 refused" in done.stdout
    assert fake_portal.token_requests == [
        {
            "credentials": f"{CLIENT_ID}:{CLIENT_SECRET}",
            "form": {"grant_type": ["client_credentials"], "scope": ["sync:read"]},
        }
    ]
    assert fake_portal.sent() == [
        (None, "tok-1", 200),
        ("c:2", "tok-1", 200),
        ("c:4", "tok-1", 200),
    ]
    assert {r["limit"] for r in fake_portal.feed_requests} == {2}
    assert _cursor(sandbox) == "c:5"
    assert sandbox.envelope_rows(first) == [
        (1, "dossier", "pull"),
        (2, "progress", "pull"),
        (3, "dossier", "pull"),
    ]
    assert sandbox.mirrored(second)["status"] == 3
    assert "Được tiếp nhận" in sandbox.lookup(first).text

    # Next cycle: from the kept cursor; a change already pushed is recognised, not applied again.
    pushed = envelope(second, 3, status=3, TrichYeuHoSo="đã nhận qua push")
    assert sandbox.push(pushed).json()["duplicate"] is False
    fake_portal.changes += [envelope(second, 3, status=3), envelope(first, 4, kind="progress")]

    done = poll("--once", "--limit", "2")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 page(s): 1 new, 1 already received, 0 refused" in done.stdout
    assert fake_portal.sent()[3:] == [("c:5", "tok-2", 200)]
    assert sandbox.envelope_rows(second)[-1] == (3, "dossier", "push")
    assert _cursor(sandbox) == "c:7"

    # An empty page still hands out the cursor to send next time.
    done = poll("--once")
    assert "1 page(s): 0 new" in done.stdout
    assert fake_portal.sent()[-1] == ("c:7", "tok-3", 200)
    assert _cursor(sandbox) == "c:7"


def test_a_401_from_the_feed_gets_a_new_token_and_asks_again(sandbox, fake_portal, poll):
    code = new_code()
    fake_portal.token_uses = 1  # each token is "expired" after one page
    fake_portal.changes = [envelope(code, v, status=2) for v in range(1, 6)]

    done = poll("--once", "--limit", "2")

    assert done.returncode == 0, done.stdout + done.stderr
    assert fake_portal.sent() == [
        (None, "tok-1", 200),
        ("c:2", "tok-1", 401),
        ("c:2", "tok-2", 200),
        ("c:4", "tok-2", 401),
        ("c:4", "tok-3", 200),
    ]
    assert len(fake_portal.token_requests) == 3
    assert [row[0] for row in sandbox.envelope_rows(code)] == [1, 2, 3, 4, 5]
    assert _cursor(sandbox) == "c:5"


def test_a_refused_cursor_stops_the_cycle_and_says_how_to_start_again(sandbox, fake_portal, poll):
    code = new_code()
    fake_portal.changes = [envelope(code, 1)]
    sandbox.sql("update nationalportal_pollstate set cursor = 'gone' where id = 1")

    done = poll("--once")

    assert done.returncode != 0
    assert "refused the cursor" in done.stderr
    assert "--reset" in done.stderr
    assert _cursor(sandbox) == "gone"
    assert sandbox.envelope_rows(code) == []
    overview = requests.get(f"{sandbox.base}/", timeout=10).text
    assert "refused the cursor" in overview

    done = poll("--once", "--reset")

    assert done.returncode == 0, done.stdout + done.stderr
    assert fake_portal.sent()[-1] == (None, "tok-2", 200)
    assert sandbox.envelope_rows(code) == [(1, "dossier", "pull")]


def test_a_refused_client_secret_reads_nothing(sandbox, fake_portal, poll):
    fake_portal.changes = [envelope(new_code(), 1)]

    done = sandbox.manage(
        "national_portal_poll",
        "--once",
        SANDBOX_NATIONAL_PORTAL_FEED_URL=fake_portal.url,
        SANDBOX_NATIONAL_PORTAL_CLIENT_SECRET="not-the-secret",
    )

    assert done.returncode != 0
    assert "token refused: HTTP 401 invalid_client" in done.stderr
    assert fake_portal.feed_requests == []
    assert _cursor(sandbox) == ""


def test_the_poller_pauses_while_the_stand_in_is_down(sandbox, fake_portal, poll):
    code = new_code()
    fake_portal.changes = [envelope(code, 1)]
    assert (
        sandbox.manage("national_portal_fault", "--mode", "down", "--minutes", "5").returncode == 0
    )

    done = poll("--once")

    assert done.returncode == 0
    assert "down" in done.stdout
    assert fake_portal.token_requests == [] and fake_portal.feed_requests == []
    assert sandbox.manage("national_portal_fault", "--mode", "ok").returncode == 0
    assert poll("--once").returncode == 0
    assert sandbox.envelope_rows(code) == [(1, "dossier", "pull")]


def _procfile_command(process: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise AssertionError(f"no {process} in the Procfile")


def _start_loop(sandbox, fake_portal, seconds: str) -> subprocess.Popen:
    """The poller exactly as the Procfile's ``natportal_poll`` line starts it in the demo."""
    words = shlex.split(_procfile_command("natportal_poll"))
    assignments = dict(word.split("=", 1) for word in words if "=" in word.split("/")[0])
    argv = words[len(assignments) :]
    assert assignments == {"DJANGO_SETTINGS_MODULE": "sandbox.settings"}
    env = {
        **sandbox.env,
        **assignments,
        "SANDBOX_NATIONAL_PORTAL_FEED_URL": fake_portal.url,
        "SANDBOX_NATIONAL_PORTAL_POLL_SECONDS": seconds,
    }
    return subprocess.Popen(
        argv,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def _wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_poller_loop_picks_up_new_changes_every_poll_seconds(sandbox, fake_portal, poll):
    code = new_code()
    process = _start_loop(sandbox, fake_portal, "0.5")
    try:
        fake_portal.changes.append(envelope(code, 1, status=2))
        assert _wait_for(lambda: "Được tiếp nhận" in sandbox.lookup(code).text)

        fake_portal.changes.append(envelope(code, 2, status=4))
        assert _wait_for(lambda: "Đang xử lý" in sandbox.lookup(code).text)
        assert process.poll() is None
    finally:
        output = _stop(process)
    assert "every 0.5 s as cong-dvc-quoc-gia" in output
    positions = [int((r["cursor"] or "c:0")[2:]) for r in fake_portal.feed_requests]
    assert positions == sorted(positions)  # always onwards from the kept cursor
    assert _cursor(sandbox) == "c:2"
    assert len(fake_portal.token_requests) == 1  # one token while it is valid


def test_poll_seconds_zero_keeps_the_process_alive_without_polling(sandbox, fake_portal, poll):
    process = _start_loop(sandbox, fake_portal, "0")
    try:
        time.sleep(4)
        assert process.poll() is None  # honcho would stop the whole demo if it exited
    finally:
        output = _stop(process)
    assert "the poller is disabled" in output
    assert fake_portal.token_requests == [] and fake_portal.feed_requests == []
