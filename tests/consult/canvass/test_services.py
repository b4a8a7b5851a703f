"""Canvassing services: assignments, demand tags and visits — idempotent, checked, and writing nothing when refused."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from community.models import Role
from consult.models import Assignment, DemandTag, Visit
from consult.services import (
    CanvassError,
    KeyConflict,
    assignment_create,
    assignment_remove,
    demand_tag_create,
    demand_tag_remove,
    visit_record,
)
from proposals.models import Proposal, Scope, State
from tests.consult.canvass.conftest import make_proposal, record
from tests.factories import BuildingFactory, HouseholdFactory, RoleFactory, UserFactory
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def visit_fields(**kwargs) -> dict:
    return {
        "outcome": "met",
        "stance": "support",
        "demands": "",
        "tag_ids": (),
        "follow_up_on": None,
        "visited_at": None,
        "idempotency_key": uuid.uuid4().hex,
    } | kwargs


# --- Visits ---------------------------------------------------------------------------------------------------


def test_a_visit_is_recorded_with_its_demands_and_tags(site):
    cost = demand_tag_create(community=site.community, name="费用", by=site.committee)
    noise = demand_tag_create(community=site.community, name="噪音", by=site.committee)
    follow_up = timezone.localdate() + timedelta(days=3)
    visit, created = visit_record(
        proposal=site.proposal,
        household=site.a[0],
        canvasser=site.canvasser_a,
        **visit_fields(
            stance="conditional", demands="  充电费要便宜  ", tag_ids=[cost.pk, str(noise.pk)], follow_up_on=follow_up
        ),
    )
    assert created
    visit.refresh_from_db()
    assert (visit.outcome, visit.stance, visit.demands, visit.follow_up_on) == (
        "met",
        "conditional",
        "充电费要便宜",
        follow_up,
    )
    assert set(visit.tags.all()) == {cost, noise}
    assert visit.canvasser == site.canvasser_a


def test_the_same_key_twice_records_one_visit_and_pushes_once(site, django_capture_on_commit_callbacks):
    fields = visit_fields(idempotency_key="4b9f0f9e-5d1c-4c55-9b0e-3f6a2d1c8e77")
    with django_capture_on_commit_callbacks() as first_push:
        first, created = visit_record(proposal=site.proposal, household=site.a[0], canvasser=site.canvasser_a, **fields)
    with django_capture_on_commit_callbacks() as second_push:
        again, created_again = visit_record(
            proposal=site.proposal, household=site.a[0], canvasser=site.canvasser_a, **fields
        )
    assert created and not created_again
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert len(first_push) == 1 and len(second_push) == 0


def test_a_retry_is_answered_even_after_the_assignment_was_taken_back(site):
    fields = visit_fields()
    first, _ = visit_record(proposal=site.proposal, household=site.a[0], canvasser=site.canvasser_a, **fields)
    Assignment.objects.filter(canvasser=site.canvasser_a).delete()
    again, created = visit_record(proposal=site.proposal, household=site.a[0], canvasser=site.canvasser_a, **fields)
    assert (again.pk, created) == (first.pk, False)


@pytest.mark.parametrize("change", ["household", "canvasser", "proposal"])
def test_a_key_reused_for_another_visit_is_refused(site, change):
    key = uuid.uuid4().hex
    record(site.proposal, site.a[0], site.canvasser_a, idempotency_key=key)
    other = {"proposal": site.proposal, "household": site.a[0], "canvasser": site.canvasser_a}
    if change == "household":
        other["household"] = site.a[1]
    elif change == "canvasser":
        assignment_create(proposal=site.proposal, canvasser=site.party, entrance=site.entrance_a, by=site.committee)
        other["canvasser"] = site.party
    else:
        other["proposal"] = make_proposal(site.community, site.committee, title="停车")
    with pytest.raises(KeyConflict):
        visit_record(**other, **visit_fields(idempotency_key=key))
    assert Visit.objects.count() == 1


def test_a_canvasser_of_entrance_a_cannot_record_in_entrance_b(site):
    with pytest.raises(PermissionDenied):
        record(site.proposal, site.b[0], site.canvasser_a)
    assert not Visit.objects.exists()


def test_a_building_assignment_covers_each_of_its_entrances(site):
    assert record(site.proposal, site.c[1], site.canvasser_b).pk
    with pytest.raises(PermissionDenied):
        record(site.proposal, site.a[0], site.canvasser_b)
    assert Visit.objects.count() == 1


def test_a_household_of_another_community_is_refused(site):
    stranger = HouseholdFactory()
    with pytest.raises(CanvassError):
        record(site.proposal, stranger, site.canvasser_a)
    assert not Visit.objects.exists()


def test_a_household_outside_the_scope_is_refused(site):
    proposal = make_proposal(site.community, site.committee, scope=Scope.ENTRANCES, entrances=[site.entrance_a])
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    # Assigned to the whole building, but only 5单元 is in scope.
    building = site.entrance_a.building
    Assignment.objects.filter(proposal=proposal).update(building=building, entrance=None)
    assert record(proposal, site.a[0], site.canvasser_a).pk
    with pytest.raises(CanvassError, match="scope"):
        record(proposal, site.b[0], site.canvasser_a)
    assert Visit.objects.filter(proposal=proposal).count() == 1


@pytest.mark.parametrize("state", [State.DRAFT, State.CLOSED, State.PUBLISHED, State.WITHDRAWN])
def test_no_visit_outside_consultation_and_voting(site, state):
    proposal = make_proposal(site.community, site.committee, state=state)
    Assignment.objects.create(
        proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, assigned_by=site.committee
    )
    with pytest.raises(CanvassError, match="consultation or voting"):
        record(proposal, site.a[0], site.canvasser_a)
    assert not Visit.objects.exists()


def test_no_visit_once_the_voting_window_has_ended_even_before_the_job_closes_it(site, english):
    proposal = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=7), voting_closes_at=now - timedelta(seconds=1)
    )
    proposal.refresh_from_db()
    with pytest.raises(CanvassError, match="has closed"):
        record(proposal, site.a[0], site.canvasser_a)
    assert not Visit.objects.exists()
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING  # refused, and nothing closed by the canvasser's request


def test_visits_during_voting_only_for_households_that_have_not_voted(site):
    proposal = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    before = timezone.now()
    ballot_cast(proposal=proposal, household=site.a[0], choice="agree", channel=Channel.ONLINE, by=site.committee)
    with pytest.raises(CanvassError, match="already voted"):
        record(proposal, site.a[0], site.canvasser_a)
    # Knocked before it voted, sent later from an offline phone: still worth keeping.
    assert record(proposal, site.a[0], site.canvasser_a, visited_at=before).pk
    assert record(proposal, site.a[1], site.canvasser_a).pk
    assert Visit.objects.filter(proposal=proposal).count() == 2


def test_during_voting_the_frozen_electorate_is_the_scope(site):
    proposal = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    newcomer = HouseholdFactory(entrance=site.entrance_a, room="701", floor=7)
    with pytest.raises(CanvassError, match="scope"):
        record(proposal, newcomer, site.canvasser_a)
    assert not Visit.objects.exists()


def _bad_inputs(site):
    other_tag = DemandTag.objects.create(community=HouseholdFactory().entrance.building.community, name="费用")
    now = timezone.now()
    return {
        "future": {"visited_at": now + timedelta(minutes=6)},
        "before the proposal": {"visited_at": site.proposal.created_at - timedelta(seconds=1)},
        "unknown outcome": {"outcome": "maybe", "stance": ""},
        "met without stance": {"stance": ""},
        "unknown stance": {"stance": "enthusiastic"},
        "stance without meeting": {"outcome": "nobody_home", "stance": "support"},
        "demands too long": {"demands": "很" * 2001},
        "tag of another community": {"tag_ids": [other_tag.pk]},
        "tag that does not exist": {"tag_ids": [987654]},
        "tag that is not a number": {"tag_ids": ["abc"]},
        "follow-up before the visit": {"follow_up_on": timezone.localdate() - timedelta(days=1)},
        "no key": {"idempotency_key": ""},
        "odd key": {"idempotency_key": "<script>alert(1)</script>"},
        "key too long": {"idempotency_key": "a" * 65},
    }


@pytest.mark.parametrize(
    "case",
    [
        "future",
        "before the proposal",
        "unknown outcome",
        "met without stance",
        "unknown stance",
        "stance without meeting",
        "demands too long",
        "tag of another community",
        "tag that does not exist",
        "tag that is not a number",
        "follow-up before the visit",
        "no key",
        "odd key",
        "key too long",
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(site, case, django_capture_on_commit_callbacks):
    bad = _bad_inputs(site)[case]
    with django_capture_on_commit_callbacks() as pushes, pytest.raises(CanvassError):
        visit_record(proposal=site.proposal, household=site.a[0], canvasser=site.canvasser_a, **visit_fields(**bad))
    assert not Visit.objects.exists()
    assert not Visit.tags.through.objects.exists()
    assert pushes == []


def test_a_phone_clock_a_little_ahead_is_accepted(site):
    visit = record(site.proposal, site.a[0], site.canvasser_a, visited_at=timezone.now() + timedelta(minutes=4))
    assert visit.pk


def test_the_stance_that_stands_survives_a_later_nobody_home_but_not_a_refusal(site):
    from consult.selectors import household_status

    record(site.proposal, site.a[0], site.canvasser_a, stance="oppose")
    record(site.proposal, site.a[0], site.canvasser_a, outcome="nobody_home")
    assert household_status(site.proposal, site.a[0].pk) == "o"
    record(site.proposal, site.a[0], site.canvasser_a, outcome="refused")
    assert household_status(site.proposal, site.a[0].pk) == "r"
    # An offline visit sent late with an earlier time does not become the latest.
    record(site.proposal, site.a[0], site.canvasser_a, stance="support", visited_at=site.proposal.created_at)
    assert household_status(site.proposal, site.a[0].pk) == "r"


# --- Assignments ----------------------------------------------------------------------------------------------


def test_party_and_committee_members_may_volunteer(site):
    assert assignment_create(proposal=site.proposal, canvasser=site.party, entrance=site.entrance_b, by=site.committee)
    assert assignment_create(
        proposal=site.proposal, canvasser=site.committee, building=site.entrance_a.building, by=site.committee
    )
    assert Assignment.objects.filter(proposal=site.proposal).count() == 4


def test_assignment_refusals_write_nothing(site):
    before = Assignment.objects.count()
    outsider = UserFactory()
    other_community_member = RoleFactory(kind=Role.Kind.CANVASSER).user
    with pytest.raises(CanvassError, match="no role"):
        assignment_create(proposal=site.proposal, canvasser=outsider, entrance=site.entrance_b, by=site.committee)
    with pytest.raises(CanvassError, match="no role"):
        assignment_create(
            proposal=site.proposal, canvasser=other_community_member, entrance=site.entrance_b, by=site.committee
        )
    with pytest.raises(CanvassError, match="already assigned"):
        assignment_create(
            proposal=site.proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee
        )
    with pytest.raises(CanvassError, match="this community"):
        assignment_create(proposal=site.proposal, canvasser=site.party, building=BuildingFactory(), by=site.committee)
    with pytest.raises(CanvassError, match="one building or one entrance"):
        assignment_create(proposal=site.proposal, canvasser=site.party, by=site.committee)
    with pytest.raises(CanvassError, match="one building or one entrance"):
        assignment_create(
            proposal=site.proposal,
            canvasser=site.party,
            building=site.entrance_a.building,
            entrance=site.entrance_a,
            by=site.committee,
        )
    empty = BuildingFactory(community=site.community, name="9")
    with pytest.raises(CanvassError, match="scope"):
        assignment_create(proposal=site.proposal, canvasser=site.party, building=empty, by=site.committee)
    closed = make_proposal(site.community, site.committee, state=State.CLOSED)
    with pytest.raises(CanvassError, match="consultation or voting"):
        assignment_create(proposal=closed, canvasser=site.party, entrance=site.entrance_a, by=site.committee)
    assert Assignment.objects.count() == before


def test_removing_an_assignment_keeps_the_visits(site):
    record(site.proposal, site.a[0], site.canvasser_a)
    assignment = Assignment.objects.get(canvasser=site.canvasser_a)
    assignment_remove(assignment=assignment, by=site.committee)
    assert not Assignment.objects.filter(canvasser=site.canvasser_a).exists()
    assert Visit.objects.count() == 1
    with pytest.raises(PermissionDenied):
        record(site.proposal, site.a[1], site.canvasser_a)


# --- Demand tags ----------------------------------------------------------------------------------------------


def test_demand_tags_are_unique_trimmed_and_short(site):
    tag = demand_tag_create(community=site.community, name="  充电  桩 ", by=site.committee)
    assert tag.name == "充电 桩"
    for name, message in [("充电 桩", "exists already"), ("   ", "Enter a name"), ("长" * 21, "at most")]:
        with pytest.raises(CanvassError, match=message):
            demand_tag_create(community=site.community, name=name, by=site.committee)
    assert DemandTag.objects.count() == 1


def test_a_tag_in_use_cannot_be_removed(site):
    used = demand_tag_create(community=site.community, name="费用", by=site.committee)
    unused = demand_tag_create(community=site.community, name="噪音", by=site.committee)
    record(site.proposal, site.a[0], site.canvasser_a, tag_ids=[used.pk])
    with pytest.raises(CanvassError, match="used by 1 visits"):
        demand_tag_remove(tag=used, by=site.committee)
    demand_tag_remove(tag=unused, by=site.committee)
    assert list(DemandTag.objects.values_list("name", flat=True)) == ["费用"]
