"""dossiers.documents is split by concern; dossiers.uploads stays a path to the same objects."""

from __future__ import annotations

import hashlib
import io
import stat

import pytest

from dossiers import uploads
from dossiers.documents import access, checks, storage, store
from tests.fixtures.documents import pdf_bytes, upload


@pytest.fixture
def private_root(settings, tmp_path):
    root = tmp_path / "private"
    settings.PRIVATE_STORAGE_ROOT = root
    return root


def test_the_old_path_gives_the_same_objects_as_the_package():
    modules = (checks, storage, store, access)
    for name in uploads.__all__:
        homes = [module for module in modules if name in vars(module)]
        assert homes, f"{name} is defined nowhere in dossiers.documents"
        assert getattr(uploads, name) is getattr(homes[0], name)


def test_checks_leave_the_file_at_its_start_and_say_what_it_is():
    uploaded = upload("giay-khai-sinh.PDF", pdf_bytes())
    checked = checks.check_upload(uploaded, ["pdf"], 2)
    assert checked == checks.CheckedUpload("giay-khai-sinh.PDF", "pdf", 2 * checks.MB)
    assert uploaded.tell() == 0


def test_a_private_file_is_written_whole_and_readable_only_by_the_portal(private_root):
    data = pdf_bytes()
    written = storage.write_private(io.BytesIO(data), ".pdf", limit=len(data))
    path = storage.path_of(written.storage_name)
    assert path.read_bytes() == data
    assert (written.size, written.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written.remove()
    assert not path.exists()


def test_a_file_longer_than_the_limit_leaves_nothing_on_disk(private_root):
    with pytest.raises(storage.TooLarge):
        storage.write_private(io.BytesIO(b"%PDF-" + b"x" * 200_000), ".pdf", limit=100_000)
    assert [path for path in private_root.rglob("*") if path.is_file()] == []


def test_only_generated_storage_names_are_opened():
    for name in ("../../etc/passwd", "", "a" * 32 + ".exe"):
        with pytest.raises(FileNotFoundError):
            storage.path_of(name)
