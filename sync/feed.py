"""The change feed (``GET /api/sync/v1/changes``): change records in one total order, read in
pages from an opaque cursor, never skipping a change that commits late.

**Order and horizon.** Records are ordered by ``(txid, id)``: the PostgreSQL transaction that
wrote them, then the row id. A page only holds records whose transaction is older than every
transaction still running (the *horizon*: the lowest transaction id in the reader's snapshot
that is still in progress, other than the reader's own and those known to run in another
database). Every transaction below the horizon has ended, so no record can appear later below a
position already served: a transaction that started first and commits last holds the horizon
back until it commits, and its records then come after the cursor. Read-only transactions take
no transaction id and hold nothing back. ``docs/sync.md`` explains the choice.

On SQLite (the demo) writes are serialised by the database lock, so ids are given in commit order:
``txid`` is 0 and there is no horizon.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, F, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import MachineClient

from .models import ChangeRecord, FeedPosition
from .records import envelope_text

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_POSITION = re.compile(r"^c1\.([0-9]{1,19})\.([0-9]{1,19})$")

# The lowest transaction still running other than the reader's own (pg_snapshot_xip lists them;
# with none, every transaction below the snapshot's xmax has ended). Transaction ids are shared by
# every database of the PostgreSQL cluster, so a transaction that pg_stat_activity shows in
# another database is left out: it cannot write here. What is not known for sure (another role's
# session, a prepared transaction, a subtransaction) stays in: it can only delay, never skip.
HORIZON_SQL = (
    "(SELECT coalesce("
    " (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s.snap) AS x"
    "  WHERE x IS DISTINCT FROM pg_current_xact_id_if_assigned()"
    "  AND mod(x::text::bigint, 4294967296) NOT IN ("
    "   SELECT a.backend_xid::text::bigint FROM pg_stat_activity AS a"
    "   WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database())),"
    " pg_snapshot_xmax(s.snap)::text::bigint)"
    " FROM (SELECT pg_current_snapshot() AS snap) AS s)"
)
BELOW_HORIZON_SQL = f'"sync_changerecord"."txid" < {HORIZON_SQL}'


class BadCursor(ValueError):
    """The cursor is not one this feed handed out."""

    message = _("The cursor is not valid: send back the next_cursor of an earlier answer.")


@dataclass(frozen=True)
class Position:
    txid: int = 0
    id: int = 0

    def cursor(self) -> str:
        raw = f"c1.{self.txid}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


START = Position()


def parse_cursor(cursor: str | None) -> Position:
    """The position a cursor stands for; "" or None is the start. Raises :class:`BadCursor`."""
    if not cursor:
        return START
    if len(cursor) > 80:
        raise BadCursor(cursor[:80])
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    match = _POSITION.match(raw)
    if match is None:
        raise BadCursor(cursor)
    txid, row = int(match[1]), int(match[2])
    if txid >= 2**63 or row >= 2**63:
        raise BadCursor(cursor)
    return Position(txid, row)


@dataclass(frozen=True)
class Page:
    changes: list[str]  # each envelope as JSON text
    next: Position
    has_more: bool
    last_recorded_at: datetime | None

    def json(self) -> str:
        more = "true" if self.has_more else "false"
        return (
            f'{{"changes":[{",".join(self.changes)}],'
            f'"next_cursor":"{self.next.cursor()}","has_more":{more}}}'
        )


def read(after: Position, limit: int = DEFAULT_LIMIT) -> Page:
    """Up to ``limit`` changes after ``after``, in feed order, below the horizon."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows = _after(after)
    if connection.vendor == "postgresql":
        rows = rows.filter(
            RawSQL(BELOW_HORIZON_SQL, (), output_field=BooleanField())  # noqa: S611 (constant)
        )
    found = list(
        rows.order_by("txid", "id")
        .annotate(payload_json=Cast(F("payload"), TextField()))
        .values_list(
            "txid", "id", "dossier_code", "version", "kind", "recorded_at", "payload_json"
        )[: limit + 1]
    )
    has_more = len(found) > limit
    found = found[:limit]
    changes = [
        envelope_text(code, version, kind, at, payload)
        for _txid, _id, code, version, kind, at, payload in found
    ]
    if not found:
        return Page([], after, False, None)
    last = found[-1]
    return Page(changes, Position(last[0], last[1]), has_more, last[5])


def remember(client: MachineClient, page: Page) -> None:
    """Record where ``client`` stands: the cursor just served (for operators)."""
    now = timezone.now()
    values = {"cursor": page.next.cursor(), "txid": page.next.txid, "last_id": page.next.id}
    updated = FeedPosition.objects.filter(client=client).update(
        changes_served=F("changes_served") + len(page.changes), read_at=now, **values
    )
    if not updated:
        FeedPosition.objects.get_or_create(
            client=client,
            defaults={**values, "changes_served": len(page.changes), "read_at": now},
        )


BEHIND_CAP = 10_000


def behind(position: FeedPosition, cap: int = BEHIND_CAP) -> int:
    """How many changes (up to ``cap``) the client has not read yet."""
    rows = _after(Position(position.txid, position.last_id))
    return rows.values("id")[:cap].count()


def _after(position: Position) -> QuerySet[ChangeRecord]:
    """The records after ``position`` in feed order (a row comparison the index answers)."""
    rows = ChangeRecord.objects.all()
    if connection.vendor != "postgresql":
        return rows.filter(id__gt=position.id) if position.txid == 0 else rows.none()
    return rows.filter(
        RawSQL(
            '("sync_changerecord"."txid", "sync_changerecord"."id") > (%s, %s)',
            (position.txid, position.id),
            output_field=BooleanField(),
        )
    )
