"""The antivirus hook: a clamd scanner spoken to over its real INSTREAM protocol, against a tiny
clamd stand-in started by the test (clean, infected, unreachable, error answers), and the
registry that picks a scanner by id."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dossiers import antivirus
from dossiers.antivirus.base import Scanner, ScannerUnavailable, ScanResult
from dossiers.antivirus.contrib.clamd import ClamdScanner, parse_address
from dossiers.antivirus.registry import Registry

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd(socketserver.ThreadingTCPServer):
    """Reads ``zINSTREAM\\0`` and length-prefixed chunks like clamd, then answers: FOUND when
    the stream holds the EICAR test string, ``answer`` otherwise."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, answer: bytes = b"stream: OK") -> None:
        self.answer = answer
        self.received: list[bytes] = []
        super().__init__(("127.0.0.1", 0), FakeClamdHandler)


class FakeClamdHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        command = b""
        while not command.endswith(b"\0"):
            command += self.rfile.read(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            (length,) = struct.unpack("!I", self.rfile.read(4))
            if length == 0:
                break
            data += self.rfile.read(length)
        self.server.received.append(data)
        answer = b"stream: Eicar-Test-Signature FOUND" if EICAR in data else self.server.answer
        self.wfile.write(answer + b"\0")


@pytest.fixture
def clamd():
    server = FakeClamd()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def address_of(server: FakeClamd) -> str:
    host, port = server.server_address[:2]
    return f"{host}:{port}"


def a_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "tep.pdf"
    path.write_bytes(content)
    return path


def test_a_clean_file_is_sent_whole_and_passes(clamd, tmp_path):
    content = b"%PDF-1.7 " + bytes(range(256)) * 1000  # several chunks
    result = ClamdScanner(address_of(clamd), timeout=5).scan(a_file(tmp_path, content))
    assert result == ScanResult(clean=True)
    assert clamd.received == [content]


def test_an_infected_file_is_reported_with_its_signature(clamd, tmp_path):
    result = ClamdScanner(address_of(clamd), timeout=5).scan(a_file(tmp_path, EICAR))
    assert result.clean is False
    assert result.signature == "Eicar-Test-Signature"


def test_an_error_answer_is_no_answer(clamd, tmp_path):
    clamd.answer = b"INSTREAM size limit exceeded. ERROR"
    with pytest.raises(ScannerUnavailable, match="size limit"):
        ClamdScanner(address_of(clamd), timeout=5).scan(a_file(tmp_path, b"x"))


def test_an_unreachable_clamd_is_no_answer(tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(ScannerUnavailable):
        ClamdScanner(f"127.0.0.1:{port}", timeout=2).scan(a_file(tmp_path, b"x"))


def test_a_unix_socket_is_spoken_to_the_same_way(tmp_path):
    path = tmp_path / "clamd.sock"

    class UnixClamd(socketserver.ThreadingUnixStreamServer):
        daemon_threads = True
        answer = b"stream: OK"
        received: list[bytes] = []

    server = UnixClamd(str(path), FakeClamdHandler)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert ClamdScanner(f"unix:{path}", timeout=5).scan(a_file(tmp_path, EICAR)).clean is False
        assert server.received == [EICAR]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:3310", (socket.AF_INET, ("127.0.0.1", 3310))),
        ("tcp://clamav:3310", (socket.AF_INET, ("clamav", 3310))),
        ("[::1]:3310", (socket.AF_INET6, ("::1", 3310))),
        ("unix:/run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
        ("/run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
    ],
)
def test_addresses(address, expected):
    assert parse_address(address) == expected


def test_scanning_is_off_by_default(settings, tmp_path):
    settings.UPLOAD_ANTIVIRUS = ""
    assert antivirus.scanner() is None
    assert antivirus.scan(a_file(tmp_path, EICAR)) is None


def test_the_setting_picks_the_registered_scanner(settings, clamd, tmp_path):
    settings.UPLOAD_ANTIVIRUS = "clamd"
    settings.CLAMD_ADDRESS = address_of(clamd)
    assert isinstance(antivirus.scanner(), ClamdScanner)
    assert antivirus.scan(a_file(tmp_path, EICAR)).clean is False
    settings.UPLOAD_ANTIVIRUS = "norton"
    with pytest.raises(ImproperlyConfigured, match="clamd"):
        antivirus.scanner()


def test_the_registry_refuses_a_second_scanner_with_the_same_id():
    registry = Registry()

    class One(Scanner):
        id = "same"

        @classmethod
        def from_settings(cls):
            return cls()

        def scan(self, path):
            return ScanResult(clean=True)

    class Two(One):
        id = "same"

    registry.register(One)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Two)
    assert registry.get("same") is One
    with pytest.raises(ValueError, match="already registered"):
        antivirus.registry.register(ClamdScanner)
