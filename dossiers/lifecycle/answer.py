"""The applicant answers a supplement or completion request on the same dossier.

While the dossier waits (status 5 for a supplement during processing, status 1 with an open
completion request of the desk), the applicant attaches documents to the numbered items asked
for — an upload or a document of their store, through the very code that attaches a draft's
documents (:mod:`dossiers.documents.store`, with :data:`ANSWERING` as the target) — and sends
the answer: :func:`send`, the table's ``answer_supplement`` (5 → 4, the clock resumed by the
configured rule, processing back at the step that asked) or ``answer_completion`` (the request
marked answered; status 1 stays for the desk to receive). The desk's ``receive_supplement``
remains for an answer brought on paper.

For scripts (the demo seeder)::

    answer.attach_upload(dossier, citizen, answer.slot_id(dossier, 1), open("x.pdf", "rb"))
    answer.send(dossier, citizen, note="Đã bổ sung")
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from identity.models import Citizen

from ..documents import store
from ..errors import Conflict
from ..models import Dossier, DossierDocument, Status
from . import asked, transitions


def _check(dossier: Dossier, citizen: Citizen) -> None:
    """Refuse unless the dossier is the citizen's and waits for their answer (no lock)."""
    if dossier.applicant_id != citizen.pk:
        raise Dossier.DoesNotExist
    if asked.open_request(dossier) is None:
        raise Conflict(_("This dossier is not waiting for documents from you."))


def _lock(dossier: Dossier, citizen: Citizen) -> Dossier:
    locked = transitions.lock(dossier)
    _check(locked, citizen)
    return locked


ANSWERING = store.Attachable(_check, _lock, asked.open_slots, own_slots_only=True)


def slot_id(dossier: Dossier, item: Any) -> str:
    """The slot of the open request's item number ``item`` (1, 2, …); "" when there is none."""
    for slot in asked.open_slots(dossier):
        if str(slot["number"]) == str(item):
            return slot["id"]
    return ""


def attach_upload(
    dossier: Dossier, citizen: Citizen, slot: str, uploaded_file: Any
) -> DossierDocument:
    """Upload a document answering one item (checked like every upload; kept in the store)."""
    return store.attach_upload(dossier, citizen, slot, uploaded_file, target=ANSWERING)


def reuse_document(
    dossier: Dossier, citizen: Citizen, slot: str, stored_public_id: Any
) -> DossierDocument:
    """Answer one item with a document of the citizen's store."""
    return store.reuse_document(dossier, citizen, slot, stored_public_id, target=ANSWERING)


def detach(dossier: Dossier, citizen: Citizen, document_id: Any) -> None:
    """Take back a document attached to the answer before it is sent (never one submitted
    earlier)."""
    store.detach(dossier, citizen, document_id, target=ANSWERING)


def send(dossier: Dossier, citizen: Citizen, note: str = "") -> Dossier:
    """Send the answer: ``answer_supplement`` in status 5, ``answer_completion`` in status 1.
    Refused (409) when nothing waits for an answer, e.g. sent a second time."""
    if dossier.status == Status.SUBMITTED:
        return transitions.answer_completion(dossier, citizen, note)
    return transitions.answer_supplement(dossier, citizen, note)
