"""Shared fixtures: factories registered as pytest fixtures, the SMS outbox, role helpers, the demo loaded once
per module; and the files a run writes kept out of the checkout (checked when the session finishes)."""

import os
import subprocess
import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import settings as hypothesis_settings
from pytest_factoryboy import register

from accounts import sms
from community.models import Role
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    EntranceFactory,
    HouseholdBindingFactory,
    HouseholdFactory,
    JoinCodeFactory,
    OwnerFactory,
    RoleFactory,
    UserFactory,
)

# No deadline on property tests: these machines are shared and noisy, and speed is measured in bench/, never by a
# test (an example that took 250 ms once failed a run).
hypothesis_settings.register_profile("gongyi", deadline=None)
hypothesis_settings.load_profile("gongyi")

register(UserFactory)
register(CommunityFactory)
register(BuildingFactory)
register(EntranceFactory)
register(OwnerFactory)
register(HouseholdFactory)
register(RoleFactory)
register(HouseholdBindingFactory)
register(JoinCodeFactory)

PASSWORD = "correct-horse-battery"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHECKOUT = Path(__file__).resolve().parent.parent
# Hypothesis keeps its example database in ./.hypothesis unless told otherwise: a scratch folder that outlives
# the run, so a failing example is still replayed first next time.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "gongyi-hypothesis"))


# --- Files stay out of the checkout -----------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _scratch_media(tmp_path_factory):
    """Whatever stores a file outside a test — a module's fixture, or a command or server in another process
    (which reads MEDIA_ROOT from the environment) — stores it in a scratch folder, never the checkout's media/."""
    root = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch, override_settings(MEDIA_ROOT=root):
        patch.setenv("MEDIA_ROOT", str(root))
        yield root


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """The files a test stores (scans, attachments, photos, documents) go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


_ARTEFACTS = pytest.StashKey[set[str] | None]()


def _artefacts() -> set[str] | None:
    """Untracked and ignored paths in the checkout as `git status` shows them (None outside a git checkout), minus
    Python's own caches, and every file under media/ (an ignored folder that already exists shows as one line)."""
    try:
        status = ["git", "status", "--porcelain", "--ignored", "-z"]
        listed = subprocess.run(status, cwd=CHECKOUT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    caches = ("__pycache__/", ".pytest_cache/", ".ruff_cache/")
    if os.environ.get("SCREENSHOTS") == "1":  # asked for: the README's screenshots are rewritten
        caches += ("docs/screenshots/",)
    paths = {entry[3:] for entry in listed.stdout.split("\0") if entry[:2] in ("??", "!!")}
    media = CHECKOUT / "media"
    paths |= {str(path.relative_to(CHECKOUT)) for path in media.rglob("*")} if media.is_dir() else set()
    return {path for path in paths if not path.endswith(".pyc") and not any(c in path for c in caches)}


def pytest_sessionstart(session):
    # In a parallel run (pytest-xdist) only the controller looks, before its workers start and after they all end: a
    # worker would see the files of a test another worker is still running.
    if not hasattr(session.config, "workerinput"):
        session.config.stash[_ARTEFACTS] = _artefacts()


def pytest_sessionfinish(session):
    """A run that left files in the checkout (media/, a database, a cache) fails, naming them."""
    before = session.config.stash.get(_ARTEFACTS, None)
    after = _artefacts() if before is not None else None
    left = sorted(after - before) if after is not None else []
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep("=", "the run left files in the checkout", red=True)
            for path in left:
                reporter.write_line(path)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2's million rounds are the point in production and a minute per test file here."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """SMS is the one thing outside the project: tests read codes from an in-memory outbox."""
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    sms.sent_messages.clear()
    yield sms.outbox
    sms.outbox.clear()
    sms.sent_messages.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox


@pytest.fixture
def member_of(db):
    """member_of(community, kind) → a user holding that role there."""

    def make(community, kind=Role.Kind.COMMITTEE):
        return RoleFactory(community=community, kind=kind).user

    return make


@pytest.fixture
def actors(db):
    """The permission matrix's people, around one community (`actors.community`) and another one.

    Keys: anonymous (None), household (bound to a household here), other_household (bound in the
    other community), canvasser, committee, other_committee, secretary.
    """
    from types import SimpleNamespace

    here = CommunityFactory(slug="here", name="本小区")
    other = CommunityFactory(slug="other", name="别的小区")
    household = HouseholdFactory(entrance__building__community=here, room="502")
    other_household = HouseholdFactory(entrance__building__community=other, room="101")
    return SimpleNamespace(
        community=here,
        other_community=other,
        household_obj=household,
        users={
            "anonymous": None,
            "household": HouseholdBindingFactory(household=household).user,
            "other_household": HouseholdBindingFactory(household=other_household).user,
            "canvasser": RoleFactory(community=here, kind=Role.Kind.CANVASSER).user,
            "secretary": RoleFactory(community=here, kind=Role.Kind.SECRETARY).user,
            "committee": RoleFactory(community=here, kind=Role.Kind.COMMITTEE).user,
            "other_committee": RoleFactory(community=other, kind=Role.Kind.COMMITTEE).user,
        },
    )


@pytest.fixture
def client_as(client):
    """client_as(user) → the test client logged in as that user (or anonymous for None)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


# --- The demo, loaded once per module ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    output: str  # what the first `load_demo` printed
    media_root: Path  # where its files (the paper ballots' scan) are


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """`load_demo` once for the module, inside a transaction rolled back when the module ends (pytest-django's
    pattern for data shared by several tests). Each test runs in a savepoint inside it (`db`), so what a test
    changes is undone before the next one sees the demo."""
    media = tmp_path_factory.mktemp("demo-media")
    as_in_a_test = override_settings(
        MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS, SMS_BACKEND="accounts.sms.LocmemBackend"
    )
    atomic = transaction.atomic()
    with django_db_blocker.unblock(), as_in_a_test:
        atomic.__enter__()
        try:
            out = StringIO()
            call_command("load_demo", stdout=out)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    sms.outbox.clear()
    sms.sent_messages.clear()
    yield Demo(output=out.getvalue(), media_root=media)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def demo(request, _demo_module, db, settings) -> Demo:
    """The demo as `load_demo` left it (tests may change it: each change is rolled back after the test)."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        pytest.fail("a transactional test commits and flushes: it cannot share the module's demo")
    settings.MEDIA_ROOT = _demo_module.media_root
    return _demo_module
