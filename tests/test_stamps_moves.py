"""portal.stamps inside a transaction: a stamp changed several times in one transaction moves at
once only when it was read since its last move, and once more on commit; a rolled-back savepoint
does not leave the stamp believed moved."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import transaction

from portal import stamps

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    name = f"test:stamp:{uuid.uuid4().hex}"
    cache.set(name, "old")
    yield name
    cache.delete(name)


def test_a_second_change_moves_the_stamp_only_if_it_was_read_since(
    key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        stamps.move([key])
        first = cache.get(key)
        assert first != "old"
        stamps.move([key])  # not read since: nothing can be kept under it yet
        assert cache.get(key) == first
        _value, seen, _others = stamps.read(f"{key}:entry", key)
        assert seen == first
        stamps.keep(f"{key}:entry", seen, "computed inside", 60)
        stamps.move([key])  # read since: a value is kept under it, so it moves
        second = cache.get(key)
        assert second not in ("old", first)
        assert stamps.read(f"{key}:entry", key)[0] is None
    assert len(callbacks) == 1  # one commit callback for the whole transaction
    assert cache.get(key) not in ("old", first, second)  # moved again on commit


def test_every_stamp_of_the_transaction_moves_on_commit(key, django_capture_on_commit_callbacks):
    other = f"{key}:other"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        stamps.move([key])
        stamps.move([key, other])
        inside = cache.get_many([key, other])
    after = cache.get_many([key, other])
    assert after[key] != inside[key] and after[other] != inside[other]
    cache.delete(other)


def test_a_rolled_back_savepoint_does_not_count_as_moved(key, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            stamps.move([key])
            first = cache.get(key)
            raise RuntimeError("rolled back")
        stamps.move([key])
        assert cache.get(key) != first
    assert len(callbacks) == 1  # the rolled-back savepoint's callback was dropped
