"""Signed electronic results: the approval's result is stamped with the QR code of its
verification URL and signed PAdES by the agency's demo certificate; pyHanko's validator accepts
it against the demo CA; a tampered copy, a copy signed by another key, an unsigned or non-PDF
file are each refused with their own reason; signing twice signs once; a revoked result says so."""

from __future__ import annotations

import datetime
import io

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from dossiers import results
from dossiers.documents.storage import path_of
from dossiers.errors import ActionForbidden, Conflict, DossierError
from dossiers.lifecycle import transitions
from dossiers.models import DossierResult, StoredDocument
from dossiers.results import ResultChoice
from dossiers.signing import service, verify
from dossiers.signing.base import SigningUnavailable
from dossiers.signing.contrib.demo import authority
from dossiers.signing.registry import active_keys
from dossiers.signing.stamp import sign_pdf
from dossiers.signing.tasks import render_signed_result
from identity.models import Role
from portal import ratelimit
from tests import test_results
from tests.factories import HOME_WARD, sign_in
from tests.fixtures.documents import pdf_bytes
from tests.fixtures.upload_setup import draft, file, files_in

pytestmark = pytest.mark.django_db

# The leader, desk and specialist of the home ward, and a dossier being processed there.
staff = test_results.staff
processing = test_results.processing


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.RESULT_SIGNING_DEMO_DIR = tmp_path / "signing"  # a demo CA of this test's own
    settings.RESULT_SIGNING_BACKEND = "demo"
    settings.RESULT_TRUST_ROOTS = []
    settings.UPLOAD_ANTIVIRUS = ""
    cache.delete(ratelimit.key("verify:ip", "127.0.0.1"))  # the test client's address
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def approved(processing, staff):
    return transitions.approve(processing, staff[Role.LEADER], result=ResultChoice(render=True))


@pytest.fixture
def signed(approved):
    return service.sign_result(approved.result.pk)


def demo_context() -> ValidationContext:
    root = load_cert_from_pemder(str(authority.authority_files().certificate))
    return ValidationContext(trust_roots=[root], allow_fetching=False)


def signed_bytes(result: DossierResult) -> bytes:
    return results.file_of(result).read_bytes()


def other_signer() -> SimpleSigner:
    """A key and self-signed certificate the portal knows nothing about."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ủy ban nhân dân Phường Giả")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            certificate.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore(),
    )


def test_the_approval_leaves_a_token_and_the_signing_task_signs_with_the_agency_key(
    approved, private_root
):
    result = approved.result
    assert result.verify_token and len(result.verify_token) >= 20 and not result.is_signed
    unsigned = signed_bytes(result)  # before signing, the download is the rendered file
    assert (
        unsigned.startswith(b"%PDF-")
        and not PdfFileReader(io.BytesIO(unsigned)).embedded_signatures
    )

    result = service.sign_result(result.pk)
    data = signed_bytes(result)
    assert result.is_signed and result.signed_sha256 != result.sha256
    [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(signature, demo_context())
    assert status.bottom_line and status.trusted and status.intact
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert HOME_WARD in status.signing_cert.subject.human_friendly
    assert result.signature["agency"] == HOME_WARD
    assert result.signature["subject"] == status.signing_cert.subject.human_friendly
    # The stamp's QR code opens the verification URL (pyHanko links the code to it).
    url = service.verify_url(result.verify_token)
    assert url == f"http://127.0.0.1:8000/verify/{result.verify_token}/"
    assert url in link_targets(data)
    # The applicant's stored copy is the signed file now.
    stored = StoredDocument.objects.get(pk=result.stored_id)
    assert (stored.storage_name, stored.sha256) == (
        result.signed_storage_name,
        result.signed_sha256,
    )


def link_targets(data: bytes) -> list[str]:
    """The URIs of the link annotations on the last page."""
    page = PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Kids"][-1].get_object()
    targets = []
    for annotation in page.get("/Annots", []):
        action = annotation.get_object().get("/A")
        if action is not None and action.get("/S") == "/URI":
            targets.append(str(action["/URI"]))
    return targets


def test_signing_twice_signs_once(approved, private_root):
    first = render_signed_result.apply(args=[approved.result.pk]).get()
    files_after_first = files_in(private_root)
    second = render_signed_result.apply(args=[approved.result.pk]).get()
    assert first == second == DossierResult.objects.get(pk=approved.result.pk).signed_sha256
    assert files_in(private_root) == files_after_first  # no second signed file
    result = DossierResult.objects.get(pk=approved.result.pk)
    assert len(PdfFileReader(io.BytesIO(signed_bytes(result))).embedded_signatures) == 1


def test_the_signed_file_is_genuine_on_verify(signed):
    verdict = verify.check_pdf(signed_bytes(signed))
    assert verdict.code == verify.GENUINE and verdict.result == signed
    assert HOME_WARD in verdict.signer


def tampered(data: bytes) -> bytes:
    """One byte changed inside the signed range (in the page's content stream)."""
    at = data.index(b"stream", len(data) // 4) + 40
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_copy_with_one_byte_changed_is_not_genuine(signed):
    data = tampered(signed_bytes(signed))
    assert len(data) == signed.signed_size
    verdict = verify.check_pdf(data)
    assert verdict.code == verify.MODIFIED and not verdict.genuine
    # pyHanko's own verdict agrees: the signature no longer matches.
    [signature] = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    assert not validate_pdf_signature(signature, demo_context()).bottom_line


def test_a_copy_signed_by_another_key_is_not_genuine(signed):
    data = signed_bytes(signed)
    # Signed over our signature (an incremental update), or instead of it: both refused.
    over = sign_pdf(data, other_signer(), "https://example.org/", reason="x", location="y")
    with translation.override("vi"):
        verdict = verify.check_pdf(over.data)
        assert verdict.code == verify.UNKNOWN_KEY
        assert verdict.message.startswith("Không đúng bản gốc")
    original = path_of(signed.storage_name).read_bytes()
    instead = sign_pdf(original, other_signer(), "https://example.org/", reason="x", location="y")
    assert verify.check_pdf(instead.data).code == verify.UNKNOWN_KEY


def test_unsigned_foreign_and_broken_files(signed):
    assert verify.check_pdf(pdf_bytes("Bản sao")).code == verify.UNSIGNED
    assert verify.check_pdf(b"GIF89a not a pdf").code == verify.NOT_PDF
    assert verify.check_pdf(b"%PDF-1.7\n garbage").code in (verify.NOT_PDF, verify.UNSIGNED)
    # Validly signed by the agency's own key, but not a document the portal issued.
    with active_keys().signer(signed.dossier.receiving_agency) as signer:
        stray = sign_pdf(pdf_bytes("Giấy tờ khác"), signer, "x", reason="x", location="y")
    assert verify.check_pdf(stray.data).code == verify.NOT_OURS


def test_revoking_a_result(signed, staff, client):
    with pytest.raises(ActionForbidden):
        service.revoke(signed, staff[Role.SPECIALIST], "Nhầm")
    with pytest.raises(DossierError) as refused:
        service.revoke(signed, staff[Role.LEADER], "   ")
    assert "reason" in refused.value.errors
    revoked = service.revoke(signed, staff[Role.LEADER], "Cấp nhầm  người")
    assert revoked.revoked_reason == "Cấp nhầm người" and revoked.revoked_by == staff[Role.LEADER]
    with pytest.raises(Conflict):
        service.revoke(signed, staff[Role.LEADER], "Lần hai")
    assert verify.check_pdf(signed_bytes(signed)).code == verify.REVOKED
    page = client.get(reverse("verify:token", args=[signed.verify_token]))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-verdict="revoked"' in body
    assert "Cấp nhầm người" in body


def test_the_verify_page_of_a_token(signed, client, approved):
    page = client.get(f"/verify/{signed.verify_token}/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-verdict="genuine"' in body
    assert signed.dossier.receiving_agency.name in body and signed.signature["subject"] in body
    assert approved.code in body and signed.signed_sha256 in body
    applicant = approved.applicant
    assert applicant.full_name not in body and applicant.id_number not in body
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    unknown = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA/")
    assert unknown.status_code == 404 and 'data-verdict="unknown"' in unknown.content.decode()


def test_uploading_files_to_verify(signed, client):
    genuine = client.post("/verify/", {"file": file("ket-qua.pdf", signed_bytes(signed))})
    assert genuine.status_code == 200 and 'data-verdict="genuine"' in genuine.content.decode()
    bad = client.post("/verify/", {"file": file("ket-qua.pdf", tampered(signed_bytes(signed)))})
    assert 'data-verdict="modified"' in bad.content.decode()
    with translation.override("vi"):
        not_pdf = client.post(
            "/verify/",
            {"file": file("ket-qua.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64)},
            HTTP_ACCEPT_LANGUAGE="vi",
        )
    assert not_pdf.status_code == 400 and "data-verdict" not in not_pdf.content.decode()


def test_verify_is_rate_limited(signed, client, settings):
    settings.VERIFY_MAX_ATTEMPTS = 3
    for _attempt in range(3):
        assert client.get(f"/verify/{signed.verify_token}/").status_code == 200
    limited = client.get(f"/verify/{signed.verify_token}/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert client.post("/verify/", {"file": file("a.pdf", signed_bytes(signed))}).status_code == 429


def test_the_download_is_the_signed_file(signed, approved, client):
    client.force_login(approved.applicant.user)
    response = client.get(f"/dossiers/{approved.code}/result.pdf")
    assert b"".join(response.streaming_content) == signed_bytes(signed)
    assert verify.check_pdf(signed_bytes(signed)).genuine


def test_a_later_dossier_reuses_the_signed_result_and_counts_it_as_reused(signed, approved):
    from dossiers import services, uploads

    citizen = approved.applicant
    stored = StoredDocument.objects.get(pk=signed.stored_id)
    assert stored.source == StoredDocument.Source.RESULT
    assert stored in uploads.stored_documents_of(citizen)
    later = draft(citizen)  # a procedure whose slots accept PDF
    slot_id = services.active_document_slots(later)[0]["id"]
    document = uploads.reuse_document(later, citizen, slot_id, stored.public_id)
    assert document.reused is True and document.stored == stored
    assert path_of(document.stored.storage_name).read_bytes() == signed_bytes(signed)
    assert verify.check_pdf(path_of(document.stored.storage_name).read_bytes()).genuine


def test_production_keys_from_a_pkcs12_file_and_trust_roots_from_configuration(
    signed, settings, tmp_path
):
    """RESULT_SIGNING_BACKEND=pkcs12: the agency's .p12 (path with {agency}) and password from
    settings; the roots a verification trusts from RESULT_TRUST_ROOTS, not the demo CA."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from dossiers.signing.checks import signing_check

    pair = authority.ensure_agency(HOME_WARD, "Phường Bến Thành")  # any CA-issued key will do
    key = serialization.load_pem_private_key(pair.key.read_bytes(), None)
    certificate = x509.load_pem_x509_certificate(pair.certificate.read_bytes())
    ca = x509.load_pem_x509_certificate(authority.authority_files().certificate.read_bytes())
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / f"{HOME_WARD}.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ward", key, certificate, [ca], serialization.BestAvailableEncryption(b"s3cret")
        )
    )
    settings.RESULT_SIGNING_BACKEND = "pkcs12"
    settings.RESULT_SIGNING_PKCS12 = str(tmp_path / "keys" / "{agency}.p12")
    settings.RESULT_SIGNING_PKCS12_PASSWORD = "s3cret"
    settings.RESULT_TRUST_ROOTS = []
    assert [e.id for e in signing_check()] == ["dossiers.E011"]  # no trust roots configured
    settings.RESULT_TRUST_ROOTS = [str(authority.authority_files().certificate)]
    assert signing_check() == []
    with active_keys().signer(signed.dossier.receiving_agency) as signer:
        stray = sign_pdf(pdf_bytes("Bản khác"), signer, "x", reason="x", location="y")
    assert verify.check_pdf(stray.data).code == verify.NOT_OURS  # trusted, not issued
    assert verify.check_pdf(signed_bytes(signed)).code == verify.GENUINE
    settings.RESULT_TRUST_ROOTS = [str(tmp_path / "other-root.pem")]
    (tmp_path / "other-root.pem").write_bytes(
        other_signer().signing_cert.dump()  # DER is read as well as PEM
    )
    assert verify.check_pdf(signed_bytes(signed)).code == verify.UNKNOWN_KEY
    settings.RESULT_SIGNING_PKCS12_PASSWORD = "wrong"
    with pytest.raises(SigningUnavailable), active_keys().signer(signed.dossier.receiving_agency):
        pass


def test_an_unknown_key_source_stops_the_start(settings):
    from dossiers.signing.checks import signing_check

    settings.RESULT_SIGNING_BACKEND = "pkcs13"
    assert [e.id for e in signing_check()] == ["dossiers.E010"]


def test_keys_on_a_pkcs11_token(settings):
    """Configuration only: a real token (or SoftHSM) and python-pkcs11 are outside this
    workplace; without them the check says what is missing."""
    from dossiers.signing.checks import signing_check
    from dossiers.signing.contrib.pkcs11.plugin import available

    settings.RESULT_SIGNING_BACKEND = "pkcs11"
    settings.RESULT_SIGNING_PKCS11_MODULE = ""
    problems = [e.msg for e in signing_check()]
    assert any("RESULT_SIGNING_PKCS11_MODULE" in p for p in problems)
    if not available():
        assert any("python-pkcs11" in p for p in problems)
        pytest.skip("no PKCS#11 token here: python-pkcs11 and a token (e.g. SoftHSM) are needed")


def test_revoking_from_the_back_office(signed, staff, client):
    url = f"/backoffice/dossiers/{signed.dossier.code}/result/revoke/"
    sign_in(client, staff[Role.SPECIALIST])
    assert client.get(url).status_code == 403
    sign_in(client, staff[Role.LEADER])
    page = client.get(f"/backoffice/dossiers/{signed.dossier.code}/").content.decode()
    assert 'id="result-signed"' in page and f'href="{url}"' in page
    assert f"/verify/{signed.verify_token}/" in page
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400
    done = client.post(url, {"reason": "Sai thông tin ngày sinh"})
    assert done.status_code == 302
    signed.refresh_from_db()
    assert signed.revoked_reason == "Sai thông tin ngày sinh"
    page = client.get(f"/backoffice/dossiers/{signed.dossier.code}/").content.decode()
    assert 'id="result-revoked"' in page and "Sai thông tin ngày sinh" in page
