"""What time it is for the services that stamp a dossier: submission, transitions, timeline.

They ask :func:`now` instead of ``django.utils.timezone.now`` so that one seam can act "as of"
another moment: the demo seeder (``manage.py seed_demo``) files and processes dossiers in the
past through the real services, so the back office shows overdue and due-soon work at once.
Outside :func:`as_of` (every request, task and test) :func:`now` is ``timezone.now()``.

The moment is held in a context variable, so it never leaks into another thread or request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_moment: ContextVar[datetime.datetime | None] = ContextVar("portal_clock_moment", default=None)


def now() -> datetime.datetime:
    """The current time, or the moment set by the innermost :func:`as_of`."""
    moment = _moment.get()
    return timezone.now() if moment is None else moment


@contextmanager
def as_of(moment: datetime.datetime) -> Iterator[datetime.datetime]:
    """Within the block :func:`now` answers ``moment`` (an aware datetime); nesting is allowed
    and the previous moment comes back when the block ends, even on an exception."""
    if timezone.is_naive(moment):
        raise ValueError("as_of needs an aware datetime")
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)
