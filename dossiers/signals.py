"""What other apps hear of a dossier's life, and when.

``recorded`` is sent **inside** the transaction that changes the dossier, after the change is
written and while the dossier row is still locked. A receiver writes what must commit or roll
back with the change itself (a national-portal change record, an outbox row, a counter) and
nothing else: it must not call an outside system, and an exception it raises undoes the change.
Work that may wait for the commit listens to ``dossiers.lifecycle.transitions.transitioned``.

Arguments (keywords): ``dossier`` (the saved, locked row), ``kind`` (one of :data:`KINDS`),
``action`` (the transition's action, or the kind), ``from_status`` and ``to_status`` (equal when
the status stays), ``at`` (when), ``actor`` (who: a user name, an ID number or ``"system"``),
``note`` (the reason given, or ""), and for ``hand_off`` the ``step`` (the opened
``workflow.ProcessStep``).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# submitted: the applicant submitted the dossier (0 → 1)
# transition: a row of the transition table (dossiers.lifecycle.table) was taken
# hand_off: the workflow opened the next process step (the status stays)
# result: a result document was attached or replaced (the status stays until approval)
KINDS = ("submitted", "transition", "hand_off", "result")

recorded = Signal()


def send(dossier: Any, kind: str, **change: Any) -> None:
    """Send :data:`recorded` for ``dossier`` (inside its transaction: see the module)."""
    assert kind in KINDS, kind
    change.setdefault("action", kind)
    change.setdefault("note", "")
    change.setdefault("step", None)
    recorded.send(sender=type(dossier), dossier=dossier, kind=kind, **change)
