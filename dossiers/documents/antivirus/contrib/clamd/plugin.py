"""ClamAV's daemon (clamd), spoken to over TCP or a Unix socket with its INSTREAM command.

The file is sent in chunks, each prefixed by its length as 4 bytes in network order, ended by a
zero length; clamd answers ``stream: OK`` or ``stream: <signature> FOUND`` (or ``… ERROR``, e.g.
when the file exceeds clamd's ``StreamMaxLength``), terminated by a NUL byte because the command
is sent in its ``z`` form.
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from django.conf import settings

from ...base import Scanner, ScannerUnavailable, ScanResult
from ...registry import registry

CHUNK = 64 * 1024
REPLY_LIMIT = 4096


def parse_address(address: str) -> tuple[int, str | tuple[str, int]]:
    """``unix:/run/clamav/clamd.ctl``, ``/run/…`` or ``host:port`` / ``tcp://host:port``
    (``[::1]:3310`` for IPv6) as a socket family and address."""
    text = address.strip()
    if text.startswith("unix:"):
        return socket.AF_UNIX, text[len("unix:") :]
    if text.startswith("/"):
        return socket.AF_UNIX, text
    text = text.removeprefix("tcp://")
    host, _colon, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"CLAMD_ADDRESS {address!r} is neither unix:/path nor host:port")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return family, (host, int(port))


@registry.register("clamd")
class ClamdScanner(Scanner):
    """Scan with clamd at ``CLAMD_ADDRESS`` (see :func:`parse_address`), waiting at most
    ``CLAMD_TIMEOUT_SECONDS``; ``address`` and ``timeout`` override them (tests, tools)."""

    verbose_name = "ClamAV (clamd)"

    def __init__(
        self, identifier: str, *, address: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(identifier)
        self._address = address
        self._timeout = timeout

    # Settings are read at each access: a changed setting (or a test's override) applies at once.
    @property
    def address(self) -> str:
        return self._address or settings.CLAMD_ADDRESS

    @property
    def timeout(self) -> float:
        return self._timeout or float(settings.CLAMD_TIMEOUT_SECONDS)

    def check_config(self) -> list[str]:
        try:
            parse_address(self.address)
        except ValueError as error:
            return [str(error)]
        return []

    def scan(self, path: Path) -> ScanResult:
        try:
            family, address = parse_address(self.address)
            with socket.socket(family, socket.SOCK_STREAM) as connection:
                connection.settimeout(self.timeout)
                connection.connect(address)
                connection.sendall(b"zINSTREAM\0")
                with Path(path).open("rb") as handle:
                    while chunk := handle.read(CHUNK):
                        connection.sendall(struct.pack("!I", len(chunk)) + chunk)
                connection.sendall(struct.pack("!I", 0))
                reply = _read_reply(connection)
        except (OSError, ValueError) as error:
            raise ScannerUnavailable(f"clamd at {self.address}: {error}") from error
        return interpret(reply)


def _read_reply(connection: socket.socket) -> str:
    received = b""
    while b"\0" not in received and len(received) < REPLY_LIMIT:
        part = connection.recv(REPLY_LIMIT)
        if not part:
            break
        received += part
    return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def interpret(reply: str) -> ScanResult:
    """``stream: OK`` → clean; ``stream: <name> FOUND`` → not clean; anything else → no answer."""
    _stream, _colon, verdict = reply.partition(": ")
    if verdict == "OK":
        return ScanResult(clean=True)
    if verdict.endswith(" FOUND"):
        return ScanResult(clean=False, signature=verdict.removesuffix(" FOUND").strip())
    raise ScannerUnavailable(f"clamd answered {reply[:200]!r}")
