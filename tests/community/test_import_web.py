"""The committee's import page: upload → preview (problems or summary) → confirm, and who may use it."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from community.models import Household, Owner, RosterUpload
from community.roster_file import parse_roster
from community.selectors import community_totals
from tests.fixtures.rosters import HEADER, ID_A, ROWS, csv_bytes, edited, xlsx_bytes

pytestmark = pytest.mark.django_db


def upload_url(community):
    return reverse("roster_import", args=[community.slug])


def preview_url(community, upload_id):
    return reverse("roster_import_preview", args=[community.slug, upload_id])


def upload(client, community, content, name="名册.csv"):
    return client.post(upload_url(community), {"file": SimpleUploadedFile(name, content)})


def roster_state(community):
    return (
        list(Household.objects.of(community).order_by("pk").values_list("pk", "room", "area", "owner_id")),
        list(Owner.objects.filter(community=community).order_by("pk").values_list("pk", "name", "phone")),
    )


@pytest.fixture
def committee_client(actors, client_as):
    return client_as(actors.users["committee"])


# --- The whole flow ----------------------------------------------------------------------------------------------


def test_upload_with_a_mistake_then_the_fixed_file_then_confirm(actors, committee_client):
    community = actors.community
    before = roster_state(community)

    bad = edited(edited(ROWS, 3, area="89.555"), 1, room="")
    response = upload(committee_client, community, csv_bytes(bad, encoding="gb18030"))
    assert response.status_code == 302
    bad_upload = RosterUpload.objects.get()
    assert response["Location"] == preview_url(community, bad_upload.pk)

    page = committee_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 个问题" in html and "没有导入任何数据" in html
    assert [(p["row"], p["column"]) for p in page.context["problems"]] == [(3, "房号"), (5, "建筑面积")]
    assert "此项必填，不能为空。" in html and "面积超过 2 位小数" in html
    assert '<td class="num">3</td><td>房号</td>' in html
    assert "确认导入" not in html
    assert committee_client.post(response["Location"]).status_code == 200  # a forged confirm of a bad file
    assert roster_state(community) == before

    response = upload(committee_client, community, xlsx_bytes(ROWS), "名册.xlsx")
    good_upload = RosterUpload.objects.latest("pk")
    page = committee_client.get(response["Location"])
    html = page.content.decode()
    summary = page.context["summary"]
    assert (summary.households_created, summary.households_total, summary.heads) == (6, 7, 6)
    assert "确认导入" in html and "导入后" in html
    assert roster_state(community) == before  # a preview writes nothing

    response = committee_client.post(preview_url(community, good_upload.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("community_overview", args=[community.slug])
    totals = community_totals(community)
    assert (totals.households, totals.heads) == (7, 6)
    good_upload.refresh_from_db()
    assert good_upload.imported_at is not None and bytes(good_upload.content) == b""  # no raw ID numbers kept
    message = [str(m) for m in response.wsgi_request._messages]
    assert message and "名册已导入" in message[0] and "新增 6 户" in message[0]


def test_confirming_twice_imports_once(actors, committee_client):
    community = actors.community
    response = upload(committee_client, community, csv_bytes(ROWS))
    assert committee_client.post(response["Location"]).status_code == 302
    state = roster_state(community)
    again = committee_client.post(response["Location"], follow=True)
    assert "已经导入过了" in again.content.decode()
    assert roster_state(community) == state


def test_an_unchanged_file_says_so(actors, committee_client):
    community = actors.community
    committee_client.post(upload(committee_client, community, csv_bytes(ROWS))["Location"])
    page = committee_client.get(upload(committee_client, community, csv_bytes(ROWS))["Location"])
    assert "导入不会有任何改动" in page.content.decode()


def test_preview_lists_what_changes_and_what_is_kept(actors, committee_client):
    community = actors.community
    committee_client.post(upload(committee_client, community, csv_bytes(ROWS))["Location"])
    page = committee_client.get(
        upload(committee_client, community, csv_bytes(edited(ROWS, 0, area="90.00")[:3]))["Location"]
    )
    html = page.content.decode()
    assert page.context["summary"].households_updated == 1
    assert "3-5-502" in html and "89.50 → 90.00" in html
    assert "不在这个文件里" in html and "3-6-101" in html


def test_the_problems_download(actors, committee_client):
    response = upload(committee_client, actors.community, csv_bytes(edited(ROWS, 0, phone="12")))
    download = committee_client.get(response["Location"] + "?problems=csv")
    assert download["Content-Type"].startswith("text/csv")
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "行,列,问题"
    assert text.splitlines()[1].startswith("2,手机号,不是有效的手机号")


def test_the_problems_download_does_not_carry_formulas(actors, committee_client):
    rows = [[*row, ""] for row in ROWS]
    response = upload(committee_client, actors.community, csv_bytes(rows, header=[*HEADER, "=1+1"]))
    text = committee_client.get(response["Location"] + "?problems=csv").content.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("1,'=1+1,")


def test_english_page(actors, committee_client):
    committee_client.cookies["django_language"] = "en"
    response = upload(committee_client, actors.community, csv_bytes(edited(ROWS, 0, floor="x")))
    html = committee_client.get(response["Location"]).content.decode()
    assert "The floor must be a whole number" in html


# --- Bad uploads ----------------------------------------------------------------------------------------------------


def test_oversize_upload_is_refused(actors, committee_client, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 1024 * 1024
    content = csv_bytes(ROWS) + b"\n" * (1024 * 1024)
    response = upload(committee_client, actors.community, content)
    assert response.status_code == 200
    assert "超过了 1 MB 的上限" in response.content.decode()
    assert not RosterUpload.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("roster.pdf", b"%PDF-1.4", "只能读取 .xlsx 和 .csv 文件"),
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版 .xls 文件"),
        ("roster.csv", b"", "文件是空的"),
    ],
)
def test_wrong_file_type_is_explained(actors, committee_client, name, content, text):
    response = upload(committee_client, actors.community, content, name)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_no_file_chosen(actors, committee_client):
    response = committee_client.post(upload_url(actors.community), {})
    assert "请先选择名册文件" in response.content.decode()


def test_old_uploads_are_deleted_on_a_new_upload(actors, committee_client):
    community = actors.community
    upload(committee_client, community, csv_bytes(ROWS))
    RosterUpload.objects.update(created_at=timezone.now() - timedelta(days=2))
    upload(committee_client, community, csv_bytes(ROWS))
    assert RosterUpload.objects.count() == 1


def test_raw_id_numbers_leave_the_database_after_confirming(actors, committee_client):
    response = upload(committee_client, actors.community, csv_bytes(ROWS))
    assert ID_A.encode() in bytes(RosterUpload.objects.get().content)
    committee_client.post(response["Location"])
    assert ID_A.encode() not in bytes(RosterUpload.objects.get().content)


# --- The page and its template ----------------------------------------------------------------------------------------


def test_upload_page_explains_the_columns(actors, committee_client):
    html = committee_client.get(upload_url(actors.community)).content.decode()
    assert 'accept=".xlsx,.csv"' in html and 'enctype="multipart/form-data"' in html
    assert "建筑面积" in html and "?template=xlsx" in html


@pytest.mark.parametrize(("kind", "filename"), [("xlsx", "t.xlsx"), ("csv", "t.csv")])
def test_template_downloads(actors, committee_client, kind, filename):
    response = committee_client.get(upload_url(actors.community) + f"?template={kind}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert parse_roster(filename, response.content, id_hash_key="k").ok
    if kind == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert [cell.value for cell in sheet[1]][:3] == ["楼栋", "单元", "房号"]


# --- Permissions ------------------------------------------------------------------------------------------------------

REFUSED = ["household", "other_household", "canvasser", "secretary", "other_committee"]


@pytest.fixture
def pending(actors):
    """An upload of this community waiting for confirmation, made by its committee."""
    return RosterUpload.objects.create(
        community=actors.community, uploaded_by=actors.users["committee"], filename="r.csv", content=csv_bytes(ROWS)
    )


@pytest.mark.parametrize("who", REFUSED)
def test_only_this_committee_may_import(actors, client_as, pending, who):
    client = client_as(actors.users[who])
    before = roster_state(actors.community)
    assert client.get(upload_url(actors.community)).status_code == 403
    assert client.get(upload_url(actors.community) + "?template=xlsx").status_code == 403
    assert upload(client, actors.community, csv_bytes(ROWS)).status_code == 403
    assert client.get(preview_url(actors.community, pending.pk)).status_code == 403
    assert client.post(preview_url(actors.community, pending.pk)).status_code == 403
    assert RosterUpload.objects.count() == 1
    assert roster_state(actors.community) == before


def test_anonymous_is_sent_to_log_in(actors, client_as, pending):
    client = client_as(None)
    for response in (
        client.get(upload_url(actors.community)),
        upload(client, actors.community, csv_bytes(ROWS)),
        client.get(preview_url(actors.community, pending.pk)),
        client.post(preview_url(actors.community, pending.pk)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert RosterUpload.objects.count() == 1 and Household.objects.of(actors.community).count() == 1


def test_committee_of_this_community_may(actors, committee_client, pending):
    assert committee_client.get(upload_url(actors.community)).status_code == 200
    assert committee_client.get(preview_url(actors.community, pending.pk)).status_code == 200


def test_another_communitys_upload_is_not_found(actors, client_as, pending):
    """The other community's committee, on its own community's URL, with this community's upload id."""
    client = client_as(actors.users["other_committee"])
    other = actors.other_community
    assert client.get(preview_url(other, pending.pk)).status_code == 404
    assert client.post(preview_url(other, pending.pk)).status_code == 404
    assert RosterUpload.objects.get().imported_at is None
    assert Household.objects.of(other).count() == 1


def test_confirm_needs_post(actors, committee_client, pending):
    assert committee_client.get(preview_url(actors.community, pending.pk)).status_code == 200
    assert committee_client.put(preview_url(actors.community, pending.pk)).status_code == 405
    assert RosterUpload.objects.get().imported_at is None


def test_csrf_is_checked(actors, client_as, pending):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.users["committee"])
    assert client.post(preview_url(actors.community, pending.pk)).status_code == 403
    assert RosterUpload.objects.get().imported_at is None
