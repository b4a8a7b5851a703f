"""The committee's register: every household of the electorate with its ballot, filters and their totals,
full or masked phones, the XLSX export, and a constant number of queries at any size."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Role
from tests.factories import EntranceFactory, HouseholdFactory, RoleFactory, build_community
from tests.voting.conftest import open_proposal, scan
from voting.models import Channel
from voting.paper_services import paper_ballot_record
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(community, stairwell, committee_user, secretary_user, residents):
    """14 households: 3-5 (12 of 100 m²) and 4-1 (2 of 50.25 m²); four ballots of every channel."""
    entrance = EntranceFactory(building__community=community, building__name="4", name="1")
    extra = [HouseholdFactory(entrance=entrance, room=f"10{i}", floor=1, area=Decimal("50.25")) for i in (1, 2)]
    proposal = open_proposal(community, committee_user)
    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.ONLINE, by=residents[0])
    paper_ballot_record(
        proposal=proposal,
        household=stairwell[1],
        choice="disagree",
        channel=Channel.PAPER,
        by=secretary_user,
        evidence=scan(),
    )
    paper_ballot_record(
        proposal=proposal,
        household=stairwell[2],
        choice="abstain",
        channel=Channel.PROXY,
        by=secretary_user,
        proxy_name="李受托",
        evidence=scan(),
    )
    paper_ballot_record(
        proposal=proposal, household=extra[0], choice="agree", channel=Channel.PAPER, by=secretary_user, evidence=scan()
    )
    return proposal, stairwell, extra, entrance


def _get(client, proposal, **params):
    return client.get(reverse("register", args=[proposal.pk]), params)


def test_every_household_with_its_status(setup, client_as, committee_user, secretary_user):
    proposal, stairwell, extra, _entrance = setup
    response = _get(client_as(committee_user), proposal)
    assert response.status_code == 200
    rows = list(response.context["rows"])
    assert len(rows) == 14
    # Roster order: building 3 before 4, top floor first.
    assert [row.label for row in rows[:2]] == ["3-5-601", "3-5-602"]
    assert rows[-1].label == "4-1-102"
    html = response.content.decode()
    for household in [*stairwell, *extra]:
        assert household.code in html
    paper = next(row for row in rows if row.household_id == stairwell[1].pk)
    assert (paper.ballot.choice, paper.ballot.channel, paper.ballot.recorded_by) == (
        "disagree",
        "paper",
        secretary_user,
    )
    assert reverse("ballot_evidence", args=[proposal.pk, paper.ballot.pk]) in html
    assert "李受托" in html
    assert str(secretary_user) in html


@pytest.mark.parametrize(
    ("params", "households", "area"),
    [
        ({}, 14, "1300.50"),
        ({"building": "B4"}, 2, "100.50"),
        ({"entrance": "E35"}, 12, "1200.00"),
        ({"channel": "paper"}, 2, "150.25"),
        ({"channel": "proxy"}, 1, "100.00"),
        ({"channel": "online"}, 1, "100.00"),
        ({"status": "none"}, 10, "950.25"),
        ({"status": "voted"}, 4, "350.25"),
        ({"status": "agree"}, 2, "150.25"),
        ({"status": "agree", "building": "B3"}, 1, "100.00"),
        ({"status": "none", "building": "B4"}, 1, "50.25"),
        # Values that are not understood are left out, not an error.
        ({"status": "maybe", "channel": "pigeon", "building": "x"}, 14, "1300.50"),
    ],
)
def test_filters_and_their_totals(setup, client_as, committee_user, params, households, area):
    proposal, stairwell, _extra, entrance = setup
    ids = {"B4": entrance.building_id, "B3": stairwell[0].entrance.building_id, "E35": stairwell[0].entrance_id}
    params = {key: ids.get(value, value) for key, value in params.items()}
    response = _get(client_as(committee_user), proposal, **params)
    totals = response.context["totals"]
    assert totals.electorate.households == households
    assert totals.electorate.heads == households  # every household has its own owner here
    assert totals.electorate.area == Decimal(area)
    assert len(response.context["rows"]) == households
    assert totals.voted.households + totals.not_voted.households == households


def test_totals_by_choice(setup, client_as, committee_user):
    proposal, *_ = setup
    totals = _get(client_as(committee_user), proposal).context["totals"]
    assert (totals.agree.households, totals.disagree.households, totals.abstain.households) == (2, 1, 1)
    assert totals.agree.area == Decimal("150.25")
    assert (totals.voted.households, totals.voted.heads, totals.not_voted.households) == (4, 4, 10)


def test_one_owner_of_several_flats_is_one_head(community, stairwell, same_owner, committee_user, client_as):
    proposal = open_proposal(community, committee_user)
    response = _get(client_as(committee_user), proposal)
    totals = response.context["totals"]
    assert (totals.electorate.households, totals.electorate.heads) == (12, 11)
    row = next(r for r in response.context["rows"] if r.household_id == stairwell[0].pk)
    assert row.head_flats == 2


def test_full_phones_for_the_committee_masked_for_the_secretary(setup, client_as, committee_user, secretary_user):
    proposal, stairwell, *_ = setup
    phone = stairwell[0].owner.phone
    masked = f"{phone[:3]}****{phone[-4:]}"
    committee_html = _get(client_as(committee_user), proposal).content.decode()
    assert phone in committee_html
    secretary_html = _get(client_as(secretary_user), proposal).content.decode()
    assert phone not in secretary_html
    assert masked in secretary_html


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_xlsx_export_has_the_filtered_rows(setup, client_as, committee_user, secretary_user):
    proposal, stairwell, _extra, _entrance = setup
    params = {"format": "xlsx", "entrance": stairwell[0].entrance_id}
    sheet = _workbook(_get(client_as(committee_user), proposal, **params)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("房屋", "业主", "手机号", "建筑面积（㎡）", "该业主户数", "状态", "表决意见", "方式")
    assert len(rows) == 1 + 12
    by_label = {row[0]: row for row in rows[1:]}
    assert "4-1-101" not in by_label
    paper = by_label[stairwell[1].code]
    assert paper[1] == stairwell[1].owner.name
    assert paper[2] == stairwell[1].owner.phone
    assert paper[3] == 100 and isinstance(paper[3], (int, float))
    assert paper[5:10] == ("已表决", "不同意", str(Channel.PAPER.label), None, str(secretary_user))
    assert paper[11] == "有"
    proxy = by_label[stairwell[2].code]
    assert (proxy[6], proxy[8]) == ("弃权", "李受托")
    assert by_label[stairwell[5].code][5:7] == ("未表决", None)
    area_cell = sheet.cell(row=2, column=4)
    assert area_cell.number_format == "0.00"


def test_xlsx_export_masks_phones_for_the_secretary(setup, client_as, secretary_user):
    proposal, stairwell, *_ = setup
    sheet = _workbook(_get(client_as(secretary_user), proposal, format="xlsx")).worksheets[0]
    phones = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    phone = stairwell[0].owner.phone
    assert phones[stairwell[0].code] == f"{phone[:3]}****{phone[-4:]}"


def test_xlsx_export_filtered_by_status(setup, client_as, committee_user):
    proposal, *_ = setup
    sheet = _workbook(_get(client_as(committee_user), proposal, format="xlsx", status="agree")).worksheets[0]
    labels = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert labels == ["3-5-101", "4-1-101"]


def test_xlsx_export_writes_names_as_text_never_as_formulas(setup, client_as, committee_user):
    proposal, stairwell, *_ = setup
    owner = stairwell[0].owner
    owner.name = '=HYPERLINK("http://example.com","点我")'
    owner.save()
    sheet = _workbook(_get(client_as(committee_user), proposal, format="xlsx")).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == stairwell[0].code)
    assert (row[1].value, row[1].data_type) == (owner.name, "s")


def _queries(client, proposal, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = _get(client, proposal, **params)
        if params.get("format") == "xlsx":
            _workbook(response)
    assert response.status_code == 200
    return len(context.captured_queries)


def _community_with_ballots(community, committee, secretary):
    proposal = open_proposal(community, committee)
    electors = list(proposal.electors.select_related("household")[:6])
    for index, elector in enumerate(electors):
        paper_ballot_record(
            proposal=proposal,
            household=elector.household,
            choice=("agree", "disagree", "abstain")[index % 3],
            channel=(Channel.PAPER, Channel.PROXY)[index % 2],
            proxy_name="代理人" if index % 2 else "",
            by=secretary,
            evidence=scan(),
        )
    return proposal


@pytest.mark.slow
def test_queries_constant_at_14_and_3000_households(client_as):
    counts = []
    for size in ("small", "large"):
        if size == "small":
            community = build_community(buildings=1, entrances=1, floors=7, rooms_per_floor=2)
        else:
            community = build_community(buildings=10, entrances=3, floors=10, rooms_per_floor=10)
        committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
        secretary = RoleFactory(community=community, kind=Role.Kind.SECRETARY).user
        proposal = _community_with_ballots(community, committee, secretary)
        assert proposal.electorate_households == (14 if size == "small" else 3000)
        client = client_as(committee)
        counts.append(
            (
                _queries(client, proposal),
                _queries(client, proposal, page="2"),
                _queries(
                    client,
                    proposal,
                    status="voted",
                    building=str(proposal.electors.first().household.entrance.building_id),
                ),
                _queries(client, proposal, format="xlsx"),
                _queries(client_as(secretary), proposal, format="xlsx", channel="paper"),
            )
        )
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 12, counts
