"""Join slips tell the owner whom to ask: the canvasser of their entrance (from the assignments of a proposal being
canvassed), else a committee member, with a phone; the instructions are printed at 11 pt at least."""

import pytest

from community.models import Household, Role
from consult.services import assignment_create
from documents.builders import render_slips
from documents.selectors import SlipScope
from proposals.models import State
from tests.consult.canvass.conftest import make_proposal
from tests.documents.conftest import pdf_reader, pdf_text
from tests.factories import EntranceFactory, HouseholdFactory, JoinCodeFactory, RoleFactory

pytestmark = pytest.mark.django_db


def slips_pdf(client_as, user, community, **query) -> bytes:
    from urllib.parse import urlencode

    response = client_as(user).post(f"/c/{community.slug}/documents/slips.pdf?{urlencode(query)}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def flat(pdf: bytes) -> str:
    return pdf_text(pdf).replace("\n", "").replace(" ", "")


def sizes(pdf: bytes) -> dict[str, float]:
    """{text run: its printed size in pt} on the first page: the font size through the text and page matrices."""
    found: dict[str, float] = {}

    def visit(text, cm, tm, _font, size):
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            found.setdefault(text.strip(), round(size * scale, 1))

    pdf_reader(pdf).pages[0].extract_text(visitor_text=visit)
    return found


@pytest.fixture
def entrance(community):
    """3号楼5单元: 6 floors × 2 flats."""
    entrance = EntranceFactory(building__community=community, building__name="3", name="5")
    for floor in range(1, 7):
        for room in (1, 2):
            HouseholdFactory(entrance=entrance, room=f"{floor}0{room}", floor=floor)
    return entrance


@pytest.fixture
def committee_user(community):
    return RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user


@pytest.fixture
def secretary_user(community):
    return RoleFactory(community=community, kind=Role.Kind.SECRETARY).user


@pytest.fixture
def gao(community):
    return RoleFactory(
        community=community, kind=Role.Kind.CANVASSER, user__display_name="高桂兰", user__phone="13600000012"
    ).user


def test_the_slips_name_the_canvasser_of_the_entrance(
    client_as, community, entrance, secretary_user, committee_user, gao
):
    proposal = make_proposal(community, committee_user)
    assignment_create(proposal=proposal, canvasser=gao, entrance=entrance, by=committee_user)
    text = flat(slips_pdf(client_as, secretary_user, community, entrance=entrance.pk))
    assert text.count("不会用？请联系楼栋长高桂兰13600000012") == 12


def test_a_building_assignment_counts_and_an_entrance_without_one_gets_the_committee(
    client_as,
    community,
    entrance,
    secretary_user,
    committee_user,
    gao,
):
    committee_user.display_name, committee_user.phone = "李主任", "13600000001"
    committee_user.save()
    other = EntranceFactory(building__community=community, building__name="4", name="1")
    HouseholdFactory(entrance=other, room="101", floor=1)
    proposal = make_proposal(community, committee_user, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=gao, building=entrance.building, by=committee_user)
    for household in Household.objects.of(community):
        JoinCodeFactory(household=household)
    # The whole community is a background job over HTTP; its builder, called here, is what the job runs.
    text = flat(render_slips(SlipScope(community=community), base_url="http://testserver", place="全小区"))
    assert text.count("不会用？请联系楼栋长高桂兰13600000012") == 12
    assert text.count("不会用？请联系业委会李主任13600000001") == 1  # 4号楼1单元101


def test_only_proposals_being_canvassed_count_and_without_any_phone_the_committee_is_named(
    client_as,
    community,
    entrance,
    secretary_user,
    committee_user,
    gao,
):
    from consult.models import Assignment

    closed = make_proposal(community, committee_user, state=State.CLOSED)
    Assignment.objects.create(proposal=closed, canvasser=gao, entrance=entrance, assigned_by=committee_user)
    committee_user.phone = None
    committee_user.save()
    text = flat(slips_pdf(client_as, secretary_user, community, entrance=entrance.pk))
    assert "高桂兰" not in text
    assert text.count("不会用？请联系业主委员会。") == 12


def test_the_instructions_and_the_helpline_are_printed_at_11_pt_at_least(
    client_as,
    community,
    entrance,
    secretary_user,
    committee_user,
    gao,
):
    proposal = make_proposal(community, committee_user)
    assignment_create(proposal=proposal, canvasser=gao, entrance=entrance, by=committee_user)
    for household in entrance.households.all():
        JoinCodeFactory(household=household)
    found = sizes(slips_pdf(client_as, secretary_user, community, entrance=entrance.pk))
    place = next(size for text, size in found.items() if text.startswith("3号楼5单元"))
    assert place == pytest.approx(15, abs=0.2)  # the measure is right: the flat is printed at 15 pt
    hint = [size for text, size in found.items() if "扫码" in text or "不会用" in text or "有效期" in text]
    assert hint and min(hint) >= 11, found
