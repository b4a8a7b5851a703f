"""The proposal page's partials (latest opinions, parties' positions) and constant query counts at 14 and 3,000
households for them and for the opinions page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Household, Role
from consult.opinions import opinion_hide, opinion_post, opinion_reply
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.consult.consultation.conftest import PNG, party, upload
from tests.consult.consultation.test_meetings import record
from tests.factories import HouseholdBindingFactory, RoleFactory, build_community

pytestmark = pytest.mark.django_db

PAGE = Template("{% load consultation_tags %}{% proposal_opinions proposal user %}{% proposal_positions proposal %}")


def render(proposal, user) -> str:
    return PAGE.render(Context({"proposal": proposal, "user": user}))


# --- What the partials show -----------------------------------------------------------------------------------


def test_latest_three_opinions_a_link_to_all_and_the_button(actors, consulting, resident, committee):
    for n in range(5):
        opinion_post(proposal=consulting, household=actors.household_obj, by=resident, text=f"第{n}条意见")
    html = render(consulting, resident)
    assert [f"第{n}条意见" in html for n in range(5)] == [False, False, True, True, True]
    assert html.index("第4条意见") < html.index("第2条意见")
    assert "查看全部 5 条意见" in html and reverse("opinions", args=[consulting.pk]) in html
    assert "发表意见" in html and f"{reverse('opinions', args=[consulting.pk])}#new" in html
    assert "发表意见</a>" not in render(consulting, committee)  # no household: no button
    assert f"{actors.household_obj.entrance}住户" in html and actors.household_obj.room not in html


def test_no_button_outside_the_scope_or_outside_consultation(actors, consulting, elsewhere, resident, committee):
    assert f"{reverse('opinions', args=[elsewhere.pk])}#new" not in render(elsewhere, resident)
    from lifecycle.services import proposal_open_voting

    assert "#new" in render(consulting, resident)
    voting = proposal_open_voting(proposal=consulting, by=committee, closes_at=timezone.now() + timedelta(days=3))
    assert "#new" not in render(voting, resident)


def test_hidden_opinions_are_masked_in_the_partial_too(consulting, opinion, committee, resident):
    opinion_hide(opinion=opinion, by=committee, reason="广告")
    for viewer in (resident, committee):
        html = render(consulting, viewer)
        assert "该意见已被业委会隐藏（原因：广告）" in html and "车棚请离窗户远一点" not in html


def test_nothing_for_those_who_may_not_read(actors, consulting, opinion):
    for viewer in (actors.users["other_household"], actors.users["other_committee"], AnonymousUser()):
        assert "车棚请离窗户远一点" not in render(consulting, viewer)
        assert "居民意见" not in render(consulting, viewer)


def test_positions_table(consulting, committee, resident, meeting):
    html = render(consulting, resident)
    assert "各方立场" in html
    assert "物业公司" in html and "绿城物业" in html and "支持" in html
    assert "有条件支持" in html and "夜间不得施工" in html
    assert reverse("meeting_detail", args=[consulting.pk, meeting.pk]) in html


def test_no_positions_before_the_first_meeting(consulting, resident):
    assert "各方立场" not in render(consulting, resident)


# --- Constant query counts ------------------------------------------------------------------------------------


def consultation_over(households: int, opinions: int):
    """A community of `households` (build_community), a whole-community proposal in consultation, `opinions`
    opinions (some with photos, hidden or replied to), two meetings, a resident and a committee member."""
    shapes = {14: {"buildings": 1, "entrances": 1, "floors": 7, "rooms_per_floor": 2},
              3000: {"buildings": 5, "entrances": 4, "floors": 10, "rooms_per_floor": 15}}  # fmt: skip
    community = build_community(**shapes[households])
    assert Household.objects.of(community).count() == households
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    proposal = proposal_create(
        community=community, by=committee, title="建设电动车充电车棚", summary="北侧车棚", category=Category.OTHER
    )
    proposal = proposal_start_consultation(proposal=proposal, by=committee)
    flats = list(Household.objects.of(community).order_by("pk")[:opinions])
    for index, flat in enumerate(flats):
        author = HouseholdBindingFactory(household=flat).user
        photo = upload("p.png", PNG) if index % 3 == 0 else None
        opinion = opinion_post(proposal=proposal, household=flat, by=author, text=f"意见{index}", photo=photo)
        if index % 4 == 1:
            opinion_hide(opinion=opinion, by=committee, reason="跑题")
        if index % 2 == 0:
            opinion_reply(opinion=opinion, by=committee, text="收到")
    record(proposal, committee, 2, party(), party(name="另一家物业", position="oppose"))
    record(proposal, committee, 1, party(position="conditional", conditions="夜间不施工"))
    resident = author  # bound to a household in scope
    # Two households bound to the same resident: the form offers a choice.
    HouseholdBindingFactory(user=resident, household=flats[0])
    return proposal, resident, committee


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def measure(proposal, resident, committee, client_as) -> dict:
    counts = {}
    for name, user in (("resident", resident), ("committee", committee)):
        client = client_as(user)
        url = reverse("opinions", args=[proposal.pk])
        counts[f"page-{name}"] = count_queries(lambda c=client, u=url: c.get(u))
        counts[f"page2-{name}"] = count_queries(lambda c=client, u=url: c.get(u, {"page": "2"}))
        fresh = User.objects.get(pk=user.pk)  # role caches live on the user object
        counts[f"partials-{name}"] = count_queries(lambda f=fresh: render(proposal, f))
    return counts


@pytest.mark.slow
def test_query_counts_do_not_grow_with_the_community(client_as):
    small = measure(*consultation_over(14, opinions=6), client_as=client_as)
    large = measure(*consultation_over(3000, opinions=45), client_as=client_as)
    assert small == large
    assert max(small.values()) <= 12
    assert small["partials-resident"] <= 6
