"""Racing signatures and notices on PostgreSQL (SQLite serialises every write, so the race needs a real server):
one resolution whoever signs first, one signature per member, one notice per stage."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from community.models import Role
from resolutions.models import Resolution, ResultNotice, Signature
from resolutions.services import resolution_sign, result_notice_publish
from tests.factories import RoleFactory
from tests.resolutions.conftest import PASSWORD
from tests.resolutions.test_notices import end_window
from tests.voting.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_four_members_signing_at_once_share_one_resolution(closed, community, committee_user):
    members = [committee_user] + [RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user for _ in range(3)]
    results = race([(lambda m=m: resolution_sign(proposal=closed, user=m, password=PASSWORD)) for m in members])
    assert all(isinstance(result, Signature) for result in results), results
    assert Resolution.objects.count() == 1
    assert {result.resolution_id for result in results} == {Resolution.objects.get().pk}
    assert Signature.objects.count() == 4


def test_one_member_clicking_four_times_signs_once(closed, committee_user):
    results = race([lambda: resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)] * 4)
    assert sum(isinstance(result, Signature) for result in results) == 1
    refused = [result for result in results if not isinstance(result, Signature)]
    assert all(isinstance(error, ValidationError) and error.code == "already_signed" for error in refused), refused
    assert Signature.objects.count() == 1


def test_a_notice_stage_raced_is_published_once(closed, committee_user):
    results = race([lambda: result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")] * 3)
    assert sum(isinstance(result, ResultNotice) for result in results) == 1
    end_window(ResultNotice.objects.get())
    results = race([lambda: result_notice_publish(proposal=closed, by=committee_user, stage="final")] * 3)
    assert sum(isinstance(result, ResultNotice) for result in results) == 1
    assert ResultNotice.objects.count() == 2
