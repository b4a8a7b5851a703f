"""Logging filters: an outage of Redis is reported once a minute from each place, not on every retry or request;
a refused request is one line.

channels_redis' receive task retries every second and logs each failure with a traceback; daphne logs every
socket refused while the channel layer is down. One report a minute per (logger, message) says the same.
"""

import logging
import time

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def _redis_outage(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, RedisConnectionError | RedisTimeoutError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


class RedisOutageFilter(logging.Filter):
    """Passes every record, except that records caused by a lost Redis connection pass once per `interval`
    seconds for each (logger, message)."""

    def __init__(self, interval: float = 60.0):
        super().__init__()
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.exc_info and _redis_outage(record.exc_info[1])):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        self._last[key] = now
        return True


class OneLineRefusalFilter(logging.Filter):
    """A refused request (403, a suspicious operation) is logged on one line: its traceback says nothing new and
    buried the log under a page per curious visitor."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied | SuspiciousOperation):
            record.exc_info = None
            record.exc_text = None
        return True
