"""The join pages: typing or scanning a code, signing up or logging in on the way, the brute-force limit."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import HouseholdBinding, JoinCode
from community.services import join_code_issue, join_code_redeem, join_code_revoke
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

JOIN = reverse("join")
COMPLETE = reverse("join_complete")
NEW_PASSWORD = "lanterns-by-the-river-7"


@pytest.fixture
def household(household_factory):
    return household_factory(
        entrance__building__name="3",
        entrance__name="5",
        entrance__building__community__name="橡胶园小区",
        room="502",
        owner__name="赵秀兰",
        owner__phone="13611112222",
    )


@pytest.fixture
def slip(household):
    """The code printed on the household's slip."""
    return join_code_issue(household=household, by=None)


def _sms_code(sms_outbox, phone):
    return re.search(r"(?<!\d)(\d{6})(?!\d)", [text for to, text in sms_outbox if to == phone][-1]).group(1)


def _codes_state():
    return list(JoinCode.objects.order_by("pk").values_list("used_at", "used_by", "revoked_at"))


def test_the_code_page_is_one_big_input_made_for_phones(client):
    html = client.get(JOIN).content.decode()
    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", html).group(0)
    for attr in ('autocapitalize="characters"', 'autocorrect="off"', 'spellcheck="false"', 'autocomplete="off"'):
        assert attr in field
    assert "输入" in html or "加入码" in html


def test_the_qr_address_fills_the_code_in(client, slip):
    html = client.get(reverse("join_with_code", args=[slip.code.lower()])).content.decode()
    assert f'value="{slip.code}"' in html
    assert not HouseholdBinding.objects.exists()  # opening the link binds nothing


def test_anonymous_person_signs_up_with_their_phone_and_is_bound(client, slip, household, sms_outbox):
    response = client.post(JOIN, {"code": slip.display.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup") + "?next=%2Fjoin%2Fcomplete%2F"

    signup_page = client.get(response["Location"]).content.decode()
    assert "橡胶园小区 3号楼5单元502" in signup_page
    assert "赵秀兰" not in signup_page and "1361111" not in signup_page
    assert "/accounts/login/?next=%2Fjoin%2Fcomplete%2F" in signup_page  # log in instead

    response = client.post(
        response["Location"],
        {"phone": "138 0000 1111", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "next": COMPLETE},
    )
    assert response["Location"] == reverse("account_verify_phone")
    assert not HouseholdBinding.objects.exists()
    response = client.post(
        reverse("account_verify_phone"), {"code": _sms_code(sms_outbox, "13800001111"), "next": COMPLETE}
    )
    assert response["Location"] == COMPLETE

    home = client.get(COMPLETE, follow=True)
    assert home.redirect_chain[-1][0] == reverse("home")
    html = home.content.decode()
    assert "已绑定 3号楼5单元502" in html
    assert "橡胶园小区" in html
    user = User.objects.get(phone="13800001111")
    binding = HouseholdBinding.objects.get()
    assert (binding.user, binding.household) == (user, household)
    slip.refresh_from_db()
    assert slip.used_by == user


def test_anonymous_person_with_an_account_logs_in_instead_and_is_bound(client, slip, household, user_factory):
    user = user_factory(phone="13800001111", phone_verified=True)
    client.post(JOIN, {"code": slip.code})
    response = client.post(reverse("account_login"), {"login": "13800001111", "password": PASSWORD, "next": COMPLETE})
    assert response["Location"] == COMPLETE
    assert "已绑定 3号楼5单元502" in client.get(COMPLETE, follow=True).content.decode()
    assert HouseholdBinding.objects.get().user == user


def test_logged_in_person_confirms_the_household_then_is_bound(client_as, user, slip, household):
    client = client_as(user)
    confirm = client.post(JOIN, {"code": slip.display})
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "3号楼5单元502" in html and "橡胶园小区" in html
    assert "赵秀兰" not in html and "1361111" not in html  # never the owner's name or number
    assert not HouseholdBinding.objects.exists()  # nothing yet: the person must confirm

    response = client.post(JOIN, {"code": slip.code, "confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "已绑定 3号楼5单元502" in response.content.decode()
    assert HouseholdBinding.objects.get().user == user


def test_a_second_family_member_binds_with_a_second_code(client_as, user_factory, slip, household):
    first, second = user_factory(), user_factory()
    client_as(first).post(JOIN, {"code": slip.code, "confirm": "1"})
    second_slip = join_code_issue(household=household, by=None)
    client_as(second).post(JOIN, {"code": second_slip.code, "confirm": "1"})
    assert HouseholdBinding.objects.filter(household=household).count() == 2
    # The first slip cannot bind a third person.
    response = client_as(user_factory()).post(JOIN, {"code": slip.code, "confirm": "1"})
    assert "已经被使用过" in response.content.decode()
    assert HouseholdBinding.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "message"),
    [("unknown", "没有找到这个加入码"), ("expired", "已过期"), ("revoked", "已作废"), ("used", "已经被使用过")],
)
@pytest.mark.parametrize("logged_in", [False, True])
def test_refused_codes_say_why_and_change_nothing(kind, message, logged_in, client_as, user_factory, slip):
    text = slip.code
    if kind == "unknown":
        text = "ABCD-EFGH" if slip.code != "ABCDEFGH" else "HGFE-DCBA"
    elif kind == "expired":
        JoinCode.objects.filter(pk=slip.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif kind == "revoked":
        join_code_revoke(join_code=slip, by=None)
    elif kind == "used":
        join_code_redeem(code=slip.code, user=user_factory())
    before = (_codes_state(), HouseholdBinding.objects.count())
    client = client_as(user_factory() if logged_in else None)
    response = client.post(JOIN, {"code": text, "confirm": "1"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (_codes_state(), HouseholdBinding.objects.count()) == before
    assert "gongyi_join" not in client.session


def test_the_same_person_entering_a_new_code_keeps_their_binding_and_the_code(client_as, user, slip, household):
    client = client_as(user)
    client.post(JOIN, {"code": slip.code, "confirm": "1"})
    fresh = join_code_issue(household=household, by=None)
    response = client.post(JOIN, {"code": fresh.code, "confirm": "1"}, follow=True)
    assert "已绑定 3号楼5单元502" in response.content.decode()
    fresh.refresh_from_db()
    assert fresh.is_usable()
    assert HouseholdBinding.objects.count() == 1


def test_join_complete_needs_a_login_and_a_pending_code(client, client_as, user):
    assert client.get(COMPLETE)["Location"].startswith(reverse("account_login"))
    assert client_as(user).get(COMPLETE)["Location"] == JOIN
    assert not HouseholdBinding.objects.exists()


def test_a_code_used_up_between_entering_it_and_signing_up_is_refused(client, slip, user_factory):
    client.post(JOIN, {"code": slip.code})
    join_code_redeem(code=slip.code, user=user_factory())  # somebody else was quicker
    client.force_login(user_factory())
    response = client.get(COMPLETE, follow=True)
    assert response.redirect_chain[-1][0] == JOIN
    assert "已经被使用过" in response.content.decode()
    assert HouseholdBinding.objects.count() == 1


def _wrong(client, n):
    for i in range(n):
        response = client.post(JOIN, {"code": f"ZZZZ{i:04d}".replace("0", "Z").replace("1", "Y")})
        assert response.status_code == 200


def test_ten_wrong_codes_per_session_then_even_a_right_one_waits(client_as, user, slip):
    client = client_as(user)
    _wrong(client, 10)
    response = client.post(JOIN, {"code": slip.code, "confirm": "1"})
    assert response.status_code == 429
    assert "输错加入码次数过多" in response.content.decode()
    assert not HouseholdBinding.objects.exists()


def test_the_limit_also_holds_per_address_when_cookies_are_dropped(client, slip):
    for _round in range(5):
        client.cookies.clear()
        _wrong(client, 2)
    client.cookies.clear()
    response = client.post(JOIN, {"code": slip.code})
    assert response.status_code == 429
    assert "gongyi_join" not in client.session


def test_another_address_and_session_is_not_blocked(client, slip):
    _wrong(client, 10)
    client.cookies.clear()
    response = client.post(JOIN, {"code": slip.code}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


def test_right_codes_do_not_count(client_as, user_factory, household):
    for _person in range(12):
        client = client_as(user_factory())
        code = join_code_issue(household=household, by=None)
        assert client.post(JOIN, {"code": code.code, "confirm": "1"}).status_code == 302
    assert HouseholdBinding.objects.count() == 12
