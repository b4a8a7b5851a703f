"""allauth, phone first: sign up with a mobile number, the SMS code, logging in, the failed-login limit."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lanterns-by-the-river-7"


def _code(sms_outbox, phone: str) -> str:
    sent = [text for to, text in sms_outbox if to == phone]
    assert sent, f"no SMS to {phone}: {sms_outbox}"
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sent[-1]).group(1)


def signup(client, phone="138 1234 5678", **extra):
    data = {"phone": phone, "password1": NEW_PASSWORD, **extra}
    return client.post(reverse("account_signup"), data)


def test_signup_with_phone_sends_a_code_and_entering_it_logs_in(client, sms_outbox):
    response = signup(client, phone="+86 138-1234-5678", display_name=" 王阿姨 ")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get()
    assert user.phone == "13812345678"
    assert not user.phone_verified
    assert user.display_name == "王阿姨"
    assert user.username  # allauth made one up: the person never had to choose a username
    assert "_auth_user_id" not in client.session  # not logged in before the number is checked

    page = client.get(reverse("account_verify_phone"))
    assert page.status_code == 200
    assert "13812345678" in page.content.decode()

    response = client.post(reverse("account_verify_phone"), {"code": _code(sms_outbox, "13812345678")})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.phone_verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_sms_code_does_not_log_in(client, sms_outbox):
    signup(client)
    code = _code(sms_outbox, "13812345678")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("account_verify_phone"), {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not User.objects.get().phone_verified


def test_signup_refuses_a_number_that_is_not_a_mainland_mobile(client, sms_outbox):
    response = signup(client, phone="12345")
    assert response.status_code == 200
    assert "请输入中国大陆手机号" in response.content.decode()
    assert not User.objects.exists()
    assert sms_outbox == []


def test_signup_asks_for_a_number_a_name_and_one_password(client):
    page = client.get(reverse("account_signup")).content.decode()
    fields = set(re.findall(r'<input[^>]* name="([^"]+)"', page)) - {"csrfmiddlewaretoken", "next"}
    assert fields == {"phone", "display_name", "password1"}


def test_signup_keeps_next_through_the_sms_step(client, sms_outbox):
    client.post(
        reverse("account_signup") + "?next=/join/complete/",
        {"phone": "13812345678", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": "/join/complete/"},
    )
    response = client.post(
        reverse("account_verify_phone"), {"code": _code(sms_outbox, "13812345678"), "next": "/join/complete/"}
    )
    assert response["Location"] == "/join/complete/"


@pytest.fixture
def phone_user(user_factory):
    return user_factory(username="wangayi", phone="13812345678", phone_verified=True)


@pytest.mark.parametrize("login", ["13812345678", "138 1234 5678", "+86 138 1234 5678", "wangayi"])
def test_log_in_with_phone_or_username_and_password(client, phone_user, login):
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(phone_user.pk)


def test_log_in_with_an_unchecked_number_asks_for_the_sms_code_first(client, user_factory, sms_outbox):
    user = user_factory(phone="13812345678", phone_verified=False)
    response = client.post(reverse("account_login"), {"login": "13812345678", "password": PASSWORD})
    assert response["Location"] == reverse("account_verify_phone")
    assert "_auth_user_id" not in client.session
    client.post(reverse("account_verify_phone"), {"code": _code(sms_outbox, "13812345678")})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused(client, phone_user):
    response = client.post(reverse("account_login"), {"login": "13812345678", "password": "not-it"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "不正确" in response.content.decode()


def test_failed_logins_hit_allauths_limit_even_when_the_number_is_typed_differently(client, phone_user):
    # allauth's "login_failed": 10/m/ip, 5/300s/key; the key is the address and the account (accounts.adapter).
    spellings = ["13812345678", "138 1234 5678", "+8613812345678", "138-1234-5678", "0086 13812345678"]
    for login in spellings:
        response = client.post(reverse("account_login"), {"login": login, "password": "wrong-password"})
        assert response.status_code == 200
        assert "登录失败次数过多" not in response.content.decode()
    # The sixth attempt is refused even with the right password.
    response = client.post(reverse("account_login"), {"login": "13812345678", "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_by_username_hit_the_limit_too(client, phone_user):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "wangayi", "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": "wangayi", "password": PASSWORD})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_ten_failed_logins_from_one_address_block_it_whatever_the_accounts(client, phone_user):
    # The other half of "login_failed": 10 a minute per IP address, across every login typed.
    for n in range(10):
        client.post(reverse("account_login"), {"login": f"guess{n}", "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": "wangayi", "password": PASSWORD})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    other_address = client.post(
        reverse("account_login"), {"login": "wangayi", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    assert other_address.status_code == 302


def test_entrance_pages_are_in_chinese_and_link_the_sms_reset(client):
    login = client.get(reverse("account_login")).content.decode()
    assert "忘记密码" in login
    assert reverse("account_reset_password_phone") in login
    assert reverse("account_signup") in login
    signup_page = client.get(reverse("account_signup")).content.decode()
    assert 'name="phone"' in signup_page
    assert "手机号" in signup_page
    # allauth's e-mail reset address leads to the SMS reset.
    response = client.get("/accounts/password/reset/")
    assert response["Location"] == reverse("account_reset_password_phone")


def test_logout_is_a_post(client_as, phone_user):
    client = client_as(phone_user)
    assert "退出登录" in client.get(reverse("account_logout")).content.decode()
    assert client.session.get("_auth_user_id")
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_signing_up_with_a_taken_number_creates_nothing_and_tells_only_the_owner(client, phone_user, sms_outbox):
    # allauth prevents enumeration: the page looks the same, the number's owner gets a text, no code works.
    response = signup(client, phone="138 1234 5678")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    assert User.objects.count() == 1
    assert sms_outbox == [("13812345678", sms_outbox[0][1])]
    assert "已有账户" in sms_outbox[0][1]
    client.post(reverse("account_verify_phone"), {"code": "123456"})
    assert "_auth_user_id" not in client.session
