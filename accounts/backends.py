"""The authentication backends: Django's and allauth's, with the read of the signed-in user that every request
makes compiled once per process (through the ORM it cost a millisecond of Python per request: bench/bench_vote.py)."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from config.precompiled import Precompiled

_USER = Precompiled(lambda pk: get_user_model().objects.filter(pk=pk), arguments=1)


def _active_user(backend, user_id):
    try:
        pk = get_user_model()._meta.pk.to_python(user_id)
    except Exception:  # a session with a malformed id: nobody
        return None
    user = next(iter(_USER.objects(pk)), None)
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return _active_user(self, user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return _active_user(self, user_id)
