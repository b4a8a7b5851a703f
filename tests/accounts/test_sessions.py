"""Sessions and the signed-in user read with precompiled queries behave as Django's own backends."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.backends import AuthenticationBackend, ModelBackend
from accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _session_for(user, backend="accounts.backends.ModelBackend") -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _whoami(client, key):
    client.cookies["sessionid"] = key
    response = client.get("/")
    return response.wsgi_request.user


def test_a_session_signs_its_user_in(client, user):
    for backend in ("accounts.backends.ModelBackend", "accounts.backends.AuthenticationBackend"):
        assert _whoami(client, _session_for(user, backend)) == user


def test_an_expired_session_is_nobody(client, user):
    key = _session_for(user)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not _whoami(client, key).is_authenticated
    assert SessionStore(key).load() == {}


def test_an_unknown_session_key_is_nobody(client, user):
    assert not _whoami(client, "x" * 32).is_authenticated


def test_inactive_and_malformed_users_are_nobody(client, user, user_factory):
    inactive = user_factory(is_active=False)
    assert not _whoami(client, _session_for(inactive)).is_authenticated
    for backend in (ModelBackend(), AuthenticationBackend()):
        assert backend.get_user(user.pk) == user
        assert backend.get_user(str(user.pk)) == user
        assert backend.get_user(inactive.pk) is None
        assert backend.get_user(10**9) is None
        assert backend.get_user("not-a-number") is None
