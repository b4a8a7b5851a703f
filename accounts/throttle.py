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
