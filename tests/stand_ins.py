"""The sandbox's SMS gateway and postal service, served for a test module (``runserver`` in a
subprocess with its own SQLite database), and what they received."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.sandbox_process import free_port, manage, sandbox_env, serving


@dataclass
class StandIns:
    url: str
    var: Path
    env: dict[str, str]

    @property
    def sms_api(self) -> str:
        return f"{self.url}/sms/api"

    @property
    def post_api(self) -> str:
        return f"{self.url}/post/api"

    def reset(self) -> None:
        """Empty both stand-ins: each test's dossier codes (rolled back) come again."""
        for path, key in (("sms/api/reset", "sandbox-sms-demo-key"),
                          ("post/api/reset", "sandbox-post-demo-key")):  # fmt: skip
            answer = requests.post(
                f"{self.url}/{path}", headers={"Authorization": f"Bearer {key}"}, timeout=10
            )
            answer.raise_for_status()

    def sms(self) -> list[dict]:
        """Every SMS the gateway stand-in received, newest first."""
        response = requests.get(f"{self.url}/sms/api/received", timeout=10)
        response.raise_for_status()
        return response.json()["messages"]


def serve_stand_ins(tmp_path_factory, name: str, **env: str):
    """Yield a migrated sandbox serving the stand-ins until the generator is closed."""
    var = tmp_path_factory.mktemp(name)
    url = f"http://127.0.0.1:{free_port()}"
    environment = {**sandbox_env(var, url), **env}
    done = manage(environment, "migrate", "--noinput", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    with serving(environment, var, url):
        yield StandIns(url=url, var=var, env=environment)


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory):
    """The stand-ins, served once for the test module that imports this fixture."""
    yield from serve_stand_ins(tmp_path_factory, "stand-ins")


@pytest.fixture
def sandbox_gateways(stand_ins, settings):
    """The portal's SMS gateway and postal service point at the stand-ins, emptied for the test."""
    settings.SMS_GATEWAY_URL = stand_ins.sms_api
    settings.POSTAL_API_URL = stand_ins.post_api
    stand_ins.reset()
    return stand_ins
