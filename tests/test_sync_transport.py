"""The national-portal transport plugin and the reconciliation, against the real stand-in
(``sandbox.nationalportal`` in its own process, over HTTP): duplicates recognised by dossier code
and version, malformed envelopes rejected for good, faults and timeouts retried, the mirror read
page by page and compared with our dossiers."""

from __future__ import annotations

import pytest

from identity.models import Role
from portal.plugins import DuplicatePlugin
from sync import reconcile, records
from sync.models import ChangeRecord
from sync.transports.base import Rejected, SyncTransport, TransportError
from sync.transports.registry import active_transport, registry
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory
from tests.test_sandbox_national_portal import PUSH_TOKEN, start_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with start_sandbox(tmp_path_factory.mktemp("sync-transport")) as box:
        yield box


def forget_everything(sandbox) -> None:
    """Empty the stand-in's mirror: each test's database starts again at code 0001."""
    sandbox.sql("delete from nationalportal_mirroreddossier")
    sandbox.sql("delete from nationalportal_receivedenvelope")


@pytest.fixture(autouse=True)
def towards_the_sandbox(settings, sandbox):
    forget_everything(sandbox)
    settings.NATIONAL_PORTAL_URL = sandbox.base
    settings.NATIONAL_PORTAL_PUSH_TOKEN = PUSH_TOKEN
    settings.NATIONAL_PORTAL_TIMEOUT_SECONDS = 5
    settings.SYNC_TRANSPORT = "national_portal"
    yield
    assert sandbox.set_fault(mode="ok").status_code == 200


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""


def submitted(n: int):
    applicant = CitizenFactory(id_number=f"0790850{n:05d}", full_name=f"Người Nộp {n}")
    return DossierFactory(submitted=True, applicant=applicant)


def envelopes(dossier) -> list[dict]:
    rows = ChangeRecord.objects.filter(dossier=dossier).order_by("version")
    return [records.envelope(row) for row in rows]


def test_the_registry_refuses_a_second_transport_with_the_same_id():
    with pytest.raises(DuplicatePlugin):

        @registry.register("national_portal")
        class Again(SyncTransport):  # pragma: no cover - never instantiated
            def push(self, envelope):
                raise NotImplementedError

            def mirror(self, after="", limit=1000):
                raise NotImplementedError


@pytest.mark.django_db
def test_a_change_pushed_again_is_recognised_as_a_duplicate(sandbox):
    dossier = submitted(1)
    first = envelopes(dossier)[0]
    assert active_transport().push(first).duplicate is False
    assert active_transport().push(first).duplicate is True
    assert sandbox.envelope_rows(dossier.code) == [(1, "dossier", "push")]


@pytest.mark.django_db
def test_a_push_that_timed_out_is_stored_and_its_retry_is_a_duplicate(sandbox, settings):
    dossier = submitted(2)
    first = envelopes(dossier)[0]
    settings.NATIONAL_PORTAL_TIMEOUT_SECONDS = 0.5
    assert sandbox.set_fault(mode="timeout", seconds=2).status_code == 200
    with pytest.raises(TransportError):
        active_transport().push(first)
    assert sandbox.set_fault(mode="ok").status_code == 200
    assert active_transport().push(first).duplicate is True
    assert sandbox.envelope_rows(dossier.code) == [(1, "dossier", "push")]


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["error500", "down"])
def test_a_failing_receiver_is_a_retry_not_a_rejection(sandbox, mode):
    dossier = submitted(3)
    assert sandbox.set_fault(mode=mode, minutes=5).status_code == 200
    with pytest.raises(TransportError) as failed:
        active_transport().push(envelopes(dossier)[0])
    assert not isinstance(failed.value, Rejected)
    assert sandbox.envelope_rows(dossier.code) == []


@pytest.mark.django_db
def test_a_malformed_envelope_is_rejected_for_good(sandbox):
    dossier = submitted(4)
    broken = envelopes(dossier)[0]
    broken["payload"]["MaHoSo"] = "H29.03-000000-0000"  # not the envelope's dossier
    with pytest.raises(Rejected):
        active_transport().push(broken)


@pytest.mark.django_db
def test_a_wrong_token_is_retried_not_rejected(sandbox, settings):
    settings.NATIONAL_PORTAL_PUSH_TOKEN = "not-the-token"
    dossier = submitted(5)
    with pytest.raises(TransportError):
        active_transport().push(envelopes(dossier)[0])
    with pytest.raises(TransportError):
        active_transport().mirror()


@pytest.mark.django_db
def test_reconcile_counts_missing_stale_and_mismatched_dossiers(sandbox, monkeypatch):
    reception = OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)
    from dossiers.lifecycle import transitions

    whole, behind, absent, altered = (submitted(10 + n) for n in range(4))
    for dossier in (whole, behind, altered):
        transitions.receive(dossier, reception)
    for sent in envelopes(whole):
        active_transport().push(sent)
    active_transport().push(envelopes(behind)[0])  # versions 2 and 3 never arrived
    tampered = envelopes(altered)
    for sent in tampered[:-2]:
        active_transport().push(sent)
    tampered[-2]["payload"]["TrichYeuHoSo"] = "sửa đổi trên đường truyền"
    for sent in tampered[-2:]:
        active_transport().push(sent)
    # Small pages, so the matching crosses page boundaries.
    monkeypatch.setattr(reconcile, "PAGE", 1)

    report = reconcile.compare(active_transport())

    ours = {whole.code, behind.code, absent.code, altered.code}
    assert report.missing == [absent.code]
    assert report.stale == {behind.code: 1}
    assert report.mismatched == [altered.code]
    assert report.checked >= len(ours)
    for code in ours - {absent.code, behind.code, altered.code}:
        assert code not in report.missing + report.mismatched


def test_the_digest_is_the_protocols_canonical_serialisation():
    payload = {"b": "Đã xử lý", "a": [1, {"z": 0, "y": None}]}
    import hashlib

    text = '{"a":[1,{"y":null,"z":0}],"b":"Đã xử lý"}'
    assert reconcile.payload_sha256(payload) == hashlib.sha256(text.encode()).hexdigest()
