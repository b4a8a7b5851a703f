"""Signing in with a code by SMS on a phone, against a real server (issue 16): an owner with no password opens the
short link of a proposal from a text message while signed out, on a 360 px phone in WeChat with the text at 200 %;
the login page leads with the code; she reads the code from the text message, types it and lands on the proposal,
signed in for 30 days."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from lifecycle.services import proposal_open_voting
from messaging.models import ShortLink
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import SMALL_PHONE, axe_violations, describe_violations, large_text, staff
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OWNER_PHONE = "13700000161"


def _too_small_targets(page) -> list[str]:
    """Buttons, button-links, fields and lone links of the page's main part less than 44 px high."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.button, main input:not([type=hidden]), main p > a')]
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
            .map(el => el.outerHTML.slice(0, 80))"""
    )


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert not _too_small_targets(page), _too_small_targets(page)
    assert not (found := axe_violations(page)), describe_violations(found)


def test_an_owner_opens_a_short_link_signs_in_with_the_texted_code_and_lands_on_the_proposal(server, small_phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=2, rooms_per_floor=2, slug="xiangjiao")
    committee = staff(community, Role.Kind.COMMITTEE, "li-weiyuan", "李委员", "13600000161")
    proposal = proposal_create(
        community=community,
        by=committee,
        title="更换2单元单元门",
        summary="旧门锁坏了三年，更换为带门禁的新单元门。",
        category=Category.COMMON_PARTS,
    )
    proposal_start_consultation(proposal=proposal, by=committee)
    proposal_open_voting(proposal=proposal, by=committee, closes_at=timezone.now() + timedelta(days=7))
    # She joined with the printed code weeks ago and never set a password.
    owner = User.objects.create(username="zhao-ayi", display_name="赵阿姨", phone=OWNER_PHONE, phone_verified=True)
    owner.set_unusable_password()
    owner.save()
    flat = Household.objects.filter(entrance__building__community=community).order_by("pk").first()
    HouseholdBinding.objects.create(user=owner, household=flat, relation=HouseholdBinding.Relation.OWNER)
    link = server.url(f"/proposals/{proposal.pk}/")
    short = ShortLink.objects.create(path=f"/proposals/{proposal.pk}/")  # as the text of a reminder carries it

    page = small_phone()
    large_text(page)
    page.goto(server.url(f"/s/{short.code}"))

    # The login page, the code first: its heading on the first screen, above the password's.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    code_heading = page.get_by_role("heading", name="用短信验证码登录")
    password_heading = page.get_by_role("heading", name="或者用密码登录")
    expect(code_heading).to_be_visible()
    assert code_heading.bounding_box()["y"] < password_heading.bounding_box()["y"]
    phone_field = page.get_by_label("手机号", exact=True)
    ask = page.get_by_role("button", name="获取验证码")
    expect(code_heading).to_be_in_viewport()
    _fits(page)

    phone_field.fill("137 0000 0161")
    ask.tap()

    # The page for the code: the number's keypad, the phone's own code suggestion, the code read from the text.
    expect(page.get_by_role("heading", name="请输入短信验证码")).to_be_visible()
    expect(page.locator("main")).to_contain_text("15分钟内有效")
    code_field = page.get_by_label("验证码", exact=True)
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    _fits(page)
    code_field.fill(server.sms_code(OWNER_PHONE))
    page.get_by_role("button", name="登录", exact=True).tap()

    # Back on the proposal, signed in, for 30 days.
    expect(page).to_have_url(link)
    expect(page.get_by_role("heading", name="更换2单元单元门")).to_be_visible()
    expect(page.locator("#my-vote .status-line")).to_contain_text("未表决")
    expect(page.locator(".topnav details.me summary")).to_be_visible()
    (session,) = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert abs(session["expires"] - (time.time() + 30 * 24 * 3600)) < 600
