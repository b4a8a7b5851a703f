"""Fixtures for the resolution: the voting fixtures (a 12-household stairwell of 3号楼5单元), a closed proposal with
ballots through every channel, a proposal with a cost plan, helpers to read PDFs and to tamper with a ballot."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from community.models import Role
from consult.meetings import PartyInput, meeting_create
from costs.models import CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add, subsidy_add
from lifecycle.services import proposal_close, proposal_open_voting
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.documents.conftest import pdf_reader, pdf_text  # noqa: F401 - shared PDF helpers
from tests.factories import RoleFactory
from tests.voting.conftest import (  # noqa: F401 - fixtures and helpers shared with the voting tests
    committee_user,
    open_proposal,
    residents,
    scan,
    secretary_user,
    stairwell,
)
from voting.models import Ballot, Channel, Choice
from voting.services import ballot_cast

PASSWORD = "correct-horse-battery"  # tests/factories.py gives every user this password
ROLES = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    settings.DOCUMENT_WORKERS = 1


@pytest.fixture
def second_member(community):
    return RoleFactory(community=community, kind=Role.Kind.COMMITTEE, user__display_name="李委员").user


def cast(proposal, household, choice, channel=Channel.ONLINE, by=None):
    extra = {}
    if channel == Channel.PAPER:
        extra = {"evidence": scan()}
    elif channel == Channel.PROXY:
        extra = {"evidence": scan(), "proxy_name": "张代理"}
    return ballot_cast(proposal=proposal, household=household, choice=choice, channel=channel, by=by, **extra)


def vote_stairwell(proposal, households, by):
    """9 agree online, 1 disagrees on paper, 1 abstains by proxy, 1 does not vote."""
    for household in households[:9]:
        cast(proposal, household, Choice.AGREE, by=by)
    cast(proposal, households[9], Choice.DISAGREE, Channel.PAPER, by=by)
    cast(proposal, households[10], Choice.ABSTAIN, Channel.PROXY, by=by)


def with_plan_and_meeting(community, by, **fields):
    """A proposal in consultation with a cost plan (by area) and a negotiation meeting, then opened for voting."""
    proposal = proposal_create(
        community=community,
        by=by,
        title=fields.pop("title", "更换单元门"),
        summary="更换3号楼5单元的单元门",
        body="## 方案\n\n更换为**防盗**单元门。<script>alert(1)</script>",
        category=fields.pop("category", Category.OTHER),
        **fields,
    )
    proposal_start_consultation(proposal=proposal, by=by)
    cost_plan_create(proposal=proposal, by=by, method=CostMethod.AREA, sharers=Sharers.SCOPE)
    line_item_add(proposal=proposal, description="单元门及安装", amount="12000.00", supplier="某门业公司")
    subsidy_add(proposal=proposal, source="government", amount="2000.00", name="街道补贴")
    meeting_create(
        proposal=proposal,
        by=by,
        held_at=timezone.now() - timedelta(days=1),
        place="社区会议室",
        parties=[
            PartyInput(kind="property", name="某物业公司", position="support"),
            PartyInput(kind="residents_committee", name="某居委会", position="conditional", conditions="夜间不施工"),
        ],
    )
    return proposal_open_voting(proposal=proposal, by=by, closes_at=timezone.now() + timedelta(days=7))


@pytest.fixture
def voting(stairwell, community, committee_user):  # noqa: F811
    """Open for voting, with a cost plan and the parties' positions, ballots cast as vote_stairwell says."""
    proposal = with_plan_and_meeting(community, committee_user)
    vote_stairwell(proposal, stairwell, committee_user)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def closed(voting, committee_user):  # noqa: F811
    return proposal_close(proposal=voting, by=committee_user)


@pytest.fixture
def here(actors):
    """A closed proposal over the `actors` community (its one household voted), for the permission matrices."""
    committee = actors.users["committee"]
    proposal = open_proposal(actors.community, committee)
    cast(proposal, actors.household_obj, Choice.AGREE, by=committee)
    return proposal_close(proposal=proposal, by=committee)


def tamper(ballot: Ballot, choice: str) -> None:
    """Change a ballot behind the platform's back: raw SQL, no audit event, no tally push."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Ballot._meta.db_table} SET choice = %s WHERE id = %s", [choice, ballot.pk])
