"""A Redis cache that degrades instead of failing while Redis is down.

The cache holds rate-limit counters and short-lived codes. During a Redis outage a vote must still be
recorded, so every cache call answers as if the key were missing (and writes are dropped), and the outage
is logged once a minute rather than once per request.
"""

import logging
import re
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("gongyi.cache")
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
_last_log = 0.0


def _outage(operation: str) -> None:
    global _last_log
    now = time.monotonic()
    if now - _last_log > 60:
        _last_log = now
        logger.error("Redis cache unavailable (%s); carrying on without it", operation, exc_info=True)


class ResilientRedisCache(RedisCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, **kwargs):
        try:
            return super().add(key, value, timeout, version)
        except _OUTAGE:
            _outage("add")
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _OUTAGE:
            _outage("get")
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, **kwargs):
        try:
            return super().set(key, value, timeout, version)
        except _OUTAGE:
            _outage("set")

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except _OUTAGE:
            _outage("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _OUTAGE:
            _outage("delete")
            return False

    def delete_strict(self, key, version=None):
        """delete() that raises during an outage, for a caller that must know the key is gone (a logout)."""
        return super().delete(key, version)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _OUTAGE:
            _outage("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except _OUTAGE:
            _outage("has_key")
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _OUTAGE:
            _outage("incr")
            return delta

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except _OUTAGE:
            _outage("set_many")
            return []

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except _OUTAGE:
            _outage("delete_many")

    def clear(self):
        """Delete this cache's keys, those under its KEY_PREFIX. Django's clear() empties the whole Redis database,
        with the task queue's tasks in it (and, in a parallel test run, the other test processes' keys)."""
        try:
            client = self._cache.get_client(write=True)
            pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"  # the prefix's glob characters escaped
            keys = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
            return True
        except _OUTAGE:
            _outage("clear")
