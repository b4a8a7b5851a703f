"""Limits that count by the real client behind the README's proxy (nginx in front of daphne).

Before: every request reached Django from the proxy's address, so one stranger's ten wrong join codes refused every
household's right code, and ten failed logins from anyone blocked every login. Here the requests arrive as nginx
hands them over (from 127.0.0.1, the client in X-Forwarded-For, spoofed entries in front of it), with the settings
config/settings.py makes of the README's production environment.
"""

import json
import re
from pathlib import Path

import pytest
from daphne.utils import parse_x_forwarded_for
from django.urls import reverse

from community.services import join_code_issue
from tests.config.test_settings import GOOD, run_manage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
PROXY = "127.0.0.1"
STRANGER = "203.0.113.9"
HOUSEHOLD = "198.51.100.7"


def _production_block() -> str:
    section = README.split("## Production", 1)[1]
    return section.split("```sh", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def production_client_ip_settings() -> dict:
    """ALLAUTH_TRUSTED_* as config/settings.py sets them from the README's production `export` line."""
    exported = dict(re.findall(r"\b([A-Z_]+)=(\S+)", _production_block()))
    env = {**GOOD, **{name: exported[name] for name in ("TRUSTED_PROXY_COUNT",) if name in exported}}
    names = ["ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]
    code = f"import json; from django.conf import settings; print(json.dumps([getattr(settings, n) for n in {names}]))"
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(zip(names, json.loads(result.stdout), strict=True))


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings, production_client_ip_settings):
    for name, value in production_client_ip_settings.items():
        setattr(settings, name, value)


def _from(address: str, spoofed: str = "") -> dict:
    """What nginx hands over: its own connection, the client's address appended to what the client sent."""
    forwarded = f"{spoofed}, {address}" if spoofed else address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded, "HTTP_X_REAL_IP": address}


def test_the_readme_runs_daphne_with_the_clients_address_from_a_header_nginx_overwrites():
    block = _production_block()
    daphnes = [line for line in block.splitlines() if "bin/daphne" in line]
    assert daphnes and all("--proxy-headers" in line for line in daphnes)
    header = re.search(r"--proxy-headers-host (\S+)", daphnes[0]).group(1)
    assert re.search(rf"proxy_set_header {header} \$remote_addr;", README)  # replaced, never appended to
    # daphne then takes that header, not the first entry of X-Forwarded-For that a client can write.
    headers = {b"x-real-ip": [STRANGER.encode()], b"x-forwarded-for": [f"10.9.9.9, {STRANGER}".encode()]}
    address, _scheme = parse_x_forwarded_for(headers, address_header_name=header, original_addr=[PROXY, 40000])
    assert address[0] == STRANGER


def test_a_strangers_wrong_join_codes_do_not_refuse_a_households_right_one(client, household):
    slip = join_code_issue(household=household, by=None)
    for n in range(12):
        client.cookies.clear()  # a new session each time, and a new lie in front of X-Forwarded-For
        client.post(reverse("join"), {"code": f"ZZZZ-ZZZ{'ABCDEFGHJKLM'[n]}"}, **_from(STRANGER, f"10.0.0.{n}"))
    client.cookies.clear()
    refused = client.post(reverse("join"), {"code": slip.code}, **_from(STRANGER))
    assert refused.status_code == 429  # the stranger is stopped…
    client.cookies.clear()
    response = client.post(reverse("join"), {"code": slip.code}, **_from(HOUSEHOLD))
    assert response.status_code == 302  # …and the household, from its own address, goes on
    assert client.session["gongyi_join"]["code"] == slip.code


def test_a_strangers_failed_logins_do_not_block_anybody_elses(client, user_factory):
    member = user_factory(username="wangjianguo", phone="13812345678", phone_verified=True)
    for n in range(12):
        client.post(reverse("account_login"), {"login": f"guess{n}", "password": "x"}, **_from(STRANGER, f"10.0.1.{n}"))
    blocked = client.post(reverse("account_login"), {"login": "wangjianguo", "password": PASSWORD}, **_from(STRANGER))
    assert "登录失败次数过多" in blocked.content.decode()
    response = client.post(reverse("account_login"), {"login": "wangjianguo", "password": PASSWORD}, **_from(HOUSEHOLD))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_sms_code_requests_count_by_the_client(client, sms_outbox):
    start = reverse("account_reset_password_phone")
    for n in range(10):
        client.post(start, {"phone": f"1370000{n:04d}"}, **_from(STRANGER, f"10.0.2.{n}"))
    assert "请求验证码次数过多" in client.post(start, {"phone": "13799999999"}, **_from(STRANGER)).content.decode()
    assert client.post(start, {"phone": "13799999999"}, **_from(HOUSEHOLD)).status_code == 302
