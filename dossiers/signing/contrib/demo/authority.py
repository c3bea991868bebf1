"""The demo certificate authority (CA) and the agencies' certificates, made with ``cryptography``.

Everything lives in ``RESULT_SIGNING_DEMO_DIR`` (``var/signing/`` by default, never committed):
``ca.pem`` / ``ca.key.pem`` and ``agencies/<code>.pem`` / ``<code>.key.pem``, private keys
readable by the portal's user only. ``manage.py seed_demo`` makes the CA and one certificate per
demo agency; an agency without one gets it the first time it signs. Keys are ECDSA P-256: made
in a millisecond, and what pyHanko signs PAdES with as well as RSA.

These keys have no legal value: production uses the ``pkcs12`` or ``pkcs11`` source.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

CA_NAME = "Demo CA - Cổng DVC TP.HCM"
ORGANISATION = "Cổng Dịch vụ công TP.HCM (demo)"
VALID_DAYS = 3650
SAFE_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


@dataclass(frozen=True)
class KeyPair:
    certificate: Path
    key: Path


def folder() -> Path:
    return Path(settings.RESULT_SIGNING_DEMO_DIR)


def authority_files() -> KeyPair:
    return KeyPair(folder() / "ca.pem", folder() / "ca.key.pem")


def agency_files(code: str) -> KeyPair:
    if not SAFE_CODE.match(code or ""):
        raise ValueError(f"agency code {code!r} cannot name a key file")
    return KeyPair(folder() / "agencies" / f"{code}.pem", folder() / "agencies" / f"{code}.key.pem")


@contextmanager
def _locked():
    """One process at a time makes keys (two workers signing the first result of an agency)."""
    folder().mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder() / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, private: bool) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644
    )
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def fit(text: str, limit: int = 64) -> str:
    """``text`` cut to ``limit`` bytes of UTF-8 (the bound of a name in a certificate)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore").strip() or "-"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, fit(ORGANISATION)),
            x509.NameAttribute(NameOID.COMMON_NAME, fit(common_name)),
        ]
    )


def _usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=not signs_certificates,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(pair: KeyPair) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    certificate = x509.load_pem_x509_certificate(pair.certificate.read_bytes())
    key = serialization.load_pem_private_key(pair.key.read_bytes(), password=None)
    return certificate, key  # type: ignore[return-value]


def ensure_authority() -> KeyPair:
    """The demo CA, made when missing."""
    pair = authority_files()
    with _locked():
        if pair.certificate.is_file() and pair.key.is_file():
            return pair
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(CA_NAME))
            .issuer_name(_name(CA_NAME))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(signs_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write(pair.key, _pem(key), private=True)
        _write(pair.certificate, certificate.public_bytes(serialization.Encoding.PEM), False)
        return pair


def ensure_agency(code: str, name: str) -> KeyPair:
    """The certificate of agency ``code`` (subject: its name), issued by the demo CA; made when
    missing."""
    pair = agency_files(code)
    if pair.certificate.is_file() and pair.key.is_file():
        return pair
    ca_pair = ensure_authority()
    with _locked():
        if pair.certificate.is_file() and pair.key.is_file():
            return pair
        ca_certificate, ca_key = _load(ca_pair)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Thành phố Hồ Chí Minh"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, fit(name or code)),
                x509.NameAttribute(NameOID.COMMON_NAME, fit(name or code)),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, code),
            ]
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS - 1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(signs_certificates=False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write(pair.key, _pem(key), private=True)
        _write(pair.certificate, certificate.public_bytes(serialization.Encoding.PEM), False)
        return pair
