"""Bench-only settings: the product's settings, plus the floor app and its routes, with production's database
connections (psycopg's pool, as config/settings.py sets it for GONGYI_ENV=production), so the figures are those of a
deployment. BENCH_CONN_MAX_AGE=60: persistent connections instead, for comparison (bench_vote.py runs both)."""

from config.settings import *  # noqa: F403
from config.settings import DATABASE_POOL, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floor"]
ROOT_URLCONF = "bench.urls"
ASGI_APPLICATION = "bench.asgi.application"
if os.environ.get("BENCH_CONN_MAX_AGE"):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = DATABASE_POOL
if "CHANNEL_LAYERS" in globals() and "prefix" not in CHANNEL_LAYERS["default"].get("CONFIG", {"prefix": ""}):  # noqa: F405
    # Redis pub/sub channels are global to the server (not per db number): keep the bench's apart from tests' (and
    # one bench's from another's with BENCH_CHANNEL_PREFIX).
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ.get("BENCH_CHANNEL_PREFIX", "gongyi-bench")  # noqa: F405

if os.environ.get("BENCH_PROFILE"):  # noqa: F405
    MIDDLEWARE = ["bench.profiling.ProfileRequests", *MIDDLEWARE]  # noqa: F405
