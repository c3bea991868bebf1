"""Secrets of the embedded demo and of local development: random on first run, kept under var/.

The demo used to sign machine tokens with a key derived from a SECRET_KEY written in this
repository, so anyone could forge a token that reads the audit log. Now the first process that
loads the development settings draws random values and keeps them in ``var/secrets.json``
(readable by the owner only); later runs, and the web, worker and beat processes of
``make demo``, read the same file. A value set in the environment still wins. Production never
uses this: it refuses to start without its own secrets.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from pathlib import Path

FILE_NAME = "secrets.json"
# Every secret the demo would otherwise take from the source code.
NAMES = ("SECRET_KEY", "MACHINE_TOKEN_SECRET")
MIN_LENGTH = 50  # what the production settings demand of the same values


def local_secrets(var_dir: Path) -> dict[str, str]:
    """The demo's secrets from ``var_dir/secrets.json``, drawing and saving any missing one."""
    path = Path(var_dir) / FILE_NAME
    stored = _read(path)
    missing = [name for name in NAMES if len(str(stored.get(name) or "")) < MIN_LENGTH]
    if missing:
        drawn = {name: secrets.token_urlsafe(48) for name in missing}
        _write_private(path, {**stored, **drawn}, replace=bool(stored))
        stored = _read(path)  # another process may have written its own first: use that one
    return {name: str(stored[name]) for name in NAMES}


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_private(path: Path, values: dict[str, str], *, replace: bool) -> None:
    """Write the file whole and owner-only; a new file is linked in only if still absent, so
    processes starting together all end up with the first one's secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secrets-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(values, handle, indent=2)
        if replace:
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
