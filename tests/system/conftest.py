"""System tests: real daphne processes sharing PostgreSQL and Redis, as an operator runs Gongyi.

They need PostgreSQL and Redis (DATABASE_URL, REDIS_URL; a module may say NEEDS_REDIS = False). Elsewhere they
skip, except under CI=true, where a missing prerequisite fails: CI provides both, so a skip there would hide a
broken setup.
"""

import os
import shutil
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.system.processes import ROOT, RedisServer, Worker, start_daphnes, stop_all


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if _ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture: no test database is set up for a test that cannot run here.
    require(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "system tests need PostgreSQL (DATABASE_URL=postgres://...)",
    )
    if getattr(item.module, "NEEDS_REDIS", True):
        require(bool(settings.REDIS_URL), "system tests need Redis (REDIS_URL=redis://...)")


def shared_database_url() -> str:
    """The URL of the test database this test process uses, for the servers to share it."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def server_env(transactional_db):
    """The environment of a server process: this test's database (committed data), the same secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    if os.environ.get("PYTEST_XDIST_WORKER"):  # in a parallel run, this test process's share of Redis (config.settings)
        env["PYTEST_XDIST_WORKER"] = os.environ["PYTEST_XDIST_WORKER"]
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GONGYI_ENV": "development",
            "DATABASE_URL": shared_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            # Sessions made by the test are signed with it, and session auth hashes depend on it.
            "SECRET_KEY": settings.SECRET_KEY,
            # Ballots cast by the servers are chained under the same key the tests verify with.
            "BALLOT_CHAIN_KEY": settings.BALLOT_CHAIN_KEY,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture
def daphnes(server_env, tmp_path):
    """daphnes(["A", "B"], redis_url=None, env=None, env_of=None) → running servers, each ended after the test.

    Whatever happens in the test, every server it started is stopped. It depends on transactional_db (through
    server_env), so the servers stop before the test database is flushed.
    """
    started = []

    def start(names, *, redis_url: str | None = None, env: dict | None = None, env_of: dict | None = None):
        """env: more variables for every server; env_of: {name: variables} for one server."""
        base = {**server_env, **(env or {})}
        if redis_url:
            base["REDIS_URL"] = redis_url
        return start_daphnes([(name, {**base, **(env_of or {}).get(name, {})}) for name in names], tmp_path, started)

    try:
        yield start
    finally:
        stop_all(started)


@pytest.fixture
def queue_env(server_env, tmp_path):
    """The environment of a server or worker sharing this test's task queue: on Redis when the suite has it (CI),
    else in a SQLite file of this test's own; files made and uploaded go to a folder of this test's own."""
    env = {**server_env, "HUEY_IMMEDIATE": "0", "MEDIA_ROOT": str(tmp_path / "media")}
    if not env["REDIS_URL"]:
        env["HUEY_SQLITE_PATH"] = str(tmp_path / "huey.sqlite3")
    return env


@pytest.fixture
def worker(queue_env, tmp_path):
    """worker() → the task queue's consumer (`manage.py run_huey`), started and, whatever happens, stopped."""
    started = []

    def start():
        if not started:
            # Servers of earlier tests may have queued tasks under this database's name; they are not this test's.
            flush = "from huey.contrib.djhuey import HUEY; HUEY.flush()"
            command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", flush]
            subprocess.run(command, cwd=ROOT, env=queue_env, check=True, capture_output=True, timeout=120)
        process = Worker(queue_env, tmp_path)
        started.append(process)
        process.start()
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, which it may stop and restart (the suite's shared Redis stays up)."""
    require(shutil.which("redis-server") is not None, "the Redis outage test needs the redis-server binary")
    server = RedisServer(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()
