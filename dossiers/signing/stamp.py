"""Stamping and signing a result PDF with pyHanko, in one incremental update.

A visible signature field at the bottom of the last page carries the QR code of the
verification URL, the URL itself and the signing time (pyHanko's QR stamp: Latin-only text,
so the URL and the time are what it prints), and the PAdES signature (``ETSI.CAdES.detached``,
SHA-256) by the agency's key covers the whole file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.stamp import QRStampStyle

from .loops import outside_event_loop

FIELD_NAME = "KetQuaDienTu"
# Bottom right of an A4 page (595 × 842 pt), below the signature blocks of the forms.
STAMP_BOX = (330, 18, 575, 78)
STAMP_STYLE = QRStampStyle(
    stamp_text="%(url)s\n%(ts)s",
    timestamp_format="%d/%m/%Y %H:%M:%S %z",
    text_box_style=TextBoxStyle(font_size=7),
    border_width=0,
)


def _link(writer: IncrementalPdfFileWriter, url: str) -> None:
    """Make the stamp clickable: a link annotation over it to ``url`` (the QR code is for
    paper and phones, the link for whoever opens the PDF on a screen)."""
    page_ref = writer.find_page_for_modification(-1)[0]
    annotation = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Link"),
            generic.pdf_name("/Rect"): generic.ArrayObject(map(generic.FloatObject, STAMP_BOX)),
            generic.pdf_name("/Border"): generic.ArrayObject([generic.NumberObject(0)] * 3),
            generic.pdf_name("/A"): generic.DictionaryObject(
                {
                    generic.pdf_name("/S"): generic.pdf_name("/URI"),
                    generic.pdf_name("/URI"): generic.pdf_string(url),
                }
            ),
        }
    )
    writer.register_annotation(page_ref, writer.add_object(annotation))


@dataclass(frozen=True)
class Signed:
    data: bytes
    subject: str
    issuer: str
    serial: str


def sign_pdf(data: bytes, signer: Signer, url: str, *, reason: str, location: str) -> Signed:
    """``data`` stamped with the QR code of ``url`` and signed by ``signer``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    _link(writer, url)
    # A PDF signed before (an uploaded result the agency signed itself) keeps its signatures.
    earlier = len(writer.prev.embedded_signatures)
    field_name = FIELD_NAME if not earlier else f"{FIELD_NAME}{earlier + 1}"
    metadata = PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    pdf_signer = PdfSigner(
        metadata,
        signer=signer,
        stamp_style=STAMP_STYLE,
        new_field_spec=fields.SigFieldSpec(field_name, on_page=-1, box=STAMP_BOX),
    )
    output = outside_event_loop(pdf_signer.sign_pdf, writer, appearance_text_params={"url": url})
    certificate = signer.signing_cert
    return Signed(
        data=output.getvalue(),
        subject=certificate.subject.human_friendly if certificate else "",
        issuer=certificate.issuer.human_friendly if certificate else "",
        serial=format(certificate.serial_number, "x") if certificate else "",
    )
