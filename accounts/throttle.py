"""Counters of attempts in the cache (Redis in production), for limits allauth does not cover:
wrong join codes and SMS password resets. A fixed window per key: simple, and enough against guessing.
"""

import hashlib
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address as allauth sees it (it knows about trusted proxies)."""
    return get_adapter(request).get_client_ip(request)


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` in `window` seconds per identity (a phone, an IP, a session)."""

    name: str
    max_hits: int
    window: int

    def _key(self, ident: str) -> str:
        # Hashed so that phone numbers do not sit in the cache in clear.
        return f"throttle:{self.name}:{hashlib.sha256(ident.encode()).hexdigest()}"

    def count(self, ident: str) -> int:
        return cache.get(self._key(ident)) or 0

    def exceeded(self, ident: str) -> bool:
        return self.count(ident) >= self.max_hits

    def hit(self, ident: str) -> int:
        key = self._key(ident)
        cache.add(key, 0, timeout=self.window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window)
            return 1

    def reset(self, ident: str) -> None:
        cache.delete(self._key(ident))


@dataclass(frozen=True)
class Backoff:
    """Growing delays instead of a lockout, for a target that strangers can reach from anywhere (an account).

    The first `free` failures in `window` seconds cost nothing; after that one attempt is let through per
    2, 4, 8 … seconds (never more than `max_delay`), whoever makes it. Guessing slows to a crawl, and the owner
    waits seconds, never hours.
    """

    name: str
    free: int
    window: int
    max_delay: int

    @property
    def _failures(self) -> Limit:
        return Limit(f"{self.name}-failures", max_hits=self.free, window=self.window)

    def _gate_key(self, ident: str) -> str:
        return f"throttle:{self.name}-gate:{hashlib.sha256(ident.encode()).hexdigest()}"

    def delay(self, ident: str) -> int:
        """Seconds between attempts now: 0 below `free` failures."""
        extra = self._failures.count(ident) - self.free
        return 0 if extra < 0 else min(2 ** (extra + 1), self.max_delay)

    def take_turn(self, ident: str) -> int:
        """Claim the next attempt; returns 0 when it may go ahead, else the seconds to wait.

        The turn is claimed atomically (cache.add), so parallel attempts from many addresses get one between them.
        """
        delay = self.delay(ident)
        if delay == 0 or cache.add(self._gate_key(ident), 1, timeout=delay):
            return 0
        return delay

    def fail(self, ident: str) -> None:
        self._failures.hit(ident)

    def reset(self, ident: str) -> None:
        self._failures.reset(ident)
        cache.delete(self._gate_key(ident))
