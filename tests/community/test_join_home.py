"""The home page: a welcome for strangers; "my households" and my communities once logged in."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Role
from community.services import join_code_issue, join_code_redeem

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def test_a_stranger_gets_two_big_buttons(client):
    html = client.get(HOME).content.decode()
    assert f'class="button big" href="{reverse("join")}"' in html
    assert f'href="{reverse("account_login")}"' in html
    assert "输入加入码" in html and "登录" in html


def _bind(user, household):
    return join_code_redeem(code=join_code_issue(household=household, by=None).code, user=user)


def test_my_households_with_their_community(client_as, user, household_factory):
    one = household_factory(
        entrance__building__community__name="橡胶园小区", entrance__building__name="3", entrance__name="5", room="502"
    )
    two = household_factory(
        entrance__building__community__name="山水名城小区",
        entrance__building__name="12",
        entrance__name="1",
        room="1101",
    )
    household_factory(entrance__building__community__name="别人的小区")
    _bind(user, one)
    _bind(user, two)
    html = client_as(user).get(HOME).content.decode()
    assert "我的房屋" in html
    assert "橡胶园小区" in html and "3号楼5单元502" in html
    assert "山水名城小区" in html and "12号楼1单元1101" in html
    assert "别人的小区" not in html
    assert "绑定其他房屋" in html and reverse("join") in html


def test_no_household_yet_points_to_the_code(client_as, user):
    html = client_as(user).get(HOME).content.decode()
    assert "您还没有加入任何小区" in html
    assert reverse("join") in html


def test_roles_link_the_committee_pages_for_committee_and_secretary_only(
    client_as, user, community_factory, role_factory
):
    committee_of = community_factory(name="甲小区", slug="jia")
    secretary_of = community_factory(name="乙小区", slug="yi")
    canvasser_of = community_factory(name="丙小区", slug="bing")
    role_factory(user=user, community=committee_of, kind=Role.Kind.COMMITTEE)
    role_factory(user=user, community=secretary_of, kind=Role.Kind.SECRETARY)
    role_factory(user=user, community=canvasser_of, kind=Role.Kind.CANVASSER)
    html = client_as(user).get(HOME).content.decode()

    def link(slug):
        return f'href="{reverse("community_dashboard", args=[slug])}"'  # the committee pages start at the dashboard

    assert link("jia") in html
    assert link("yi") in html
    assert link("bing") not in html
    assert f'href="{reverse("proposal_list", args=["bing"])}"' in html
    assert "丙小区" in html


def test_the_committee_home_leads_with_its_community(client_as, user, community_factory, role_factory):
    role_factory(user=user, community=community_factory(slug="jia"), kind=Role.Kind.COMMITTEE)
    html = client_as(user).get(HOME).content.decode()
    dashboard = html.index(f'href="{reverse("community_dashboard", args=["jia"])}"')
    join = html.index(f'href="{reverse("join")}"')
    assert dashboard < join
    # The join code is still there, but as a secondary button: the committee's work is the first big button.
    assert re.search(r'class="button secondary big" href="' + re.escape(reverse("join")) + '"', html)


def test_constant_queries_whatever_the_number_of_households(
    client_as, user, household_factory, role_factory, django_assert_num_queries
):
    client = client_as(user)
    _bind(user, household_factory())
    role_factory(user=user)
    with CaptureQueriesContext(connection) as one:
        client.get(HOME)
    for _n in range(10):
        _bind(user, household_factory())
        role_factory(user=user)
    with django_assert_num_queries(len(one)):
        response = client.get(HOME)
    assert response.content.decode().count('class="household-name"') == 11
