"""Signing in with a code by SMS (allauth's login by code, issue 16): the login page leads with it, a code signs in
and lands where the person was going, wrong, expired and too many codes, the limits per number and per address, a
number without an account, a gateway that refuses, and how long the session lasts."""

import html
import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.sms import SmsRefused
from accounts.views import CODE_SIGN_IN_SESSION_AGE
from messaging.models import ShortLink
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
REQUEST = reverse("account_request_login_code")
CONFIRM = reverse("account_confirm_login_code")
TWO_WEEKS = 14 * 24 * 60 * 60  # Django's SESSION_COOKIE_AGE, which a password login keeps


def codes_to(sms_outbox, phone: str = PHONE) -> list[str]:
    """The 6-digit codes texted to `phone`, oldest first."""
    found = (re.search(r"(?<!\d)(\d{6})(?!\d)", text) for to, text in sms_outbox if to == phone)
    return [match.group(1) for match in found if match]


def ask(client, phone: str = PHONE, next_url: str | None = None, **extra):
    data = {"phone": phone, **({"next": next_url} if next_url else {})}
    return client.post(REQUEST, data, **extra)


def enter(client, code: str, next_url: str | None = None):
    return client.post(CONFIRM, {"code": code, **({"next": next_url} if next_url else {})})


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def ask_fresh(phone: str = PHONE, **extra):
    """Ask from a browser of its own: until a code is entered or expires, allauth leads the same session back to it."""
    return ask(Client(), phone, **extra)


def signed_in(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def clock(monkeypatch):
    """clock(seconds) moves time.time forward: allauth's code ages and per-minute limits and the local-memory cache
    read it. (A Redis cache keeps real time: counters in Redis never expire by this clock.)"""
    real = time.time
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


@pytest.fixture
def owner(user_factory):
    return user_factory(username="wangayi", phone=PHONE, phone_verified=True)


@pytest.fixture
def proposal_path(actors):
    proposal = proposal_create(
        community=actors.community,
        by=actors.users["committee"],
        title="更换1号楼单元门",
        summary="旧门锁坏了三年。",
        category=Category.COMMON_PARTS,
    )
    proposal_start_consultation(proposal=proposal, by=actors.users["committee"])
    return reverse("proposal_detail", args=[proposal.pk])


# --- The login page -----------------------------------------------------------------------------------------------


def test_the_login_page_leads_with_the_code_and_keeps_the_password_second(client):
    page = client.get(reverse("account_login") + "?next=/proposals/7/").content.decode()
    code_path, password_path = page.index("用短信验证码登录"), page.index("或者用密码登录")
    assert code_path < password_path
    code_form = page[code_path:password_path]
    assert f'action="{REQUEST}"' in code_form
    assert re.search(r'<input[^>]*name="phone"[^>]*inputmode="tel"', code_form)
    assert '<input type="hidden" name="next" value="/proposals/7/">' in code_form
    assert re.search(r'<button class="big" type="submit">获取验证码</button>', code_form)
    password_form = page[password_path:]
    assert 'name="password"' in password_form and '<button class="secondary big" type="submit">登录</button>' in page
    assert '<input type="hidden" name="next" value="/proposals/7/">' in password_form


def test_after_a_wrong_password_the_password_form_comes_first(client, owner):
    page = client.post(reverse("account_login"), {"login": PHONE, "password": "not-it"}).content.decode()
    assert 'class="sign-in-paths password-first"' in page
    assert "不正确" in page


def test_the_pages_work_in_english(client, owner, sms_outbox):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(reverse("account_login"), **english).content.decode()
    assert "Log in with a code by text message" in page and "Text me a code" in page
    ask(client, **english)
    page = client.get(CONFIRM, **english).content.decode()
    assert "We have sent a 6-digit code to 13812345678. It is valid for 15 minutes." in page
    enter(client, codes_to(sms_outbox)[-1])
    assert signed_in(client) == str(owner.pk)


# --- The whole way: a link, the code, back to the link -------------------------------------------------------------


def test_a_proposal_link_leads_through_the_code_and_back_to_the_proposal(client, actors, proposal_path, sms_outbox):
    owner = actors.users["household"]  # bound to a household of the proposal's community
    owner.phone, owner.phone_verified = PHONE, True
    owner.save()
    response = client.get(proposal_path)
    login_url = response["Location"]
    assert urlsplit(login_url).path == reverse("account_login")
    assert parse_qs(urlsplit(login_url).query) == {"next": [proposal_path]}
    assert "用短信验证码登录" in client.get(login_url).content.decode()

    response = ask(client, next_url=proposal_path)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next={proposal_path.replace('/', '%2F')}"
    page = client.get(response["Location"]).content.decode()
    assert "13812345678" in page and "15分钟" in page
    assert re.search(r'<input[^>]*name="code"[^>]*inputmode="numeric"[^>]*autocomplete="one-time-code"', page)
    assert f'<input type="hidden" name="next" value="{proposal_path}">' in page
    assert not signed_in(client)

    (code,) = codes_to(sms_outbox)
    assert sms_outbox[0][1] == f"您的验证码为{code}，15分钟内有效，请勿告诉他人。"
    response = enter(client, code, next_url=proposal_path)
    assert response.status_code == 302
    assert response["Location"] == proposal_path
    assert signed_in(client) == str(owner.pk)
    assert client.get(proposal_path).status_code == 200


def test_a_short_link_from_a_text_leads_through_the_code_to_its_page(client, actors, proposal_path, sms_outbox):
    owner = actors.users["household"]
    owner.phone, owner.phone_verified = PHONE, True
    owner.save()
    short = ShortLink.objects.create(path=proposal_path)
    response = client.get(reverse("short_link", args=[short.code]), follow=True)
    login_url = response.redirect_chain[-1][0]
    assert parse_qs(urlsplit(login_url).query) == {"next": [proposal_path]}
    next_url = response.context["redirect_field_value"]
    ask(client, next_url=next_url)
    assert enter(client, codes_to(sms_outbox)[-1], next_url=next_url)["Location"] == proposal_path


def test_a_number_not_yet_checked_is_checked_by_the_code(client, user_factory, sms_outbox):
    user = user_factory(phone=PHONE, phone_verified=False)
    ask(client, phone="138 1234 5678")
    enter(client, codes_to(sms_outbox)[-1])
    assert signed_in(client) == str(user.pk)
    user.refresh_from_db()
    assert user.phone_verified


# --- Wrong, expired, too many ---------------------------------------------------------------------------------------


def test_a_wrong_code_says_so_and_the_right_one_still_works(client, owner, sms_outbox):
    ask(client)
    (code,) = codes_to(sms_outbox)
    response = enter(client, wrong(code))
    assert response.status_code == 200
    assert "验证码不对" in response.content.decode()
    assert not signed_in(client)
    assert enter(client, code)["Location"] == reverse("home")
    assert signed_in(client) == str(owner.pk)


def test_five_wrong_codes_end_the_code_and_keep_where_the_person_was_going(client, owner, sms_outbox):
    ask(client, next_url="/proposals/7/")
    (code,) = codes_to(sms_outbox)
    for _attempt in range(4):
        assert enter(client, wrong(code), next_url="/proposals/7/").status_code == 200
    response = enter(client, wrong(code), next_url="/proposals/7/")
    assert response.status_code == 302
    assert response["Location"] == f"{REQUEST}?next=%2Fproposals%2F7%2F"
    assert "登录失败次数过多" in client.get(response["Location"]).content.decode()
    # The code is gone: even the right one is refused now.
    assert enter(client, code)["Location"].startswith(REQUEST)
    assert not signed_in(client)


def test_an_expired_code_is_refused_with_a_reason_and_a_new_one_works(client, owner, sms_outbox, clock):
    ask(client, next_url="/proposals/7/")
    (code,) = codes_to(sms_outbox)
    clock(15 * 60 + 1)
    response = enter(client, code, next_url="/proposals/7/")
    assert response["Location"] == f"{REQUEST}?next=%2Fproposals%2F7%2F"
    assert not signed_in(client)
    page = client.get(response["Location"]).content.decode()
    assert "验证码已过期" in page
    assert '<input type="hidden" name="next" value="/proposals/7/">' in page

    ask(client, next_url="/proposals/7/")
    new_code = codes_to(sms_outbox)[-1]
    assert enter(client, new_code, next_url="/proposals/7/")["Location"] == "/proposals/7/"
    assert signed_in(client) == str(owner.pk)


def test_the_code_page_without_a_code_asked_for_leads_to_asking_for_one(client):
    response = client.get(CONFIRM + "?next=/proposals/7/")
    assert response["Location"] == f"{REQUEST}?next=%2Fproposals%2F7%2F"
    page = client.get(response["Location"]).content.decode()
    assert "验证码已过期" not in page  # nothing had expired: the person just came here


def test_no_code_arrived_asks_for_a_new_one_and_keeps_next(client, owner, sms_outbox):
    ask(client, next_url="/proposals/7/")
    # Until the code is entered or expires, allauth leads the login pages back to the page for the code.
    assert client.get(REQUEST)["Location"] == CONFIRM
    page = client.get(CONFIRM + "?next=%2Fproposals%2F7%2F").content.decode()
    new_code = r'action="/accounts/logout/">.*?name="next" value="([^"]+)">\s*<button[^>]*>没收到验证码？重新获取'
    form = re.search(new_code, page, re.S)
    response = client.post(reverse("account_logout"), {"next": html.unescape(form.group(1))})
    assert response["Location"] == f"{REQUEST}?next=/proposals/7/"
    assert client.get(response["Location"]).status_code == 200

    ask(client, next_url="/proposals/7/")
    first, second = codes_to(sms_outbox)
    if first != second:
        assert enter(client, first, next_url="/proposals/7/").status_code == 200  # the old code no longer works
    assert enter(client, second, next_url="/proposals/7/")["Location"] == "/proposals/7/"
    assert signed_in(client) == str(owner.pk)


# --- Limits: per number, per address --------------------------------------------------------------------------------


def test_a_number_gets_five_codes_an_hour(owner, sms_outbox, clock):
    for _n in range(5):
        assert ask_fresh().status_code == 302
        clock(61)  # past allauth's own limit of 3 a minute per number
    assert len(codes_to(sms_outbox)) == 5
    response = ask_fresh()
    assert response.status_code == 200
    assert "这个号码一小时内获取验证码的次数太多了" in response.content.decode()
    assert len(sms_outbox) == 5  # refused: no text
    # From another address too: the limit is the number's.
    response = ask_fresh(REMOTE_ADDR="10.9.8.7")
    assert "这个号码一小时内获取验证码的次数太多了" in response.content.decode()
    assert len(sms_outbox) == 5


def test_a_number_gets_ten_codes_a_day(owner, sms_outbox, clock):
    for _hour in range(2):
        for _n in range(5):
            assert ask_fresh().status_code == 302
            clock(61)
        clock(60 * 60)
        services.LOGIN_CODES_PER_PHONE_HOUR.reset(PHONE)  # the hour has passed (a Redis cache keeps real time)
    assert len(codes_to(sms_outbox)) == 10
    response = ask_fresh()
    assert "今天发给这个号码的验证码太多了，请明天再试，或用密码登录。" in response.content.decode()
    assert len(sms_outbox) == 10


def test_allauths_limit_stops_a_fourth_code_within_a_minute(owner, sms_outbox):
    for _n in range(3):
        assert ask_fresh().status_code == 302
    response = ask_fresh(phone="138-1234-5678")  # the same number however it is typed
    assert response.status_code == 200
    assert "失败次数过多" in response.content.decode()
    assert len(sms_outbox) == 3


def test_an_address_gets_twenty_codes_an_hour_whatever_the_numbers(sms_outbox, clock):
    for n in range(20):
        assert ask_fresh(phone=f"139000000{n:02d}").status_code == 302
    clock(61)  # past allauth's own limit of 20 a minute per address
    response = ask_fresh(phone="13900000099")
    assert response.status_code == 200
    assert "从这个网络获取验证码的次数太多了，请一小时后再试。" in response.content.decode()
    assert len(sms_outbox) == 20
    assert ask_fresh(phone="13900000099", REMOTE_ADDR="10.9.8.7").status_code == 302
    assert len(sms_outbox) == 21


def test_a_refused_request_counts_nothing(owner, sms_outbox, clock):
    # Five from this number: the sixth is refused, whatever the address; the refusals do not count for the address.
    for _n in range(5):
        ask_fresh()
        clock(61)
    for _n in range(10):
        ask_fresh()
    assert services.LOGIN_CODES_PER_IP_HOUR.count("127.0.0.1") == 5


# --- A number without an account ------------------------------------------------------------------------------------


def _same_page(html: str, phone: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(phone, "<phone>")


def test_a_number_without_an_account_gets_the_same_answer_and_no_code(client, owner, sms_outbox):
    known = ask(client, next_url="/proposals/7/")
    known_page = client.get(known["Location"]).content.decode()
    other = Client()
    unknown = ask(other, phone="13987654321", next_url="/proposals/7/")
    unknown_page = other.get(unknown["Location"]).content.decode()
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert _same_page(unknown_page, "13987654321") == _same_page(known_page, PHONE)

    # The number's owner learns somebody asked; no code is sent, and none signs in.
    texts = [text for to, text in sms_outbox if to == "13987654321"]
    assert texts == ["有人用本号码申请共议验证码，但本号码尚未注册共议。如非本人操作，请忽略本短信。"]
    assert codes_to(sms_outbox, "13987654321") == []
    for guess in ("123456", "000000"):
        response = enter(other, guess)
        assert response.status_code == 200 and "验证码不对" in response.content.decode()
    assert not signed_in(other)
    assert not User.objects.filter(phone="13987654321").exists()


def test_a_number_that_is_not_a_mobile_number_is_refused_without_a_text(client, sms_outbox):
    response = ask(client, phone="12345")
    assert response.status_code == 200
    assert "请输入中国大陆手机号" in response.content.decode()
    assert sms_outbox == []


# --- The gateway refuses --------------------------------------------------------------------------------------------


class RefusingBackend:
    """A gateway over its quota (what Alibaba answers with isv.BUSINESS_LIMIT_CONTROL): outside the project."""

    name = "refusing"

    def send(self, message):
        raise SmsRefused("over the provider's quota", code="isv.BUSINESS_LIMIT_CONTROL", retryable=True)


class BadNumberBackend:
    name = "bad-number"

    def send(self, message):
        raise SmsRefused("not a mobile number", code="isv.MOBILE_NUMBER_ILLEGAL", retryable=False)


@pytest.mark.parametrize(
    ("backend", "words"),
    [(RefusingBackend, "短信发送失败，请稍后再试。"), (BadNumberBackend, "短信发送失败，请检查手机号，或稍后再试。")],
)
def test_a_refused_text_says_so_and_breaks_nothing(client, owner, settings, caplog, backend, words):
    settings.SMS_BACKEND = f"{__name__}.{backend.__name__}"
    with caplog.at_level(logging.WARNING, logger="gongyi.accounts"):
        response = ask(client, next_url="/proposals/7/")
    assert response.status_code == 302
    assert response["Location"] == f"{REQUEST}?next=%2Fproposals%2F7%2F"
    page = client.get(response["Location"]).content.decode()
    assert words in page
    assert '<input type="hidden" name="next" value="/proposals/7/">' in page
    # No code waits: the page for the code sends the person back to ask.
    assert client.get(CONFIRM)["Location"] == REQUEST
    assert not signed_in(client)
    logged = caplog.text
    assert "138****5678" in logged and PHONE not in logged


def test_a_refused_text_for_a_number_without_an_account_looks_the_same(client, settings):
    settings.SMS_BACKEND = f"{__name__}.RefusingBackend"
    response = ask(client, phone="13987654321")
    assert response["Location"] == REQUEST
    assert "短信发送失败，请稍后再试。" in client.get(REQUEST).content.decode()


# --- How long the session lasts -------------------------------------------------------------------------------------


def test_a_sign_in_by_code_lasts_thirty_days(client, owner, sms_outbox):
    ask(client)
    response = enter(client, codes_to(sms_outbox)[-1])
    assert CODE_SIGN_IN_SESSION_AGE == 30 * 24 * 60 * 60
    assert client.session.get_expiry_age() == CODE_SIGN_IN_SESSION_AGE
    assert int(response.cookies["sessionid"]["max-age"]) == CODE_SIGN_IN_SESSION_AGE


def test_a_password_login_keeps_djangos_two_weeks(client, owner):
    client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    assert signed_in(client) == str(owner.pk)
    assert client.session.get_expiry_age() == TWO_WEEKS


def test_staff_signing_in_by_code_keep_the_two_weeks(client, user_factory, sms_outbox):
    admin = user_factory(phone=PHONE, phone_verified=True, is_staff=True)
    ask(client)
    enter(client, codes_to(sms_outbox)[-1])
    assert signed_in(client) == str(admin.pk)
    assert client.session.get_expiry_age() == TWO_WEEKS
