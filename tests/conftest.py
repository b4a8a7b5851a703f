"""Shared fixtures: factories registered as pytest fixtures, the SMS outbox, role helpers."""

import pytest
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


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2's million rounds are the point in production and a minute per test file here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """SMS is the one thing outside the project: tests read codes from an in-memory outbox."""
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


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
