"""WeChat sign-in (allauth's Weixin provider, accounts.weixin) against a local fake of WeChat's OAuth endpoints
(tests/fakes/weixin.py): off unless configured; the first sign-in asks for the mobile number every account has and
checks it by SMS; a WeChat account joins its household with the printed code like any other."""

import html
import json
import os
import re
import subprocess
import sys
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.urls import reverse

from accounts.models import User
from community.models import HouseholdBinding
from tests.fakes.weixin import FakeWeixin, Person
from tests.system.processes import ROOT

pytestmark = pytest.mark.django_db

APP_ID, APP_SECRET = "wx0123456789abcdef", "fake-app-secret"
LOGIN = "/accounts/weixin/login/"
CALLBACK = "/accounts/weixin/login/callback/"


@pytest.fixture
def weixin(settings, monkeypatch):
    """WeChat sign-in configured as WEIXIN_APP_ID/WEIXIN_APP_SECRET configure it, every address at the fake."""
    person = Person(openid="o6_bmjrPTlm6_2sgVt7hMZOPfL2M", unionid="o6_union1", nickname="王阿姨🌸")
    fake = FakeWeixin(APP_ID, APP_SECRET, person)
    fake.start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {
            "AUTHORIZE_URL": f"{fake.url}/connect/qrconnect",
            "SCOPE": ["snsapi_login"],
            "APP": {"client_id": APP_ID, "secret": APP_SECRET},
        }
    }
    # allauth's adapter has WeChat's API addresses as class attributes (only AUTHORIZE_URL is a setting).
    monkeypatch.setattr(WeixinOAuth2Adapter, "access_token_url", f"{fake.url}/sns/oauth2/access_token")
    monkeypatch.setattr(WeixinOAuth2Adapter, "profile_url", f"{fake.url}/sns/userinfo")
    yield fake
    fake.stop()


def _code(sms_outbox, phone: str) -> str:
    sent = [text for to, text in sms_outbox if to == phone]
    assert sent, f"no SMS to {phone}: {sms_outbox}"
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sent[-1]).group(1)


def wechat_round_trip(client, fake, next_url: str = "/"):
    """The login page's button, WeChat's page (the person agrees: the fake leads back), and our callback."""
    page = client.get(reverse("account_login"), {"next": next_url}).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">.*?微信登录</button></form>', page, re.S)
    assert form, "no WeChat button on the login page"
    assert f'name="next" value="{next_url}"' in form.group(0)
    response = client.post(form.group(1), {"next": next_url})
    assert response.status_code == 302
    authorize = urlsplit(response["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{fake.url}/connect/qrconnect"
    query = parse_qs(authorize.query)
    assert query["appid"] == [APP_ID] and query["redirect_uri"] == [f"http://testserver{CALLBACK}"]

    with urllib.request.urlopen(response["Location"], timeout=10) as answer:  # the person's phone, on WeChat's page
        way_back = re.search(r'<a id="back" href="([^"]+)">', answer.read().decode()).group(1)
    back = urlsplit(html.unescape(way_back))
    assert back.path == CALLBACK
    return client.get(back.path, {key: values[-1] for key, values in parse_qs(back.query).items()})


def finish_signup(client, sms_outbox, phone: str, display_name: str):
    response = client.post(reverse("socialaccount_signup"), {"phone": phone, "display_name": display_name})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    return client.post(reverse("account_verify_phone"), {"code": _code(sms_outbox, phone.replace(" ", ""))})


# --- Off unless configured ----------------------------------------------------------------------------------------


def test_without_the_settings_there_is_no_button_and_the_addresses_are_gone(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "微信" not in page and LOGIN not in page
    # A SocialApp row made in the admin does not switch it on either: only the settings do.
    SocialApp.objects.create(provider="weixin", name="WeChat", client_id=APP_ID, secret=APP_SECRET)
    assert "微信" not in client.get(reverse("account_login")).content.decode()
    assert client.get(LOGIN).status_code == 404
    assert client.post(LOGIN).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404
    assert not User.objects.exists()


def test_the_environment_switches_it_on():
    """config/settings.py reads WEIXIN_APP_ID and WEIXIN_APP_SECRET: both set, an app and WeChat in form-action."""
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SOCIALACCOUNT_PROVIDERS, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']]))"
    )
    base = {key: value for key, value in os.environ.items() if not key.startswith("WEIXIN_")}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"

    def settings_with(**env):
        run = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {script}"],
            cwd=ROOT,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(run.stdout.strip().splitlines()[-1])

    providers, form_action = settings_with(WEIXIN_APP_ID=APP_ID, WEIXIN_APP_SECRET=APP_SECRET)
    assert providers["weixin"]["APP"] == {"client_id": APP_ID, "secret": APP_SECRET}
    assert "https://open.weixin.qq.com" in form_action
    providers, form_action = settings_with(WEIXIN_APP_ID=APP_ID)  # half a configuration is none
    assert "APP" not in providers["weixin"]
    assert form_action == ["'self'"]


# --- Signing in ---------------------------------------------------------------------------------------------------


def test_first_sign_in_asks_for_the_number_then_later_ones_are_one_tap(client, weixin, sms_outbox):
    response = wechat_round_trip(client, weixin)
    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("socialaccount_signup")).content.decode()
    assert 'value="王阿姨🌸"' in page  # the WeChat name, decoded right, offered as the name to show

    response = finish_signup(client, sms_outbox, phone="139 0000 1111", display_name="王阿姨")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get()
    assert client.session["_auth_user_id"] == str(user.pk)
    assert (user.phone, user.phone_verified, user.display_name) == ("13900001111", True, "王阿姨")
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("weixin", weixin.person.openid)
    assert account.extra_data["unionid"] == "o6_union1"
    paths = [path for path, _query in weixin.requests]
    assert paths == ["/connect/qrconnect", "/sns/oauth2/access_token", "/sns/userinfo"]
    assert weixin.requests[1][1]["secret"] == APP_SECRET

    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    sms_outbox.clear()
    response = wechat_round_trip(client, weixin, next_url="/join/")
    assert response.status_code == 302 and response["Location"] == "/join/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.count() == 1 and not sms_outbox  # no second account, no code to type


def test_a_refusal_in_wechat_or_a_bad_secret_logs_nobody_in(client, weixin):
    weixin.refuse_next = True  # WeChat sends the person back with the state and no code
    response = wechat_round_trip(client, weixin)
    assert response.status_code == 401  # allauth's answer to a failed third-party sign-in
    assert "微信登录未成功" in response.content.decode()

    weixin.app_secret = "rotated-on-wechats-side"
    response = wechat_round_trip(client, weixin)
    assert response.status_code == 401  # allauth's answer to a failed third-party sign-in
    assert "微信登录未成功" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists() and not SocialAccount.objects.exists()


def test_a_number_that_has_an_account_already_makes_no_second_one(client, weixin, sms_outbox, user_factory):
    """The first WeChat sign-in of someone who signed up with their number before: allauth texts the number that it
    has an account (log in with it, then connect WeChat), and says nothing on the page (no enumeration)."""
    owner = user_factory(phone="13900001111", phone_verified=True)
    wechat_round_trip(client, weixin)
    response = client.post(reverse("socialaccount_signup"), {"phone": "13900001111", "display_name": "王阿姨"})
    assert response.status_code == 302 and response["Location"] == reverse("account_verify_phone")
    assert [to for to, _text in sms_outbox] == ["13900001111"]
    assert "已有账户" in sms_outbox[0][1]
    assert list(User.objects.all()) == [owner] and not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


# --- Joining a household ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "relation"),
    [("13712345678", HouseholdBinding.Relation.OWNER), ("13600002222", HouseholdBinding.Relation.MEMBER)],
)
def test_an_account_made_by_wechat_joins_its_household_with_the_printed_code(
    client, weixin, sms_outbox, join_code_factory, phone, relation
):
    """The slip's QR code, WeChat sign-in on the way, and the binding: as the owner when the number checked by SMS
    is the roster owner's (13712345678 here), else as a member, like any account."""
    join_code = join_code_factory(household__owner__phone="13712345678")
    assert client.get(f"/join/{join_code.code}/").status_code == 200
    response = client.post(reverse("join"), {"code": join_code.code})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_signup"))

    response = wechat_round_trip(client, weixin, next_url=reverse("join_complete"))
    assert response["Location"] == reverse("socialaccount_signup")
    page = client.get(reverse("socialaccount_signup")).content.decode()
    assert str(join_code.household.room) in page  # "your join code is for …" stays in view
    response = finish_signup(client, sms_outbox, phone=phone, display_name="")
    assert response["Location"] == reverse("join_complete")
    assert client.get(response["Location"])["Location"] == reverse("home")

    binding = HouseholdBinding.objects.get()
    assert binding.user == User.objects.get(socialaccount__uid=weixin.person.openid)
    assert (binding.household, binding.relation) == (join_code.household, relation)
    join_code.refresh_from_db()
    assert join_code.used_by == binding.user
