"""The change feed on SQLite, the embedded demo's database (no ``DATABASE_URL``).

Not collected by the PostgreSQL suite (the name does not start with ``test_``):
``tests/test_sync_sqlite.py`` runs this file in a process without ``DATABASE_URL``. The feed's
PostgreSQL form (transaction ids and the horizon) is not used there; the ids order the changes.
"""

from __future__ import annotations

import pytest
from django.db import connection

from dossiers.lifecycle import transitions
from identity.jwt import issue_machine_token
from identity.machine import ensure_client
from identity.models import Role
from sync.models import ChangeRecord, FeedPosition
from tests.factories import HOME_WARD, CitizenFactory, DossierFactory, OfficialFactory

pytestmark = pytest.mark.django_db


def test_the_database_is_sqlite():
    assert connection.vendor == "sqlite"


def test_the_feed_pages_every_change_once_in_order_on_sqlite(client, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.UPLOAD_ANTIVIRUS = ""
    national, _secret = ensure_client("cong-dvc-quoc-gia", "Cổng DVC quốc gia", "sync:read")
    reception = OfficialFactory(username="ward.reception", role=Role.RECEPTION, agency=HOME_WARD)
    for n in range(3):
        applicant = CitizenFactory(id_number=f"0790853{n:05d}", full_name=f"Người {n}")
        dossier = DossierFactory(submitted=True, applicant=applicant)
        dossier = transitions.receive(dossier, reception)
        transitions.route(dossier, reception)
    assert set(ChangeRecord.objects.values_list("txid", flat=True)) == {0}

    token = issue_machine_token("cong-dvc-quoc-gia", ["sync:read"], 300)[0]
    seen, cursor = [], ""
    for _page in range(20):
        response = client.get(
            "/api/sync/v1/changes",
            {"cursor": cursor, "limit": 4},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200
        body = response.json()
        seen += body["changes"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    keys = [(change["dossier_code"], change["version"]) for change in seen]
    expected = list(ChangeRecord.objects.order_by("id").values_list("dossier_code", "version"))
    assert keys == expected and len(keys) == 15
    assert all(change["payload"]["MaHoSo"] == change["dossier_code"] for change in seen)
    position = FeedPosition.objects.get(client=national)
    assert (position.cursor, position.changes_served) == (cursor, 15)
