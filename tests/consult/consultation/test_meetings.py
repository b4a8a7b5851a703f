"""Negotiation meetings: recording and editing them, conditions for conditional support, current party positions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consult.meetings import meeting_create, meeting_update, party_positions
from consult.models import Meeting, MeetingParty, PartyKind, Position
from proposals.models import State
from tests.consult.consultation.conftest import make_proposal, party
from tests.consult.consultation.test_permissions import meeting_data

pytestmark = pytest.mark.django_db

SIX_KINDS = ["社区党组织", "社区居委会", "业主", "物业公司", "职能部门", "其他社会单位"]


def record(proposal, by, days_ago: int, *parties):
    return meeting_create(
        proposal=proposal,
        by=by,
        held_at=timezone.now() - timedelta(days=days_ago),
        place="社区会议室",
        parties=list(parties),
    )


def test_party_positions_take_each_partys_latest_meeting(consulting, committee, django_assert_num_queries):
    # Recorded out of order on purpose: "latest" is by the meeting's date, not by when it was entered.
    record(
        consulting,
        committee,
        3,
        party(PartyKind.PROPERTY, "绿城物业", Position.OPPOSE),
        party(PartyKind.DEPARTMENT, "区城管委", Position.CONDITIONAL, "符合消防要求"),
        party(PartyKind.OWNERS, "业主代表", Position.CONDITIONAL, "费用不超过每户200元"),
    )
    record(
        consulting,
        committee,
        1,
        party(PartyKind.PROPERTY, "绿城物业", Position.SUPPORT),
        party(PartyKind.OWNERS, "业主代表", Position.CONDITIONAL, "费用不超过每户150元"),
        party(PartyKind.PARTY, "社区党委", Position.SUPPORT),
    )
    record(consulting, committee, 7, party(PartyKind.PROPERTY, "绿城物业", Position.SUPPORT))
    other = make_proposal(consulting.community, committee, title="别的议题")
    record(other, committee, 0, party(PartyKind.PROPERTY, "绿城物业", Position.OPPOSE))

    with django_assert_num_queries(1):
        positions = party_positions(consulting)
    assert [(p.kind, p.name, p.position, p.conditions) for p in positions] == [
        (PartyKind.PARTY, "社区党委", Position.SUPPORT, ""),
        (PartyKind.OWNERS, "业主代表", Position.CONDITIONAL, "费用不超过每户150元"),
        (PartyKind.PROPERTY, "绿城物业", Position.SUPPORT, ""),
        (PartyKind.DEPARTMENT, "区城管委", Position.CONDITIONAL, "符合消防要求"),  # only at the older meeting
    ]
    assert positions[0].kind_label == "社区党组织" and positions[2].position_label == "支持"


def test_no_meeting_no_positions(consulting):
    assert party_positions(consulting) == []


@pytest.mark.parametrize("conditions", ["", "   "])
def test_conditional_support_needs_its_conditions(consulting, committee, conditions):
    with pytest.raises(ValidationError, match="请写明条件"):
        record(consulting, committee, 0, party(PartyKind.OWNERS, "业主代表", Position.CONDITIONAL, conditions))
    assert not Meeting.objects.exists()


def test_conditions_belong_to_conditional_support_only(consulting, committee):
    with pytest.raises(ValidationError):
        record(consulting, committee, 0, party(PartyKind.OWNERS, "业主代表", Position.OPPOSE, "除非免费"))
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "parties",
    [[], [party(), party()], [party(name="  ")]],
    ids=["nobody", "twice", "no-name"],
)
def test_a_meeting_needs_its_parties_once_each(consulting, committee, parties):
    with pytest.raises(ValidationError):
        record(consulting, committee, 0, *parties)
    assert not Meeting.objects.exists()


def test_the_form_refuses_conditional_support_without_conditions(actors, client_as, consulting, committee):
    data = meeting_data(**{"parties-1-position": Position.CONDITIONAL, "parties-1-conditions": ""})
    response = client_as(committee).post(reverse("meeting_new", args=[consulting.pk]), data)
    assert response.status_code == 200
    assert "绿城物业是有条件支持，请写明条件" in response.content.decode()
    assert not Meeting.objects.exists() and not MeetingParty.objects.exists()


def test_the_new_meeting_page_offers_a_row_per_kind_and_skips_blank_rows(actors, client_as, consulting):
    client = client_as(actors.users["secretary"])
    html = client.get(reverse("meeting_new", args=[consulting.pk])).content.decode()
    for label in [*SIX_KINDS, "支持", "反对", "有条件支持"]:
        assert label in html
    # As the browser sends the prefilled page: six kind rows + two spares, two of them filled in.
    data = meeting_data(**{"parties-TOTAL_FORMS": "8", "parties-INITIAL_FORMS": "8"})
    for index in range(2, 8):
        data[f"parties-{index}-kind"] = PartyKind.values[index % 6]
    response = client.post(reverse("meeting_new", args=[consulting.pk]), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "meeting_detail", args=[consulting.pk, meeting.pk]
    )
    assert sorted(meeting.parties.values_list("name", flat=True)) == ["社区党委", "绿城物业"]
    assert timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M") == "2024-05-06 19:30"
    assert meeting.created_by == actors.users["secretary"]


def test_editing_replaces_the_parties(consulting, committee, meeting):
    meeting_update(
        meeting=meeting,
        by=committee,
        held_at=meeting.held_at,
        place="业委会办公室",
        minutes="补充",
        decisions="",
        parties=[party(PartyKind.PROPERTY, "绿城物业", Position.OPPOSE)],
    )
    meeting.refresh_from_db()
    assert meeting.place == "业委会办公室"
    assert [(p.name, p.position) for p in meeting.parties.all()] == [("绿城物业", Position.OPPOSE)]
    assert [p.position for p in party_positions(consulting)] == [Position.OPPOSE]


def test_the_edit_page_shows_the_record(actors, client_as, consulting, meeting, committee):
    html = client_as(committee).get(reverse("meeting_detail", args=[consulting.pk, meeting.pk]), {"edit": "1"})
    html = html.content.decode()
    assert "社区党群服务中心" in html and "夜间不得施工" in html and 'value="业主代表"' in html


@pytest.mark.parametrize("state", [State.CLOSED, State.PUBLISHED, State.WITHDRAWN])
def test_the_record_is_final_once_voting_has_closed(actors, client_as, committee, state):
    proposal = make_proposal(actors.community, committee, state=state)
    response = client_as(committee).post(reverse("meeting_new", args=[proposal.pk]), meeting_data())
    assert response.status_code == 200
    assert "协商会议记录不能再修改" in response.content.decode()
    assert not Meeting.objects.exists()
    with pytest.raises(ValidationError, match="不能再记录或修改协商会议"):
        record(proposal, committee, 0, party())
    assert not Meeting.objects.exists()


def test_meetings_can_be_recorded_in_draft_and_during_voting(actors, committee):
    for state in (State.DRAFT, State.VOTING):
        proposal = make_proposal(actors.community, committee, state=state)
        record(proposal, committee, 0, party())
    assert Meeting.objects.count() == 2


def test_the_meetings_page_shows_positions_and_escapes_everything(actors, client_as, consulting, committee):
    record(consulting, committee, 0, party(PartyKind.OTHER_UNIT, "<script>alert(1)</script>", Position.SUPPORT))
    html = client_as(actors.users["household"]).get(reverse("meetings", args=[consulting.pk])).content.decode()
    assert "各方立场" in html and "其他社会单位" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editing_is_refused_once_voting_has_closed(consulting, committee, meeting):
    from lifecycle.services import proposal_close, proposal_open_voting

    proposal_open_voting(proposal=consulting, by=committee, closes_at=timezone.now() + timedelta(days=1))
    proposal_close(proposal=consulting, by=committee)
    with pytest.raises(ValidationError):
        meeting_update(meeting=meeting, by=committee, held_at=meeting.held_at, place="改", parties=[party()])
    meeting.refresh_from_db()
    assert meeting.place == "社区党群服务中心" and meeting.parties.count() == 2
