"""The party members' contact card (党员联系牌): an A4 page per entrance with the listed members only, for one
entrance, a building or the whole community; printed by the register's keepers."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from community.models import Role
from community.volunteers import VolunteerInput, contact_cards, volunteer_register, volunteer_withdraw
from documents.contact_cards import render_contact_cards
from tests.documents.conftest import pdf_lines, pdf_reader, pdf_text
from tests.factories import EntranceFactory, RoleFactory

pytestmark = pytest.mark.django_db


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (180, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile("face.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def register(actors):
    """93号楼1单元: 王建国 (party member, photo) and 李秀英 listed, 不公开 unlisted, 已退出 withdrawn; 93号楼2单元:
    刘芳 listed; 95号楼1单元: only an unlisted one."""
    community, by = actors.community, actors.users["committee"]
    one = EntranceFactory(building__community=community, building__name="93", name="1")
    two = EntranceFactory(building=one.building, name="2")
    far = EntranceFactory(building__community=community, building__name="95", name="1")

    def add(name, entrance, phone, listed=True, party=False, with_photo=False):
        data = VolunteerInput(
            name=name, entrance=entrance, phone=phone, skills="帮老人买菜", party_member=party, listed=listed
        )
        return volunteer_register(community=community, by=by, data=data, photo=photo() if with_photo else None)

    add("王建国", one, "13811112222", party=True, with_photo=True)
    add("李秀英", one, "13933334444")
    add("不公开", one, "13755556666", listed=False)
    volunteer_withdraw(volunteer=add("已退出", one, "13677778888"), by=by)
    add("刘芳", two, "13599990000")
    add("赵隐", far, "13500001111", listed=False)
    return {"one": one, "two": two, "far": far, "building": one.building}


def test_one_page_per_entrance_with_only_the_listed(actors, register):
    with translation.override("zh-hans"):
        pdf = render_contact_cards(actors.community, contact_cards(actors.community))
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 2  # 95号楼1单元 has nobody listed: no card
    first = reader.pages[0].extract_text()
    assert "党员联系牌" in first and "93号楼1单元" in first
    for words in ("王建国", "13811112222", "党员", "李秀英", "13933334444", "帮老人买菜"):
        assert words in first, words
    assert "刘芳" in reader.pages[1].extract_text() and "刘芳" not in first
    text = pdf_text(pdf)
    for hidden in ("不公开", "13755556666", "已退出", "13677778888", "赵隐", "13500001111"):
        assert hidden not in text, hidden
    # The photo is embedded (a data: URL, nothing fetched): the page carries an image.
    assert list(reader.pages[0].images)


def test_the_route_prints_an_entrance_a_building_or_all(actors, register, client_as):
    client = client_as(actors.users["secretary"])
    url = reverse("document_contact_cards", args=[actors.community.slug])
    response = client.get(url, {"entrance": register["two"].pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    lines = pdf_lines(response.content)
    assert "刘芳" in " ".join(lines) and "王建国" not in " ".join(lines)
    response = client.get(url, {"building": register["building"].pk})
    assert len(pdf_reader(response.content).pages) == 2
    # Nobody listed there: back to the register, saying why; another community's entrance: not found.
    response = client.get(url, {"entrance": register["far"].pk})
    assert response.status_code == 302 and response["Location"] == reverse("volunteer_list", args=["here"])
    foreign = EntranceFactory(building__community=actors.other_community)
    assert client.get(url, {"entrance": foreign.pk}).status_code == 404
    assert client.get(url, {"entrance": "x"}).status_code == 404


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("anonymous", "login"),
        ("household", 403),
        ("other_household", 403),
        ("canvasser", 403),
        ("other_committee", 403),
        ("secretary", 200),
        ("committee", 200),
        ("party", 200),
    ],
)
def test_who_may_print(actors, register, client_as, actor, expected):
    actors.users["party"] = RoleFactory(community=actors.community, kind=Role.Kind.PARTY).user
    url = reverse("document_contact_cards", args=[actors.community.slug])
    response = client_as(actors.users[actor]).get(url, {"entrance": register["two"].pk})
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected
