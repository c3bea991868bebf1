"""Liveness and readiness endpoints (/healthz, /readyz) as operators and load balancers see them."""

import pytest
from django.db import OperationalError

from portal import health
from portal.celery import app as celery_app

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def test_healthz_answers_ok_without_touching_anything(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok"}
    assert "down" not in body


@pytest.fixture
def broker_unreachable():
    """Point the Celery app at a port where nothing listens, then put the real broker back."""
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = UNREACHABLE_BROKER  # the write URL falls back to this one
    assert celery_app.conf.broker_write_url == UNREACHABLE_BROKER
    yield
    celery_app.conf.broker_url = saved


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client, broker_unreachable):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok"


class _BrokenConnection:
    """Stands in for ``django.db.connection`` when the database server has gone away."""

    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["database"]
    assert "OperationalError" in body["checks"]["database"]
    assert body["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_names_both_when_everything_is_down(client, monkeypatch, broker_unreachable):
    monkeypatch.setattr(health, "connection", _BrokenConnection())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["down"] == ["broker", "database"]


def test_readyz_refuses_anything_but_get(client):
    assert client.post("/readyz").status_code == 405
