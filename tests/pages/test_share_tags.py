"""Share cards (templates/includes/share_card.html): what WeChat and other chat apps show for a link to the proposal,
meeting and join pages — title, plain-text summary, image, with absolute addresses, escaped — and that a link fetched
without a login shows nothing of a proposal or meeting a stranger may not read."""

import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from PIL import Image

from meetings.models import Meeting, MeetingState
from meetings.services import meeting_create
from proposals.models import State
from tests.factories import HouseholdBindingFactory, HouseholdFactory, RoleFactory, proposal_in_state

pytestmark = pytest.mark.django_db

SITE_TITLE = "共议：小区的议事与表决"
SUMMARY = '单元门门禁损坏，提议更换为带对讲的防盗门 "A&B" <门禁>，费用按面积分摊。'
LONG_SUMMARY = "电梯已运行十八年，故障频繁，" * 12  # 168 characters: more than a card shows


class Card(HTMLParser):
    """The <meta> tags of a page's head, by what names them (og:title, description, itemprop:name …)."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: dict[str, str] = {}
        self.html_itemscope = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_itemscope = "itemscope" in attrs and attrs.get("itemtype") == "https://schema.org/WebPage"
        if tag != "meta" or "content" not in attrs:
            return
        key = attrs.get("property") or attrs.get("name") or (attrs.get("itemprop") and f"itemprop:{attrs['itemprop']}")
        if key:
            assert key not in self.tags, f"{key} twice"
            self.tags[key] = attrs["content"]


def card_of(page: str) -> dict[str, str]:
    card = Card(page)
    tags = card.tags
    assert card.html_itemscope  # the microdata belongs to the page
    for key in ("og:title", "og:description", "og:url", "og:image", "og:type", "og:site_name", "description"):
        assert tags.get(key), f"{key} missing"
    # One title, one summary, one image, whoever reads them.
    assert tags["itemprop:name"] == tags["og:title"]
    assert tags["itemprop:description"] == tags["og:description"] == tags["description"]
    assert tags["itemprop:image"] == tags["og:image"]
    assert tags["og:site_name"] == "共议" and tags["og:type"] == "website"
    return tags


def assert_real_image(client, url: str) -> None:
    assert url.startswith("http://testserver/static/")
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    image = Image.open(io.BytesIO(body))
    image.verify()
    assert min(image.size) >= 300  # WeChat drops smaller thumbnails


@pytest.fixture
def place(db):
    household = HouseholdFactory(entrance__building__community__name="橡胶园小区")
    community = household.entrance.building.community
    committee = RoleFactory(community=community).user
    member = HouseholdBindingFactory(household=household).user
    return community, committee, member


def make_proposal(place, state=State.CONSULTATION, **fields):
    community, committee, _member = place
    fields = {
        "title": '更换3号楼5单元单元门 "对讲" <b>',
        "summary": SUMMARY,
        "body": "## 方案\n\n**费用**：约 *3万元*，详见附件。",
        "category": "other",
    } | fields
    return proposal_in_state(community, committee, state, **fields)


@pytest.fixture
def meeting(place):
    community, committee, _member = place
    opens = timezone.now() + timedelta(days=20)
    meeting = meeting_create(
        community=community,
        by=committee,
        title='2027年第一次业主大会 "年度" <会议>',
        organiser="committee",
        voting_opens_at=opens,
        voting_closes_at=opens + timedelta(days=3),
    )
    # Published (the agenda's own rules are tested in tests/meetings): what households may read.
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.NOTICE, notice_published_at=timezone.now())
    meeting.refresh_from_db()
    return meeting


# --- What a member shares -------------------------------------------------------------------------------------


def test_proposal_card_title_summary_image_and_address(client, place):
    proposal = make_proposal(place)
    client.force_login(place[2])
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    tags = card_of(page)
    assert tags["og:title"] == proposal.title
    assert tags["og:description"] == f"橡胶园小区 · {SUMMARY}"
    assert tags["og:url"] == f"http://testserver/proposals/{proposal.pk}/"
    # Escaped in the HTML: the quotes and brackets of the title and summary cannot end the attribute or open a tag.
    assert '<meta property="og:title" content="更换3号楼5单元单元门 &quot;对讲&quot; &lt;b&gt;">' in page
    assert "&quot;A&amp;B&quot; &lt;门禁&gt;" in page
    # Plain text: the Markdown body never reaches the card.
    assert not any("费用**" in value or "##" in value for value in tags.values())
    assert_real_image(client, tags["og:image"])


def test_a_long_summary_is_cut_to_what_a_card_shows(client, place):
    proposal = make_proposal(place, summary=LONG_SUMMARY)
    client.force_login(place[2])
    tags = card_of(client.get(f"/proposals/{proposal.pk}/").content.decode())
    description = tags["og:description"]
    assert len(description) == 80
    kept = description.removesuffix("...")  # Django's Chinese "…" when it cuts a text
    assert len(kept) == 77 and f"橡胶园小区 · {LONG_SUMMARY}".startswith(kept)
    assert tags["description"] == description


def test_meeting_card(client, place, meeting):
    client.force_login(place[2])
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    tags = card_of(page)
    assert tags["og:title"] == meeting.title
    assert '<meta itemprop="name" content="2027年第一次业主大会 &quot;年度&quot; &lt;会议&gt;">' in page
    opens = timezone.localtime(meeting.voting_opens_at).strftime("%Y-%m-%d %H:%M")
    closes = timezone.localtime(meeting.voting_closes_at).strftime("%Y-%m-%d %H:%M")
    assert tags["og:description"] == f"橡胶园小区 · 会议通知 · 投票时间 {opens} 至 {closes}"
    assert tags["og:url"] == f"http://testserver/meetings/{meeting.pk}/"
    assert_real_image(client, tags["og:image"])


def test_join_pages_share_the_join_page_never_a_code(client, join_code_factory):
    code = join_code_factory().code
    for path in ("/join/", f"/join/{code}/"):
        page = client.get(path).content.decode()
        tags = card_of(page)
        assert tags["og:url"] == "http://testserver/join/"
        assert tags["og:title"] == "在共议上绑定您家的房屋"
        assert tags["og:description"].startswith("输入业委会发放的加入码")
        assert code not in "".join(tags.values())
        assert_real_image(client, tags["og:image"])


def test_other_pages_get_gongyis_own_card_at_their_own_address(client):
    tags = card_of(client.get("/accounts/signup/").content.decode())
    assert tags["og:title"] == SITE_TITLE
    assert tags["og:url"] == "http://testserver/accounts/signup/"
    assert tags["og:description"].startswith("在手机上查看小区的议案")


def test_addresses_follow_the_host_and_scheme_the_link_was_opened_with(client, settings, place):
    settings.ALLOWED_HOSTS = ["gongyi.example.org"]
    proposal = make_proposal(place)
    client.force_login(place[2])
    page = client.get(f"/proposals/{proposal.pk}/", HTTP_HOST="gongyi.example.org", secure=True).content.decode()
    tags = card_of(page)
    assert tags["og:url"] == f"https://gongyi.example.org/proposals/{proposal.pk}/"
    assert tags["og:image"].startswith("https://gongyi.example.org/static/img/share")


# --- What a crawler (no login) gets -----------------------------------------------------------------------------


def assert_nothing_of(page: str, *private: str) -> None:
    for text in private:
        assert text not in page, text


def test_a_pasted_proposal_link_shows_the_generic_card_and_nothing_of_the_proposal(client, place):
    """No proposal is readable without a login (proposals.rules: staff, or a household of the community once it is
    out of draft): WeChat's crawler is sent to log in, whose card is Gongyi's own."""
    proposal = make_proposal(place, state=State.VOTING)
    response = client.get(f"/proposals/{proposal.pk}/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    page = response.content.decode()
    tags = card_of(page)
    assert tags["og:title"] == SITE_TITLE
    assert tags["og:url"] == "http://testserver/accounts/login/"
    assert_nothing_of(page, "单元门", "门禁", "橡胶园", "对讲")


def test_a_pasted_meeting_link_shows_the_generic_card_and_nothing_of_the_meeting(client, meeting):
    response = client.get(f"/meetings/{meeting.pk}/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    page = response.content.decode()
    assert card_of(page)["og:title"] == SITE_TITLE
    assert_nothing_of(page, "2027年第一次业主大会", "橡胶园")


def test_a_draft_is_not_shared_with_a_member_who_may_not_read_it(client, place):
    proposal = make_proposal(place, state=State.DRAFT, title="尚未公开的草案标题")
    client.force_login(place[2])
    response = client.get(f"/proposals/{proposal.pk}/")
    assert response.status_code == 403
    assert_nothing_of(response.content.decode(), "尚未公开的草案标题", "单元门")
