"""Production mode refuses to start without its variables and passes Django's deployment checks."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "GONGYI_ENV": "production",
    "SECRET_KEY": "x7!Qm2#Lp9$Vt4&Rz8*Wn3^Kd6(Hs1)Bf5_Gc0+Jy-Ua=Xe{Ti}Ob[Nr]Sl",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/gongyi",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "BALLOT_CHAIN_KEY": "k3#Vq9!Lm2$Rt7&Wz4*Pn8^Xd1(Hs6)Bf0_Gc5+Jy-Ua=Qe{Ti}Ob[Nr]Sl",
    "ALLOWED_HOSTS": "gongyi.example.org",
    "SITE_URL": "https://gongyi.example.org",
    # A gateway's backend (production refuses the console one); only named here, never imported by `check`.
    "SMS_BACKEND": "sms_gateway.Backend",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {*GOOD, "DEBUG"}}
    # Without REDIS_URL the task queue is a SQLite file beside the database, in the project folder by default: these
    # processes queue nothing, so it goes to a scratch folder (a test run leaves the checkout as it found it).
    scratch = {"HUEY_SQLITE_PATH": str(Path(tempfile.gettempdir()) / "gongyi-settings-tests-huey.sqlite3")}
    return subprocess.run(
        [sys.executable, "manage.py", *args, *(["--no-imports"] if args[0] == "shell" else [])],
        cwd=ROOT,
        env={**clean, **scratch, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BALLOT_CHAIN_KEY", "SITE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_refuses_sqlite():
    result = run_manage("check", env={**GOOD, "DATABASE_URL": "sqlite:///x.sqlite3"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_turns_debug_off_even_when_asked():
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env={**GOOD, "DEBUG": "1"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_defaults_to_sqlite_and_memory_layer():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'],"
        " settings.CHANNEL_LAYERS['default']['BACKEND'])",
        env={"DATABASE_URL": "", "REDIS_URL": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer"]


def test_redis_url_selects_the_pubsub_layer():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])",
        env={"REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_parallel_test_processes_keep_apart_on_one_redis():
    """Under pytest-xdist each process (gw0, gw1, ...) has its own cache keys, channel-layer groups and task queue."""
    probe = (
        "from django.conf import settings; print(settings.CACHES['default']['KEY_PREFIX'],"
        " settings.CHANNEL_LAYERS['default']['CONFIG'].get('prefix', 'asgi'), settings.HUEY['name'])"
    )
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/gongyi"}
    alone = run_manage("shell", "-c", probe, env={**env, "PYTEST_XDIST_WORKER": ""})
    second = run_manage("shell", "-c", probe, env={**env, "PYTEST_XDIST_WORKER": "gw1"})
    assert alone.returncode == 0 and second.returncode == 0, alone.stderr + second.stderr
    assert alone.stdout.split() == ["gongyi", "asgi", "gongyi"]
    assert second.stdout.split() == ["gongyi-gw1", "asgi-gw1", "gongyi-gw1"]


@pytest.mark.django_db
def test_production_uses_a_connection_pool_that_connects():
    """Production pools PostgreSQL connections (daphne's per-request threads would leak persistent ones)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    script = (
        "from django.db import connection; connection.ensure_connection();"
        " print(connection.settings_dict['OPTIONS']['pool']['max_size'], connection.pool is not None)"
    )
    result = run_manage("shell", "-c", script, env={**GOOD, "DATABASE_URL": database_url, "DATABASE_POOL_SIZE": "4"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["4", "True"]


HUEY_PROBE = (
    "from huey.contrib.djhuey import HUEY; print(type(HUEY).__name__, type(HUEY.storage).__name__, HUEY.immediate,"
    " getattr(HUEY.storage, 'filename', '-'))"
)


def test_the_task_queue_runs_on_redis_when_there_is_redis():
    result = run_manage("shell", "-c", HUEY_PROBE, env={"REDIS_URL": "redis://127.0.0.1:6379/0", "HUEY_IMMEDIATE": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["PriorityRedisHuey", "PriorityRedisStorage", "False", "-"]


def test_the_task_queue_runs_on_a_sqlite_file_without_redis(tmp_path):
    path = tmp_path / "queue.sqlite3"
    env = {"REDIS_URL": "", "HUEY_IMMEDIATE": "", "HUEY_SQLITE_PATH": str(path)}
    result = run_manage("shell", "-c", HUEY_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["SqliteHuey", "SqliteStorage", "False", str(path)]
    assert path.exists()


def test_tests_run_tasks_in_their_own_process():
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    assert HUEY.immediate and isinstance(HUEY.storage, MemoryStorage)  # nothing written to Redis or a file


@pytest.mark.parametrize("bad", [{"SMS_PRICE_YUAN": "abc"}, {"SMS_PRICE_YUAN": "-1"}, {"SMS_DAILY_CAP_PER_PHONE": "0"}])
def test_a_text_price_or_daily_cap_that_makes_no_sense_is_refused(bad):
    result = run_manage("check", env=bad)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert next(iter(bad)) in result.stderr
