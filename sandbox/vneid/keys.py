"""RS256 signing keys of the VNeID stand-in.

Two sources, checked in this order:

1. ``SANDBOX_VNEID_RSA_PRIVATE_KEY`` (PEM; ``\\n`` escapes allowed) and, optionally,
   ``SANDBOX_VNEID_RSA_PRIVATE_KEYS_INACTIVE`` (one or more PEM blocks still published in the
   JWKS). Rotating means changing these variables and restarting.
2. Otherwise a key folder (``$SANDBOX_VAR_DIR/sandbox-vneid/``): ``active.pem`` is generated the
   first time it is needed and kept, so restarts keep the same key; ``vneid_rotate_key`` copies it
   to ``previous.pem`` (still published, so ID tokens signed before the rotation keep verifying)
   and writes a fresh ``active.pem``.

Only the standard library and ``cryptography`` are used here because ``sandbox.settings`` imports
this module before Django is set up.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ACTIVE_FILE = "active.pem"
PREVIOUS_FILE = "previous.pem"
KEY_SIZE = 2048

_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", re.S
)


@dataclass(frozen=True)
class SigningKeys:
    """The key that signs new ID tokens and the older ones the JWKS keeps publishing."""

    active: str
    inactive: tuple[str, ...]
    from_environment: bool


class KeysFromEnvironment(Exception):
    """Raised when asked to rotate keys that come from environment variables."""


def generate_pem() -> str:
    """A new unencrypted RSA private key, PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def split_pems(text: str) -> tuple[str, ...]:
    """Every private-key PEM block in ``text`` (environment values may use ``\\n`` escapes)."""
    text = text.replace("\\n", "\n")
    return tuple(block + "\n" for block in _PEM_BLOCK.findall(text))


def _write_private(directory: Path, content: str) -> Path:
    """Write ``content`` to a new owner-only temporary file in ``directory``."""
    descriptor, name = tempfile.mkstemp(dir=directory, prefix=".key-", suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(content)
    return Path(name)


def _ensure_active(directory: Path) -> Path:
    """Create ``active.pem`` once; a process that loses the race keeps the winner's key."""
    directory.mkdir(parents=True, exist_ok=True)
    active = directory / ACTIVE_FILE
    if not active.exists():
        candidate = _write_private(directory, generate_pem())
        try:
            os.link(candidate, active)  # fails if another process created it meanwhile
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return active


def load(directory: Path, env_active: str = "", env_inactive: str = "") -> SigningKeys:
    """The signing keys, from the environment when set, else from ``directory``."""
    from_env = split_pems(env_active)
    if env_active.strip():
        if len(from_env) != 1:
            raise ValueError("SANDBOX_VNEID_RSA_PRIVATE_KEY must hold exactly one PEM private key")
        return SigningKeys(from_env[0], split_pems(env_inactive), from_environment=True)
    active = _ensure_active(directory).read_text(encoding="ascii")
    previous = directory / PREVIOUS_FILE
    inactive = (previous.read_text(encoding="ascii"),) if previous.exists() else ()
    return SigningKeys(active, inactive, from_environment=False)


def fingerprint(directory: Path) -> tuple:
    """Cheap marker that changes whenever a key file of ``directory`` is replaced."""
    marks = []
    for name in (ACTIVE_FILE, PREVIOUS_FILE):
        try:
            stat = (directory / name).stat()
        except FileNotFoundError:
            marks.append(None)
        else:
            marks.append((stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(marks)


def rotate(directory: Path, *, from_environment: bool = False) -> SigningKeys:
    """Make a new active key and keep the current one as the published previous key.

    Both steps replace files atomically, so a reader always finds an ``active.pem``. The key that
    was "previous" before the rotation is dropped from the JWKS.
    """
    if from_environment:
        raise KeysFromEnvironment(
            "the keys come from SANDBOX_VNEID_RSA_PRIVATE_KEY; rotate by setting a new key there "
            "(and the old one in SANDBOX_VNEID_RSA_PRIVATE_KEYS_INACTIVE), then restart"
        )
    current = _ensure_active(directory).read_text(encoding="ascii")
    os.replace(_write_private(directory, current), directory / PREVIOUS_FILE)
    os.replace(_write_private(directory, generate_pem()), directory / ACTIVE_FILE)
    return load(directory)
