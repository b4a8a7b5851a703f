"""Bench-only middleware: cProfile of the requests inside a daphne, per kind of request, dumped to files.

Django runs synchronous views (and their middleware) in one thread per process; cProfile profiles the thread that
enables it, so enabling it around each request there captures the request's Python work and its waits on the
database and Redis. Enabled by bench/settings.py when BENCH_PROFILE names a file prefix.
"""

import cProfile
import os
import time

_profiles: dict[str, cProfile.Profile] = {}
_last_dump = [0.0]


def _kind(path: str) -> str:
    return "vote" if path.endswith("/vote/") else "floor" if path.startswith("/bench/floor/") else "other"


class ProfileRequests:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = os.environ["BENCH_PROFILE"]

    def __call__(self, request):
        profile = _profiles.setdefault(_kind(request.path), cProfile.Profile())
        profile.enable()
        try:
            return self.get_response(request)
        finally:
            profile.disable()
            now = time.monotonic()
            if now - _last_dump[0] > 1:
                _last_dump[0] = now
                for kind, each in _profiles.items():
                    each.dump_stats(f"{self.prefix}.{kind}.prof")
