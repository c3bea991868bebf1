"""VNeID subject identifiers of the sandbox (``sub``), without models: the portal's demo seeder
imports this to open the same accounts that the sandbox's login signs in."""

from __future__ import annotations

import uuid

# Fixed namespace so that ``sub`` depends only on the ID number: it stays the same when the
# sandbox database is recreated, as a real subject identifier would.
SUBJECT_NAMESPACE = uuid.UUID("6f1c3a52-8e0b-4c55-9d2e-5b7a0e4f9c11")


def subject_for(id_number: str) -> str:
    return str(uuid.uuid5(SUBJECT_NAMESPACE, id_number))
