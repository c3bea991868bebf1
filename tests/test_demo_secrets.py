"""The demo's secrets are drawn at random on first run and kept under var/, never taken from the
source code, so a token signed with the key the source used to give is refused."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap

from portal.settings.local_secrets import NAMES, local_secrets
from tests.conftest import ROOT

SOURCE_SECRET_KEY = "insecure-demo-key-only-for-local-use-change-me-in-production"
SOURCE_MACHINE_KEY = hashlib.sha256(f"machine-token:{SOURCE_SECRET_KEY}".encode()).hexdigest()


def test_two_fresh_var_dirs_get_different_secrets(tmp_path):
    first = local_secrets(tmp_path / "one")
    second = local_secrets(tmp_path / "two")

    assert set(first) == set(second) == set(NAMES)
    for name in NAMES:
        assert first[name] != second[name]
        assert len(first[name]) >= 50
    assert SOURCE_SECRET_KEY not in first.values()
    assert SOURCE_MACHINE_KEY not in first.values()


def test_later_runs_reuse_them_from_an_owner_only_file(tmp_path):
    first = local_secrets(tmp_path)
    again = local_secrets(tmp_path)

    path = tmp_path / "secrets.json"
    assert again == first == json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.json"]  # no temporary file left


def test_a_missing_secret_is_added_and_the_others_kept(tmp_path):
    (tmp_path / "secrets.json").write_text(json.dumps({"SECRET_KEY": "k" * 60}))
    values = local_secrets(tmp_path)
    assert values["SECRET_KEY"] == "k" * 60
    assert len(values["MACHINE_TOKEN_SECRET"]) >= 50


DEV_PROBE = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.conf import settings
    from jose import jwt
    from identity.jwt import TokenError, verify_machine_token
    import time
    now = int(time.time())
    claims = {"iss": settings.MACHINE_TOKEN_ISSUER, "aud": settings.MACHINE_TOKEN_ISSUER,
              "sub": "national-portal", "scope": "audit:read", "iat": now, "exp": now + 60}
    forged = jwt.encode(claims, sys.argv[1], algorithm="HS256")
    try:
        verify_machine_token(forged)
        outcome = "accepted"
    except TokenError:
        outcome = "refused"
    print(json.dumps({"outcome": outcome, "secret_key": settings.SECRET_KEY,
                      "machine": settings.MACHINE_TOKEN_SECRET}))
    """
)


def test_the_dev_settings_refuse_a_token_signed_with_the_old_source_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "MACHINE_TOKEN_SECRET"}}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.dev", PORTAL_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", DEV_PROBE, SOURCE_MACHINE_KEY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert seen["outcome"] == "refused"
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert seen["secret_key"] == stored["SECRET_KEY"] != SOURCE_SECRET_KEY
    assert seen["machine"] == stored["MACHINE_TOKEN_SECRET"]
