"""The antivirus hook: a clamd scanner spoken to over its real INSTREAM protocol, against a tiny
clamd stand-in started by the test (clean, infected, unreachable, error answers), and the
registry that picks a scanner by id."""

from __future__ import annotations

import socket
import socketserver
import threading
from pathlib import Path

import pytest

from dossiers.documents import antivirus
from dossiers.documents.antivirus.base import ScannerUnavailable, ScanResult
from dossiers.documents.antivirus.checks import antivirus_check
from dossiers.documents.antivirus.contrib.clamd.plugin import ClamdScanner, parse_address
from portal.plugins import DuplicatePlugin, UnknownPlugin
from tests.fixtures.clamd import EICAR, FakeClamdHandler, address_of, running_clamd


@pytest.fixture
def clamd():
    with running_clamd() as server:
        yield server


def scanner_at(address: str) -> ClamdScanner:
    return ClamdScanner("clamd", address=address, timeout=5)


def a_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "tep.pdf"
    path.write_bytes(content)
    return path


def test_a_clean_file_is_sent_whole_and_passes(clamd, tmp_path):
    content = b"%PDF-1.7 " + bytes(range(256)) * 1000  # several chunks
    result = scanner_at(address_of(clamd)).scan(a_file(tmp_path, content))
    assert result == ScanResult(clean=True)
    assert clamd.received == [content]


def test_an_infected_file_is_reported_with_its_signature(clamd, tmp_path):
    result = scanner_at(address_of(clamd)).scan(a_file(tmp_path, EICAR))
    assert result.clean is False
    assert result.signature == "Eicar-Test-Signature"


def test_an_error_answer_is_no_answer(clamd, tmp_path):
    clamd.answer = b"INSTREAM size limit exceeded. ERROR"
    with pytest.raises(ScannerUnavailable, match="size limit"):
        scanner_at(address_of(clamd)).scan(a_file(tmp_path, b"x"))


def test_an_unreachable_clamd_is_no_answer(tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(ScannerUnavailable):
        scanner_at(f"127.0.0.1:{port}").scan(a_file(tmp_path, b"x"))


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
        assert scanner_at(f"unix:{path}").scan(a_file(tmp_path, EICAR)).clean is False
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
    assert antivirus.active_scanner() is None
    assert antivirus.scan(a_file(tmp_path, EICAR)) is None
    assert antivirus_check() == []


def test_the_setting_picks_the_registered_scanner(settings, clamd, tmp_path):
    settings.UPLOAD_ANTIVIRUS = "clamd"
    settings.CLAMD_ADDRESS = address_of(clamd)
    assert isinstance(antivirus.active_scanner(), ClamdScanner)
    assert antivirus.scan(a_file(tmp_path, EICAR)).clean is False
    assert antivirus_check() == []


def test_a_wrong_scanner_or_address_stops_the_deployment(settings):
    settings.UPLOAD_ANTIVIRUS = "norton"
    with pytest.raises(UnknownPlugin, match="clamd"):
        antivirus.active_scanner()
    assert [error.id for error in antivirus_check()] == ["dossiers.E001"]
    settings.UPLOAD_ANTIVIRUS = "clamd"
    settings.CLAMD_ADDRESS = "clamav-without-port"
    errors = antivirus_check()
    assert [error.id for error in errors] == ["dossiers.E002"]
    assert "CLAMD_ADDRESS" in errors[0].msg


def test_the_registry_refuses_a_second_scanner_with_the_same_id():
    with pytest.raises(DuplicatePlugin, match="already registered"):
        antivirus.registry.register("clamd")(ClamdScanner)
    assert type(antivirus.registry["clamd"]) is ClamdScanner
