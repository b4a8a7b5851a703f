"""Fixtures for opinions and negotiation meetings: proposals of the `actors` community in any state, photos."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consult.meetings import PartyInput, meeting_create
from consult.models import PartyKind, Position
from consult.opinions import opinion_post
from proposals.models import Category, Scope, State
from tests.factories import EntranceFactory, HouseholdFactory, proposal_in_state

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_proposal(community, by, state: str = State.CONSULTATION, **kwargs):
    """A proposal of `community` moved through the lead's services to `state`."""
    fields = {"title": "建设电动车充电车棚", "summary": "在5号楼北侧建设充电车棚", "category": Category.OTHER} | kwargs
    return proposal_in_state(community, by, state, **fields)


@pytest.fixture
def committee(actors):
    return actors.users["committee"]


@pytest.fixture
def resident(actors):
    """The user bound to actors.household_obj (in the scope of `consulting`)."""
    return actors.users["household"]


@pytest.fixture
def consulting(actors, committee):
    """A whole-community proposal in consultation: the actors' household is in its scope."""
    return make_proposal(actors.community, committee)


@pytest.fixture
def elsewhere(actors, committee):
    """A proposal in consultation whose scope is another entrance of the same community (not the actors')."""
    entrance = EntranceFactory(building__community=actors.community, building__name="9", name="1")
    HouseholdFactory(entrance=entrance, room="101")
    return make_proposal(actors.community, committee, scope=Scope.ENTRANCES, entrances=[entrance])


@pytest.fixture
def opinion(consulting, actors, resident):
    return opinion_post(proposal=consulting, household=actors.household_obj, by=resident, text="车棚请离窗户远一点")


@pytest.fixture
def photo_opinion(consulting, actors, resident):
    return opinion_post(
        proposal=consulting, household=actors.household_obj, by=resident, text="现场照片", photo=upload("a.png", PNG)
    )


def party(kind=PartyKind.PROPERTY, name="绿城物业", position=Position.SUPPORT, conditions="") -> PartyInput:
    return PartyInput(kind=kind, name=name, position=position, conditions=conditions)


@pytest.fixture
def meeting(consulting, committee):
    return meeting_create(
        proposal=consulting,
        by=committee,
        held_at=timezone.now() - timedelta(days=1),
        place="社区党群服务中心",
        minutes="六方讨论车棚选址",
        decisions="选址5号楼北侧",
        parties=[party(), party(PartyKind.OWNERS, "业主代表", Position.CONDITIONAL, "夜间不得施工")],
    )
