"""Accounts that strangers cannot lock, codes that cannot be guessed all day, an admin login with a limit, and no
code or full phone number in the log.

Each test reproduces an attack that worked before: a stranger typing a committee member's number five times locked
her out for five minutes (again and again, before a meeting); the username and the number were two budgets;
new SMS reset codes gave a guesser five fresh tries each, all day; /admin/login/ took unlimited guesses; the
console SMS backend (the default, also in production) wrote the full number to the log.
"""

import logging
import re
import time

import pytest
from django.urls import reverse

from accounts import services
from community.demo import DEMO_PASSWORD, demo_load
from tests.config.test_settings import GOOD, run_manage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
TOO_MANY = "登录失败次数过多"
STRANGER = "203.0.113.9"
OWNER_HOME = "198.51.100.7"
PHONE = "13812345678"


@pytest.fixture
def member(user_factory):
    """A committee member: logs in with her username or her number."""
    return user_factory(username="wangjianguo", phone=PHONE, phone_verified=True)


def _login(client, login, password, address):
    client.cookies.clear()
    return client.post(LOGIN, {"login": login, "password": password}, REMOTE_ADDR=address)


def _logged_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_a_stranger_cannot_lock_the_owner_out(client, member):
    for _attempt in range(12):
        _login(client, "138 1234 5678", "is-it-this-one", STRANGER)
    # The stranger's own address is stopped, even with the right password…
    assert TOO_MANY in _login(client, PHONE, PASSWORD, STRANGER).content.decode()
    assert not _logged_in(client, member)
    # …and the member, from her own address, logs in at once, by number or by name.
    assert _login(client, PHONE, PASSWORD, OWNER_HOME).status_code == 302
    assert _logged_in(client, member)
    assert _login(client, "wangjianguo", PASSWORD, OWNER_HOME).status_code == 302


def test_username_and_number_of_one_account_share_one_budget(client, member):
    for login in ("wangjianguo", "WangJianguo", "138 1234 5678", "+86 138-1234-5678", "wangjianguo"):
        response = _login(client, login, "wrong-password", STRANGER)
        assert TOO_MANY not in response.content.decode()
    # Five failures in all, however the account was named: the sixth attempt from there is refused.
    response = _login(client, PHONE, PASSWORD, STRANGER)
    assert TOO_MANY in response.content.decode()
    assert not _logged_in(client, member)


def test_failures_from_many_addresses_only_slow_the_account_down(client, member):
    # Five addresses (a botnet), each within its own budget: 3 by name, 3 by number.
    for n in range(3):
        _login(client, "wangjianguo", "wrong-password", f"203.0.113.{n + 1}")
        _login(client, PHONE, "wrong-password", f"203.0.113.{n + 101}")
    # The next attempt, from anywhere and even with the right password, waits its turn: seconds, not hours.
    response = _login(client, PHONE, PASSWORD, OWNER_HOME)
    page = response.content.decode()
    assert not _logged_in(client, member)
    wait = int(re.search(r"(\d+)\s*秒", page).group(1))
    assert 0 < wait <= 60
    time.sleep(wait + 0.2)
    assert _login(client, PHONE, PASSWORD, OWNER_HOME).status_code == 302
    assert _logged_in(client, member)
    # Logging in clears the account's count: no more waiting, from anywhere.
    assert _login(client, "wangjianguo", PASSWORD, "192.0.2.55").status_code == 302


def test_the_admin_login_has_the_same_limits(client, user_factory):
    admin = user_factory(username="root", is_staff=True, is_superuser=True)
    for _guess in range(20):
        client.post("/admin/login/", {"username": "root", "password": "guess", "next": "/admin/"})
    # The admin's own form checks nothing any more: it sends everybody to allauth's login, with its limits.
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not _logged_in(client, admin)
    for _guess in range(5):
        _login(client, "root", "guess", STRANGER)
    assert TOO_MANY in _login(client, "root", PASSWORD, STRANGER).content.decode()


def test_the_demo_admin_logs_in_where_the_readme_says(client):
    """README: "admin | Django superuser (http://127.0.0.1:8000/admin/)", password gongyi-demo-2026."""
    demo_load()
    response = client.get("/admin/", follow=True)
    login_page = response.redirect_chain[-1][0]
    assert login_page.startswith(LOGIN)
    response = client.post(login_page, {"login": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def _reset_send(client, address):
    client.post(reverse("account_reset_password_phone"), {"phone": PHONE}, REMOTE_ADDR=address)
    services.RESET_SENDS_PER_PHONE.reset(PHONE)  # as if the quarter of an hour had passed


def _reset_confirm(client, code):
    data = {"code": code, "new_password1": "plum-blossom-42", "new_password2": "plum-blossom-42"}
    return client.post(reverse("account_reset_password_phone_confirm"), data)


def _last_code(sms_outbox) -> str:
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sms_outbox[-1][1]).group(1)


def test_wrong_reset_codes_are_capped_per_number_and_day_whatever_the_codes_sent(client, member, sms_outbox):
    guesses = iter(f"{n:06d}" for n in range(1000))
    wrong = 0
    for round_ in range(3):
        _reset_send(client, f"203.0.113.{round_ + 1}")
        right = _last_code(sms_outbox)
        for _guess in range(4 if round_ < 2 else 2):  # under the five a code allows
            guess = next(guesses)
            if guess == right:
                guess = next(guesses)
            _reset_confirm(client, guess)
            wrong += 1
    assert wrong == services.RESET_WRONG_PER_PHONE.max_hits == 10
    # The third code is still the live one, and right: refused all the same, the day's guesses are spent.
    response = _reset_confirm(client, right)
    member.refresh_from_db()
    assert not member.check_password("plum-blossom-42")
    assert response["Location"] == reverse("account_reset_password_phone")
    sent = len(sms_outbox)
    _reset_send(client, OWNER_HOME)
    assert len(sms_outbox) == sent  # and no new code is sent for it today


def test_production_refuses_the_console_sms_backend():
    for backend in ("", "accounts.sms.ConsoleBackend", "accounts.sms.LocmemBackend"):
        result = run_manage("check", env={**GOOD, "SMS_BACKEND": backend})
        assert result.returncode != 0, backend
        assert "SMS_BACKEND" in result.stderr


def _code_login_and_reset(client, user_factory, sms_outbox):
    """Every path that texts a code: signing up, logging in with a number not yet checked, a password reset."""
    client.post(
        reverse("account_signup"), {"phone": "13900001111", "password1": "lanterns-7x", "password2": "lanterns-7x"}
    )
    client.post(reverse("account_verify_phone"), {"code": _last_code(sms_outbox)})
    client.logout()
    user_factory(username="unchecked", phone="13700002222", phone_verified=False)
    client.post(LOGIN, {"login": "13700002222", "password": PASSWORD})
    client.post(reverse("account_verify_phone"), {"code": _last_code(sms_outbox)})
    client.logout()
    client.post(reverse("account_reset_password_phone"), {"phone": PHONE})
    _reset_confirm(client, "000000")
    _reset_confirm(client, _last_code(sms_outbox))
    return {
        phone: re.search(r"(?<!\d)(\d{6})(?!\d)", text).group(1)
        for phone, text in sms_outbox
        if re.search(r"\d{6}", text)
    }


def test_no_code_and_no_full_number_is_logged(client, member, user_factory, sms_outbox, caplog):
    caplog.set_level(logging.DEBUG)
    codes = _code_login_and_reset(client, user_factory, sms_outbox)
    assert set(codes) == {"13900001111", "13700002222", PHONE}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for phone, code in codes.items():
        assert phone not in logged
        assert code not in logged


def test_the_console_backend_logs_the_code_in_development_but_never_the_full_number(
    client, member, user_factory, settings, caplog
):
    settings.SMS_BACKEND = "accounts.sms.ConsoleBackend"
    caplog.set_level(logging.DEBUG)
    client.post(reverse("account_reset_password_phone"), {"phone": PHONE})
    lines = [record.getMessage() for record in caplog.records if record.name == "gongyi.sms"]
    assert len(lines) == 1
    assert PHONE not in lines[0]
    assert "138****5678" in lines[0]
    assert re.search(r"(?<!\d)\d{6}(?!\d)", lines[0])  # the code: that is what this backend is for
