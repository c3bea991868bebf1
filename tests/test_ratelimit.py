"""portal.ratelimit: the one fixed-window limiter of the public lookup and the token endpoint."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from portal import ratelimit


@pytest.fixture
def counter():
    name = ratelimit.key("test", str(uuid.uuid4()))
    yield name
    cache.delete_many([name, f"{name}:ends"])


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    return now


def test_keys_are_hashed_per_kind_and_parts():
    address = "203.0.113.10"
    assert address not in ratelimit.key("ip", address)
    assert ratelimit.key("ip", address) == ratelimit.key("ip", address)
    assert ratelimit.key("ip", address) != ratelimit.key("code", address)
    assert ratelimit.key("pair", "dvcqg", address) != ratelimit.key("pair", "dvcqg", "-")


def test_hits_count_up_and_the_limit_is_reached_at_the_limit(counter):
    assert [ratelimit.hit(counter, 60) for _ in range(3)] == [1, 2, 3]
    assert not ratelimit.is_limited(counter, 4)
    assert ratelimit.is_limited(counter, 3)


def test_retry_after_is_none_below_the_limit_and_the_rest_of_the_window_at_it(counter, clock):
    ratelimit.hit(counter, 300)
    assert ratelimit.retry_after(counter, 2, 300) is None
    clock[0] += 120
    ratelimit.hit(counter, 300)  # a later hit does not move the window's end
    assert ratelimit.retry_after(counter, 2, 300) == 180
    clock[0] += 179.5
    assert ratelimit.retry_after(counter, 2, 300) == 1  # never 0 while still limited


def test_retry_after_falls_back_to_the_whole_window_when_the_end_is_unknown(counter):
    cache.set(counter, 5, timeout=60)
    assert ratelimit.retry_after(counter, 5, 60) == 60


def test_a_window_that_ended_between_add_and_incr_starts_again_at_one(counter, monkeypatch, clock):
    monkeypatch.setattr(ratelimit.cache, "add", lambda *args, **kwargs: False)
    assert ratelimit.hit(counter, 300) == 1
    assert ratelimit.retry_after(counter, 1, 300) == 300
