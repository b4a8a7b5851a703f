"""Bench-only settings: the product's settings, plus the floor app and its routes, with production's persistent
database connections (CONN_MAX_AGE=60, health checks), so the figures are those of a deployment."""

from config.settings import *  # noqa: F403
from config.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floor"]
ROOT_URLCONF = "bench.urls"
ASGI_APPLICATION = "bench.asgi.application"
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "CHANNEL_LAYERS" in globals() and "prefix" not in CHANNEL_LAYERS["default"].get("CONFIG", {"prefix": ""}):  # noqa: F405
    # Redis pub/sub channels are global to the server (not per db number): keep the bench's apart from tests'.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "gongyi-bench"  # noqa: F405

if os.environ.get("BENCH_PROFILE"):  # noqa: F405
    MIDDLEWARE = ["bench.profiling.ProfileRequests", *MIDDLEWARE]  # noqa: F405

if os.environ.get("BENCH_DB_POOL"):  # noqa: F405
    # Django's psycopg connection pool: under daphne every request runs in a thread of its own, so CONN_MAX_AGE
    # reuses nothing and each request opens a connection; a pool is shared by the process's threads.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 4, "max_size": 16}
