"""Sessions and the signed-in user are Django's own (the db or cached_db store, ModelBackend and allauth's backend);
a logout ends the session even while Redis is down. The outage tests run against a real Redis (REDIS_URL)."""

import os
from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

pytestmark = pytest.mark.django_db

BACKENDS = ("django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend")
DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _session_for(settings, user, backend=BACKENDS[0]) -> str:
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _whoami(key):
    client = Client()
    client.cookies["sessionid"] = key
    return client.get("/").wsgi_request.user


def test_the_configured_backends_are_djangos_and_allauths(settings):
    assert ["rules.permissions.ObjectPermissionBackend", *BACKENDS] == settings.AUTHENTICATION_BACKENDS
    assert settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    )


def test_a_session_signs_its_user_in(settings, user):
    for backend in BACKENDS:
        assert _whoami(_session_for(settings, user, backend)) == user


def test_an_expired_session_is_nobody(settings, user):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    key = _session_for(settings, user)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not _whoami(key).is_authenticated
    assert import_string(f"{settings.SESSION_ENGINE}.SessionStore")(key).load() == {}


def test_an_unknown_session_key_is_nobody():
    assert not _whoami("x" * 32).is_authenticated


def test_inactive_and_malformed_users_are_nobody(settings, user, user_factory):
    inactive = user_factory(is_active=False)
    assert not _whoami(_session_for(settings, inactive)).is_authenticated
    for path in BACKENDS:
        backend = import_string(path)()
        assert backend.get_user(user.pk) == user
        assert backend.get_user(inactive.pk) is None
        assert backend.get_user(10**9) is None


# --- cached_db on a real Redis ------------------------------------------------------------------------------------


def _redis_cache(location: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def redis_sessions(settings):
    """cached_db sessions on the suite's Redis, under a key prefix of their own; (up, down) cache settings."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs a real Redis: set REDIS_URL")
    prefix = f"gongyi-test-sessions-{get_random_string(8)}"
    up, down = _redis_cache(url, prefix), _redis_cache(DOWN, prefix)
    settings.CACHES = up  # Django makes new cache connections whenever CACHES changes
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield up, down
    settings.CACHES = up
    caches["default"].clear()  # as the suite's own autouse fixture does: the test's Redis db starts empty


def _cached(key: str):
    return caches["default"].get(KEY_PREFIX + key)


def test_cached_db_sessions_live_in_redis_and_a_logout_removes_them(redis_sessions, settings, client, user):
    client.force_login(user)
    key = client.cookies["sessionid"].value
    assert _cached(key)[SESSION_KEY] == str(user.pk)
    other_device = _session_for(settings, user)
    client.post(reverse("account_logout"))
    assert _cached(key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert not _whoami(key).is_authenticated
    # With Redis up a logout ends that session only.
    assert _whoami(other_device) == user


def test_a_logout_during_a_redis_outage_stays_a_logout_once_redis_is_back(redis_sessions, settings, client, user):
    up, down = redis_sessions
    client.force_login(user)
    key = client.cookies["sessionid"].value
    assert _whoami(key) == user
    settings.CACHES = down
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    settings.CACHES = up
    # The outage kept the entry in Redis: without more, the old cookie would sign in again from the cache.
    assert _cached(key)[SESSION_KEY] == str(user.pk)
    assert not _whoami(key).is_authenticated
    assert not _whoami(key).is_authenticated  # and the stale entry is gone for good (Django flushed it)
    assert _cached(key) is None
    # The user can sign in again afterwards (a login reads the user, with its new generation, from the database).
    user.refresh_from_db()
    assert user.session_generation == 1
    client.force_login(user)
    assert _whoami(client.cookies["sessionid"].value) == user
