"""The resolution page (sign, print, notices) and the panel on the proposal page."""

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.test import RequestFactory

from resolutions.services import resolution_sign, result_notice_publish
from tests.resolutions.conftest import PASSWORD, ROLES
from tests.resolutions.test_notices import end_window

pytestmark = pytest.mark.django_db


def html_of(client, proposal) -> str:
    response = client.get(f"/proposals/{proposal.pk}/resolution/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_committee_sees_the_draft_the_sign_form_and_the_notice_form(client_as, closed, committee_user):
    html = html_of(client_as(committee_user), closed)
    assert "草稿（未签署）" in html and "打印决议（PDF）" in html
    assert f'action="/proposals/{closed.pk}/resolution/sign/"' in html
    assert 'type="password"' in html and 'autocomplete="current-password"' in html
    assert "您将以业主委员会委员身份签署" in html and 'name="role"' not in html  # the capacity from the role
    assert "发布表决结果公示" in html and 'value="7"' in html
    assert "分户表决明细附件（PDF）" in html


def test_after_signing(client_as, closed, committee_user, second_member):
    signature = resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    html = html_of(client_as(committee_user), closed)
    assert "您已签署本决议。" in html and 'type="password"' not in html
    assert signature.resolution.fingerprint in html and "已有 1 位委员签署" in html
    assert f"/verify/{signature.resolution.fingerprint}" in html
    other = html_of(client_as(second_member), closed)
    assert 'type="password"' in other  # the second member may still sign


def test_a_household_reads_but_neither_signs_nor_publishes(client_as, closed, residents):
    html = html_of(client_as(residents[0]), closed)
    assert "打印决议（PDF）" in html
    assert 'type="password"' not in html and "发布表决结果公示" not in html and "分户表决明细附件" not in html


def test_the_notices_as_they_progress(client_as, closed, committee_user):
    client = client_as(committee_user)
    preliminary = result_notice_publish(proposal=closed, by=committee_user, stage="preliminary", objection_days=5)
    html = html_of(client, closed)
    assert "公示期 5 天" in html and f"/notices/{preliminary.pk}.pdf" in html
    assert "公示期结束" in html and "后才能发布结果公告" in html and 'name="stage" value="final"' not in html
    end_window(preliminary)
    html = html_of(client, closed)
    assert "发布表决结果公告" in html and "议题将转为“已公示”" in html and 'name="stage" value="final"' in html
    final = result_notice_publish(proposal=closed, by=committee_user, stage="final")
    html = html_of(client, closed)
    assert f"/notices/{final.pk}.pdf" in html and "发布表决结果公告" not in html


def test_no_page_while_voting(client_as, voting, committee_user):
    response = client_as(committee_user).get(f"/proposals/{voting.pk}/resolution/")
    assert response.status_code == 409


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_page(client_as, actors, here, role):
    response = client_as(actors.users[role]).get(f"/proposals/{here.pk}/resolution/")
    if role in {"household", "canvasser", "secretary", "committee"}:
        assert response.status_code == 200
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)


def render_panel(proposal, user) -> str:
    request = RequestFactory().get(f"/proposals/{proposal.pk}/")
    request.user = user
    context = {"proposal": proposal, "user": user, "perms": PermWrapper(user)}
    return render_to_string("resolutions/_resolution_panel.html", context, request=request)


def test_the_panel_in_one_query(closed, committee_user, second_member, django_assert_num_queries):
    with django_assert_num_queries(1):
        html = render_panel(closed, committee_user)
    assert "草稿（未签署）" in html and f"/proposals/{closed.pk}/resolution/" in html
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    preliminary = result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")
    with django_assert_num_queries(1):
        html = render_panel(closed, committee_user)
    assert "已有 2 位委员签署" in html and "公示中，至" in html
    end_window(preliminary)
    result_notice_publish(proposal=closed, by=committee_user, stage="final")
    assert "已发布结果公告" in render_panel(closed, committee_user)


def test_no_panel_before_the_vote_is_over(voting, committee_user, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert render_panel(voting, committee_user).strip() == ""


def test_the_committee_panel_includes_it(client_as, closed, committee_user):
    html = client_as(committee_user).get(f"/proposals/{closed.pk}/").content.decode()
    assert "决议与结果公示" in html and f"/proposals/{closed.pk}/resolution.pdf" in html
