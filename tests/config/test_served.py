"""What goes over the wire to a phone (issue 14, "fast on a slow network"): pages gzip-compressed, files left as they
are, the icon at /favicon.ico, the share card (Open Graph tags) of the proposal and join pages, and — against a
real daphne serving `collectstatic`'s output — static files compressed and cached for good under hashed names."""

import gzip
import html
import http.client
import io
import re
import subprocess
import sys

import pytest
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory
from PIL import Image

from config.served import ROOT_FILE_MAX_AGE, TextGZipMiddleware
from proposals.models import State
from tests.factories import HouseholdBindingFactory, HouseholdFactory, RoleFactory, proposal_in_state
from tests.system.conftest import daphnes, require, server_env  # noqa: F401  (the system tests' server fixtures)
from tests.system.processes import ROOT

OG = re.compile(r'<meta property="og:([a-z_]+)" content="([^"]*)">')
TEN_YEARS = 315360000


def og_tags(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in OG.findall(page)}


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Pages compressed, files not (Django's test client through the whole middleware stack) -------------------------


@pytest.mark.django_db
def test_a_page_is_gzipped_when_the_phone_accepts_it(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert "<html" in page and "csrfmiddlewaretoken" in page
    assert int(response["Content-Length"]) == len(response.content) < len(page.encode()) / 2


@pytest.mark.django_db
def test_a_page_goes_out_plain_to_a_client_that_does_not_accept_gzip(client):
    response = client.get("/accounts/login/")
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]  # a cache in between keeps the two versions apart
    assert b"<html" in response.content


def test_compressing_the_same_page_twice_gives_different_bytes():
    """Django's BREACH mitigation: random padding in each response, so sizes do not reveal a secret byte by byte."""
    page = ("<html><body>" + "回执码 ABCD1234 " * 200 + "</body></html>").encode()
    middleware = TextGZipMiddleware(lambda request: HttpResponse(page, content_type="text/html; charset=utf-8"))
    bodies = set()
    for _ in range(5):
        response = middleware(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"))
        assert gzip.decompress(response.content) == page
        bodies.add(response.content)
    assert len(bodies) > 1


def test_a_streamed_file_is_not_compressed_and_keeps_its_length():
    """An attachment or a document (FileResponse): compressed already, and a phone shows progress by its length."""
    data = b"%PDF-1.7\n" + bytes(range(256)) * 64
    middleware = TextGZipMiddleware(lambda request: FileResponse(io.BytesIO(data), content_type="application/pdf"))
    response = middleware(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"))
    assert not response.has_header("Content-Encoding")
    assert response["Content-Length"] == str(len(data))
    assert body_of(response) == data


def test_a_spreadsheet_is_not_compressed_but_a_csv_export_is():
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    xlsx = TextGZipMiddleware(lambda request: HttpResponse(b"PK\x03\x04" + b"\0" * 4000, content_type=xlsx_type))
    response = xlsx(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"))
    assert not response.has_header("Content-Encoding")
    csv = TextGZipMiddleware(lambda request: HttpResponse("房号,面积\n" * 500, content_type="text/csv; charset=utf-8"))
    response = csv(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"))
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode() == "房号,面积\n" * 500


# --- The icon ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_favicon_is_a_small_icon_cached_for_a_week(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response["Cache-Control"] == f"max-age={ROOT_FILE_MAX_AGE}, public"
    data = body_of(response)
    assert data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert len(data) < 8 * 1024
    icon = Image.open(io.BytesIO(data))
    assert (32, 32) in icon.info["sizes"] and (16, 16) in icon.info["sizes"]


@pytest.mark.django_db
def test_every_page_links_the_icon(client):
    page = client.get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)">', page)
    assert match
    assert client.get(match.group(1)).status_code == 200


# --- The share card ----------------------------------------------------------------------------------------------


def assert_share_image(client, tags: dict[str, str]) -> None:
    assert tags["image"].startswith("http://testserver/static/")
    response = client.get(tags["image"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(body_of(response)))
    assert min(image.size) >= 300  # WeChat skips smaller thumbnails


@pytest.mark.django_db
def test_join_page_card_points_at_the_join_page_never_at_a_code(client, join_code_factory):
    code = join_code_factory().code
    for path in ("/join/", f"/join/{code}/"):
        page = client.get(path).content.decode()
        tags = og_tags(page)
        assert tags["url"] == "http://testserver/join/"
        assert tags["title"] == "在共议上绑定您家的房屋"
        assert tags["description"].startswith("输入业委会发放的加入码")
        assert code not in "".join(tags.values())
        assert_share_image(client, tags)


@pytest.fixture
def proposal_and_member(db):
    household = HouseholdFactory(entrance__building__community__name="橡胶园小区")
    community = household.entrance.building.community
    committee = RoleFactory(community=community).user
    proposal = proposal_in_state(
        community,
        committee,
        State.CONSULTATION,
        title='更换3号楼5单元单元门 "对讲" <b>',
        summary="单元门门禁损坏，提议更换为带对讲的防盗门，费用按面积分摊。",
        category="other",
    )
    member = HouseholdBindingFactory(household=household).user
    return proposal, member


def test_proposal_card_shows_what_the_member_sees(client, proposal_and_member):
    proposal, member = proposal_and_member
    client.force_login(member)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    tags = og_tags(page)
    assert tags["title"] == proposal.title
    assert '<meta property="og:title" content="更换3号楼5单元单元门 &quot;对讲&quot; &lt;b&gt;">' in page  # escaped
    assert tags["description"] == f"橡胶园小区 · {proposal.summary}"
    assert tags["url"] == f"http://testserver/proposals/{proposal.pk}/"
    assert_share_image(client, tags)


def test_a_link_fetched_without_login_gets_the_generic_card_and_nothing_of_the_proposal(client, proposal_and_member):
    """What WeChat's server sees for a proposal link pasted into a group: the log-in page, not the proposal."""
    proposal, _member = proposal_and_member
    response = client.get(f"/proposals/{proposal.pk}/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0]
    tags = og_tags(page)
    assert tags["title"] == "共议：小区的议事与表决"
    assert tags["url"] == "http://testserver/accounts/login/"
    for private in ("单元门", "橡胶园", proposal.summary[:6]):
        assert private not in page


# --- As served by daphne from `collectstatic`'s output -----------------------------------------------------------


def http_get(port: int, path: str, accept: str = "gzip") -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": accept, "Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


@pytest.fixture
def collected_server(daphnes, server_env, tmp_path):  # noqa: F811
    """One daphne serving Gongyi as `make run` and production do: static files collected (into a scratch folder)."""
    from django.conf import settings

    require(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql", "needs PostgreSQL")
    env = {"STATIC_COLLECTED": "1", "STATIC_ROOT": str(tmp_path / "static")}
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env={**server_env, **env}, check=True, timeout=300)
    (web,) = daphnes(["web"], env=env)
    return web


def test_served_pages_and_static_files_are_compressed_and_hashed_files_cached_for_good(collected_server):
    port = collected_server.port
    response, body = http_get(port, "/accounts/login/")
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in response.getheader("Vary")
    page = gzip.decompress(body).decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/css/gongyi\.[0-9a-f]{12}\.css)">', page).group(1)

    response, body = http_get(port, stylesheet)
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Cache-Control") == f"max-age={TEN_YEARS}, public, immutable"
    assert b":root" in gzip.decompress(body)
    assert len(body) < int(len(gzip.decompress(body)) * 0.6)

    # The same file under its plain name is not immutable: it would never be refreshed.
    response, _body = http_get(port, "/static/css/gongyi.css")
    assert "immutable" not in response.getheader("Cache-Control")

    response, body = http_get(port, "/favicon.ico")
    assert response.status == 200
    assert response.getheader("Content-Type") in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response.getheader("Cache-Control") == f"max-age={ROOT_FILE_MAX_AGE}, public"
    assert len(body) < 8 * 1024

    image = og_tags(page)["image"]
    assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/static/img/share\.[0-9a-f]{{12}}\.png", image)
    response, _body = http_get(port, image.split(f":{port}", 1)[1])
    assert response.status == 200
    assert "immutable" in response.getheader("Cache-Control")
