"""National-portal sync (đồng bộ Cổng DVC quốc gia): the change records and the feed positions.

A :class:`ChangeRecord` is written in the transaction of every dossier change
(:mod:`sync.records`); the feed (:mod:`sync.feed`) and the push relay (:mod:`sync.push`) read them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeRecord(models.Model):
    """Bản ghi thay đổi: one change of a dossier as the national portal receives it.

    ``version`` counts 1, 2, 3… per dossier over both kinds, without gaps (taken under the
    dossier's row lock). ``txid`` is the PostgreSQL transaction that wrote the row (0 on SQLite,
    where writes are serialised): the feed orders by ``(txid, id)`` and only serves rows whose
    transaction is older than every transaction still running (see ``docs/sync.md``).
    """

    class Kind(models.TextChoices):
        DOSSIER = "dossier", _("Full dossier")
        PROGRESS = "progress", _("Progress entry")

    dossier = models.ForeignKey(
        "dossiers.Dossier", models.PROTECT, related_name="+", verbose_name=_("dossier")
    )
    dossier_code = models.CharField(_("dossier code"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    cause = models.CharField(_("cause"), max_length=40)
    recorded_at = models.DateTimeField(_("recorded at"))
    payload = models.JSONField(_("payload"))
    txid = models.BigIntegerField(_("transaction"), default=0, editable=False)

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "version"], name="one_change_per_version"),
        ]
        indexes = [
            # The feed's order and its position test read this index only.
            models.Index(fields=["txid", "id"], name="change_feed_order"),
            # Reconciliation reads dossiers by code ranges.
            models.Index(fields=["dossier_code", "version"], name="change_by_code"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_code} v{self.version} {self.kind}"


class FeedPosition(models.Model):
    """Where a machine client stands in the change feed: the last cursor served to it."""

    client = models.OneToOneField(
        "identity.MachineClient",
        models.CASCADE,
        related_name="feed_position",
        verbose_name=_("machine client"),
    )
    cursor = models.CharField(_("last cursor served"), max_length=100, blank=True)
    txid = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    changes_served = models.BigIntegerField(_("changes served"), default=0)
    read_at = models.DateTimeField(_("last read at"))

    class Meta:
        verbose_name = _("feed position")
        verbose_name_plural = _("feed positions")

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.cursor}"
