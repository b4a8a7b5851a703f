"""While Redis is down the cache answers as if empty and logs once, instead of failing requests."""

import logging

import pytest
from django.core.cache import caches
from django.utils.crypto import get_random_string

import config.cache
from config.cache import ResilientRedisCache

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def down_cache():
    config.cache._last_log = 0.0
    return ResilientRedisCache(DOWN, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


def test_every_call_degrades(down_cache):
    assert down_cache.get("k", "fallback") == "fallback"
    assert down_cache.add("k", 1) is True
    down_cache.set("k", 1)
    assert down_cache.incr("k") == 1
    assert down_cache.get_many(["a", "b"]) == {}
    assert down_cache.has_key("k") is False
    down_cache.delete("k")


def test_outage_is_logged_once(down_cache, caplog):
    with caplog.at_level(logging.ERROR, logger="gongyi.cache"):
        for _ in range(20):
            down_cache.get("k")
            down_cache.set("k", 1)
    assert len([r for r in caplog.records if r.name == "gongyi.cache"]) == 1


def test_working_redis_still_works(settings):
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("runs where REDIS_URL is set")
    cache = caches["default"]
    cache.set("gongyi-test-key", 41)
    assert cache.incr("gongyi-test-key") == 42
    cache.delete("gongyi-test-key")


def test_clearing_deletes_only_this_caches_keys(settings):
    """clear() leaves the rest of the Redis database alone: the task queue's tasks, another prefix's keys (another
    test process in a parallel run)."""
    if not settings.REDIS_URL:
        pytest.skip("runs where REDIS_URL is set")
    suffix = get_random_string(8)
    mine, theirs = (ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"{who}-[{suffix}]"}) for who in "ab")
    raw = mine._cache.get_client(write=True)
    queued = f"huey.test.{suffix}"
    try:
        mine.set("k", 1)
        mine.set("other", 2, version=3)
        theirs.set("k", 3)
        raw.set(queued, "a task")
        assert mine.clear() is True
        assert (mine.get("k"), mine.get("other", version=3)) == (None, None)
        assert theirs.get("k") == 3 and raw.get(queued) == b"a task"
    finally:
        theirs.clear()
        raw.delete(queued)


def test_a_strict_delete_says_when_redis_is_down(down_cache):
    """A logout must know whether the session's cache entry is gone (accounts.signals)."""
    with pytest.raises(config.cache._OUTAGE):
        down_cache.delete_strict("k")
