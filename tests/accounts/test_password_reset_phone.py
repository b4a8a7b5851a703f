"""Password reset by SMS: the code, wrong codes, expiry, limits, and no hint whether a number has an account."""

import re

import pytest
from django.urls import reverse

from accounts import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "plum-blossom-in-winter-42"
START = reverse("account_reset_password_phone")
CONFIRM = reverse("account_reset_password_phone_confirm")


@pytest.fixture
def owner(user_factory):
    return user_factory(username="lihua", phone="13912345678", phone_verified=False)


def _code(sms_outbox):
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sms_outbox[-1][1]).group(1)


def _confirm(client, code, password=NEW, password2=None):
    return client.post(CONFIRM, {"code": code, "new_password1": password, "new_password2": password2 or password})


def _page(response, masked):
    html = response.content.decode().replace(masked, "X")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _other(code):
    return "000000" if code != "000000" else "111111"


def test_happy_path_sets_the_password_and_sends_to_login(client, owner, sms_outbox):
    response = client.post(START, {"phone": "139 1234 5678"})
    assert response["Location"] == CONFIRM
    assert len(sms_outbox) == 1 and sms_outbox[0][0] == "13912345678"
    page = client.get(CONFIRM).content.decode()
    assert "139****5678" in page

    response = _confirm(client, _code(sms_outbox))
    assert response["Location"] == reverse("account_login")
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    assert owner.phone_verified  # the code proved the number is theirs
    assert "密码已重设" in client.get(reverse("account_login")).content.decode()

    # The code works once.
    client.post(START, {"phone": "13912345678"})  # puts the number back in the session
    sms_outbox.clear()
    assert client.post(reverse("account_login"), {"login": "13912345678", "password": NEW}).status_code == 302


def test_the_code_is_stored_only_as_a_hash(client, owner, sms_outbox):
    from django.core.cache import cache

    client.post(START, {"phone": "13912345678"})
    code = _code(sms_outbox)
    entry = cache.get(services._code_key("13912345678"))
    assert entry and code not in str(entry)


def test_wrong_code_changes_nothing(client, owner, sms_outbox):
    client.post(START, {"phone": "13912345678"})
    response = _confirm(client, _other(_code(sms_outbox)))
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_the_fifth_wrong_code_drops_the_code(client, owner, sms_outbox):
    client.post(START, {"phone": "13912345678"})
    code = _code(sms_outbox)
    for _attempt in range(services.RESET_MAX_WRONG - 1):
        assert _confirm(client, _other(code)).status_code == 200
    response = _confirm(client, _other(code))
    assert response["Location"] == START
    assert "错误次数过多" in client.get(START).content.decode()
    # Even the right code is now refused: a new one must be asked for.
    assert _confirm(client, code)["Location"] == START
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_an_expired_code_is_refused(client, owner, sms_outbox, monkeypatch):
    client.post(START, {"phone": "13912345678"})
    code = _code(sms_outbox)
    real_time = services.time.time
    monkeypatch.setattr(services.time, "time", lambda: real_time() + services.RESET_CODE_SECONDS + 1)
    response = _confirm(client, code)
    assert response["Location"] == START
    assert "已过期" in client.get(START).content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_weak_or_mismatched_password_is_refused_and_the_code_still_works(client, owner, sms_outbox):
    client.post(START, {"phone": "13912345678"})
    code = _code(sms_outbox)
    assert _confirm(client, code, password="12345678").status_code == 200
    assert _confirm(client, code, password=NEW, password2=NEW + "x").status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert _confirm(client, code)["Location"] == reverse("account_login")


def test_an_unknown_number_gets_the_same_answer_and_no_sms(client, owner, sms_outbox):
    known = client.post(START, {"phone": "13912345678"}, follow=True)
    client.cookies.clear()
    unknown = client.post(START, {"phone": "13700000000"}, follow=True)
    assert [to for to, _text in sms_outbox] == ["13912345678"]
    assert known.redirect_chain == unknown.redirect_chain == [(CONFIRM, 302)]
    # Same page, apart from the masked number shown back (and the per-page CSRF token).
    assert _page(known, "139****5678") == _page(unknown, "137****0000")
    # A guessed code for the unknown number gets the same refusal as for a known one.
    assert "验证码不正确" in _confirm(client, "123456").content.decode()


def test_requests_are_limited_per_number(client, owner, sms_outbox):
    for _attempt in range(services.RESET_SENDS_PER_PHONE.max_hits):
        assert client.post(START, {"phone": "13912345678"}).status_code == 302
    response = client.post(START, {"phone": "13912345678"})
    assert response.status_code == 200
    assert "请求验证码次数过多" in response.content.decode()
    assert len(sms_outbox) == services.RESET_SENDS_PER_PHONE.max_hits


def test_requests_are_limited_per_address(client, sms_outbox):
    for n in range(services.RESET_SENDS_PER_IP.max_hits):
        assert client.post(START, {"phone": f"1370000{n:04d}"}).status_code == 302
    response = client.post(START, {"phone": "13799999999"})
    assert response.status_code == 200
    assert "请求验证码次数过多" in response.content.decode()


def test_a_reset_lifts_the_failed_login_limit(client, owner, sms_outbox):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "13912345678", "password": "wrong"})
    client.post(START, {"phone": "13912345678"})
    _confirm(client, _code(sms_outbox))
    owner.refresh_from_db()
    owner.phone_verified = True
    owner.save()
    response = client.post(reverse("account_login"), {"login": "13912345678", "password": NEW})
    assert response.status_code == 302


def test_the_confirm_page_without_a_request_goes_back_to_the_start(client):
    assert client.get(CONFIRM)["Location"] == START
