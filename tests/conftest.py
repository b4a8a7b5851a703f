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
