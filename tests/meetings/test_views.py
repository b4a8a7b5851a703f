"""The meeting pages: the committee's forms refuse bad input with a message and change nothing; the notice page
reads in the same number of queries for 1 or 10 agenda items; who gets which answer."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from meetings.models import AgendaItem, Candidate, Meeting, MeetingState
from meetings.selectors import meeting_before_close
from meetings.services import agenda_election_add, agenda_matter_add, candidate_add, meeting_publish_notice
from tests.meetings.conftest import make_meeting, make_proposal

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client, url, data):
    return client.post(url, data, follow=True)


# --- Creating a meeting --------------------------------------------------------------------------------------


def test_the_committee_creates_a_meeting(client_as, actors, committee):
    client = client_as(committee)
    opens = timezone.localtime() + timedelta(days=20)
    response = client.post(
        reverse("meeting_new", args=[actors.community.slug]),
        {
            "title": "业主大会",
            "organiser": "committee",
            "electorate": "",
            "voting_opens_at": opens.strftime(LOCAL),
            "voting_closes_at": (opens + timedelta(days=3)).strftime(LOCAL),
            "blank_counts_as": "abstention",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("meeting_edit", args=[meeting.pk])
    assert (meeting.community, meeting.building, meeting.state) == (actors.community, None, MeetingState.DRAFT)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"organiser": "mayor"}, "Select a valid choice"),
        ({"voting_opens_at": "tomorrow"}, "Enter a valid date/time"),
        ({"voting_closes_at": "2020-01-01T10:00"}, "Voting must close after it opens"),
        ({"voting_opens_at": "2001-01-01T10:00"}, "Voting must open in the future"),
        ({"electorate": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_meeting_is_refused_and_nothing_saved(client_as, actors, committee, change, message):
    client = client_as(committee)
    opens = timezone.localtime() + timedelta(days=20)
    data = {
        "title": "业主大会",
        "organiser": "committee",
        "voting_opens_at": opens.strftime(LOCAL),
        "voting_closes_at": (opens + timedelta(days=3)).strftime(LOCAL),
        "blank_counts_as": "abstention",
    } | change
    response = client.post(reverse("meeting_new", args=[actors.community.slug]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


# --- The editor ----------------------------------------------------------------------------------------------


def test_adding_a_matter_from_the_list(client_as, actors, committee, meeting):
    proposal = make_proposal(actors.community, committee)
    response = follow(client_as(committee), reverse("meeting_matter_add", args=[meeting.pk]), {"proposal": proposal.pk})
    assert "The matter is on the agenda." in messages_of(response)
    assert meeting.items.get().proposal == proposal


def test_a_proposal_of_another_community_cannot_be_posted(client_as, actors, committee, meeting):
    other = make_proposal(actors.other_community, actors.users["other_committee"])
    response = follow(client_as(committee), reverse("meeting_matter_add", args=[meeting.pk]), {"proposal": other.pk})
    assert "Choose one of the proposals offered." in messages_of(response)
    assert not meeting.items.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "业委会", "seats": "0", "alternates": "0", "rule": "civil_code_ordinary"}, "Seats"),
        ({"title": "业委会", "seats": "abc", "alternates": "0", "rule": "civil_code_ordinary"}, "Seats"),
        ({"title": "", "seats": "7", "alternates": "0", "rule": "civil_code_ordinary"}, "Election of"),
        ({"title": "业委会", "seats": "7", "alternates": "-2", "rule": "civil_code_ordinary"}, "Alternates"),
        ({"title": "业委会", "seats": "7", "alternates": "0", "rule": "nope"}, "Each candidate is elected under"),
    ],
)
def test_a_bad_election_is_refused(client_as, committee, meeting, data, message):
    response = follow(client_as(committee), reverse("meeting_election_add", args=[meeting.pk]), data)
    assert any(message in text for text in messages_of(response))
    assert not meeting.items.exists()


@pytest.fixture
def election(meeting, committee):
    return agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Candidate's name"),
        ({"name": "张三", "flat": "99-9-999"}, "is not a household of this community"),
        ({"name": "张三", "statement": "好" * 301}, "Short statement"),
    ],
)
def test_a_bad_candidate_is_refused(client_as, committee, meeting, election, data, message):
    url = reverse("meeting_candidate_add", args=[meeting.pk, election.pk])
    response = follow(client_as(committee), url, data)
    assert any(message in text for text in messages_of(response))
    assert not Candidate.objects.exists()


def test_a_candidate_with_a_flat(client_as, actors, committee, meeting, election):
    household = actors.household_obj
    code = f"{household.entrance.building.name}-{household.entrance.name}-{household.room}"
    url = reverse("meeting_candidate_add", args=[meeting.pk, election.pk])
    response = follow(
        client_as(committee), url, {"name": "王芳", "flat": code, "party_member": "on", "show_party": "on"}
    )
    assert "The candidate is on the list." in messages_of(response)
    candidate = election.candidates.get()
    assert (candidate.household, candidate.party_shown) == (household, True)


def test_moving_and_removing(client_as, actors, committee, meeting, election):
    matter = agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(actors.community, committee))
    client = client_as(committee)
    follow(client, reverse("meeting_item_move", args=[meeting.pk, matter.pk]), {"direction": "up"})
    assert list(meeting.items.values_list("kind", flat=True)) == ["matter", "election"]
    response = follow(client, reverse("meeting_item_move", args=[meeting.pk, matter.pk]), {"direction": "sideways"})
    assert "Choose whether to move the item up or down." in messages_of(response)
    assert list(meeting.items.values_list("kind", flat=True)) == ["matter", "election"]
    follow(client, reverse("meeting_item_remove", args=[meeting.pk, election.item.pk]), {})
    assert list(meeting.items.values_list("kind", flat=True)) == ["matter"]


def test_another_meetings_item_is_not_found(client_as, actors, committee, meeting, election):
    other = make_meeting(actors.community, committee)
    response = client_as(committee).post(reverse("meeting_item_remove", args=[other.pk, election.item.pk]))
    assert response.status_code == 404
    assert AgendaItem.objects.filter(pk=election.item.pk).exists()


# --- Publishing ---------------------------------------------------------------------------------------------


def test_publishing_asks_first_and_then_freezes(client_as, committee, meeting, election):
    for name in ("甲", "乙", "丙"):
        candidate_add(election=election, by=committee, name=name)
    client = client_as(committee)
    url = reverse("meeting_publish", args=[meeting.pk])
    page = client.get(url)
    assert "The agenda and the candidates are final." in page.content.decode()
    response = follow(client, url, {})
    assert "Tick the box to confirm" in " ".join(messages_of(response))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.DRAFT
    response = client.post(url, {"confirm": "yes"})
    assert response.url == reverse("meeting_detail", args=[meeting.pk])
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.NOTICE
    response = follow(client, reverse("meeting_candidate_add", args=[meeting.pk, election.pk]), {"name": "丁"})
    assert "can no longer be changed" in " ".join(messages_of(response))
    assert election.candidates.count() == 3


def test_publishing_lists_what_stops_it(client_as, committee, meeting):
    page = client_as(committee).get(reverse("meeting_publish", args=[meeting.pk]))
    assert "The agenda is empty" in page.content.decode()
    response = follow(client_as(committee), reverse("meeting_publish", args=[meeting.pk]), {"confirm": "yes"})
    assert "The agenda is empty" in " ".join(messages_of(response))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.DRAFT


# --- Who gets which page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("committee", 200), ("secretary", 200), ("household", 403), ("other_committee", 403), ("anonymous", 302)],
)
def test_the_editor_is_the_committees(client_as, actors, meeting, who, status):
    response = client_as(actors.users[who]).get(reverse("meeting_edit", args=[meeting.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("committee", 200), ("household", 200), ("other_household", 403), ("other_committee", 403), ("anonymous", 302)],
)
def test_the_notice_is_the_communitys(client_as, actors, committee, meeting, election, who, status):
    candidate_add(election=election, by=committee, name="甲", party_member=True, show_party=True)
    candidate_add(election=election, by=committee, name="乙", party_member=True)
    meeting_publish_notice(meeting=meeting, by=committee)
    response = client_as(actors.users[who]).get(reverse("meeting_detail", args=[meeting.pk]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert html.count('class="badge"') == 1  # party membership only where the candidate agreed


def test_a_household_cannot_read_a_draft(client_as, actors, meeting):
    response = client_as(actors.users["household"]).get(reverse("meeting_detail", args=[meeting.pk]))
    assert response.status_code == 403


def test_the_text_reminder_is_offered_exactly_while_texts_may_go_out(client_as, committee, meeting, election):
    """From the notice until the close, and not past the close before the scheduled job closes the meeting: the
    button shows exactly when messaging would let the committee text (messaging.selectors.kinds_open)."""
    from messaging.selectors import kinds_open
    from tests.meetings.conftest import open_voting_now

    client = client_as(committee)
    button = reverse("sms_compose_meeting", args=[meeting.pk])

    def offered() -> bool:
        shown = button in client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
        meeting.refresh_from_db()
        assert shown == bool(kinds_open(meeting, timezone.now()))
        return shown

    for name in ("甲", "乙"):
        candidate_add(election=election, by=committee, name=name)
    assert not offered()  # a draft
    meeting_publish_notice(meeting=meeting, by=committee)
    assert offered()
    open_voting_now(meeting)
    assert offered()
    past = timezone.now() - timedelta(minutes=1)
    Meeting.objects.filter(pk=meeting.pk).update(voting_opens_at=past - timedelta(days=3), voting_closes_at=past)
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.VOTING
    assert not offered()


def test_before_the_close_is_one_condition_read_in_one_query(committee, meeting, election, django_assert_num_queries):
    """meeting_before_close reads the condition messaging's open_for_texts filters on (Meeting.objects.before_close):
    published, and its voting not closed at the moment asked about."""
    for name in ("甲", "乙"):
        candidate_add(election=election, by=committee, name=name)
    now = timezone.now()
    with django_assert_num_queries(1):
        assert not meeting_before_close(meeting, now)  # a draft
    meeting_publish_notice(meeting=meeting, by=committee)
    meeting.refresh_from_db()
    closes = meeting.voting_closes_at
    assert meeting_before_close(meeting, closes - timedelta(seconds=1)) and not meeting_before_close(meeting, closes)
    assert list(Meeting.objects.before_close(now)) == [meeting]
    assert not Meeting.objects.before_close(closes).exists()
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.CLOSED)
    assert not meeting_before_close(meeting, now)


# --- Constant queries -----------------------------------------------------------------------------------------


def _agenda_of(meeting, committee, community, items: int):
    # The first item is an election, so both agendas read candidates: only their length differs.
    for n in range(items):
        if n % 2 == 0:
            election = agenda_election_add(meeting=meeting, by=committee, title=f"选举{n}", seats=1)
            for c in range(3):
                candidate_add(election=election, by=committee, name=f"候选人{c}", statement="为大家服务")
        else:
            agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(community, committee))
    return meeting_publish_notice(meeting=meeting, by=committee)


def test_the_notice_reads_in_constant_queries(client_as, actors, committee):
    counts = []
    client = client_as(actors.users["household"])
    for items in (1, 10):
        meeting = _agenda_of(make_meeting(actors.community, committee), committee, actors.community, items)
        client.get(reverse("meeting_detail", args=[meeting.pk]))  # warm the session and role caches alike
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("meeting_detail", args=[meeting.pk]))
        assert response.status_code == 200
        assert response.content.decode().count('class="card agenda-item"') == items
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_notice_speaks_chinese(client_as, actors, committee, meeting, election, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    for name in ("甲", "乙"):
        candidate_add(election=election, by=committee, name=name)
    meeting_publish_notice(meeting=meeting, by=committee)
    with translation.override("zh-hans"):
        html = client_as(actors.users["household"]).get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    for words in ("会议通知", "召集人", "业主委员会", "应选2人", "候选人", "如何投票", "纸质投票"):
        assert words in html, words


def test_the_committee_changes_a_drafts_window(client_as, actors, committee, meeting):
    client = client_as(committee)
    url = reverse("meeting_change", args=[meeting.pk])
    page = client.get(url)
    assert timezone.localtime(meeting.voting_opens_at).strftime(LOCAL) in page.content.decode()
    opens = timezone.localtime() + timedelta(days=30)
    data = {
        "title": "改期后的业主大会",
        "organiser": "preparatory",
        "electorate": "",
        "voting_opens_at": opens.strftime(LOCAL),
        "voting_closes_at": opens.strftime(LOCAL),
        "blank_counts_as": "absent",
    }
    assert client.post(url, data).status_code == 400
    meeting.refresh_from_db()
    assert meeting.title != "改期后的业主大会"
    data["voting_closes_at"] = (opens + timedelta(days=2)).strftime(LOCAL)
    assert client.post(url, data).url == reverse("meeting_edit", args=[meeting.pk])
    meeting.refresh_from_db()
    assert (meeting.title, meeting.organiser, meeting.blank_counts_as) == ("改期后的业主大会", "preparatory", "absent")


@pytest.mark.parametrize(("days", "saved"), [("30", 30), ("0", 15), ("91", 15), ("abc", 15)])
def test_the_minimum_notice_setting(client_as, actors, committee, days, saved):
    from meetings.services import minimum_notice_days

    url = reverse("meeting_notice_settings", args=[actors.community.slug])
    response = follow(client_as(committee), url, {"minimum_notice_days": days})
    assert minimum_notice_days(actors.community) == saved
    expected = "The minimum notice is saved." if saved == 30 else "Minimum notice (days)"
    assert any(expected in text for text in messages_of(response))


def test_only_the_committee_sets_the_minimum_notice(client_as, actors):
    from meetings.services import minimum_notice_days

    url = reverse("meeting_notice_settings", args=[actors.community.slug])
    response = client_as(actors.users["household"]).post(url, {"minimum_notice_days": "1"})
    assert response.status_code == 403
    assert minimum_notice_days(actors.community) == 15


def _photo(fmt: str = "JPEG") -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (900, 1200), (200, 120, 80)).save(out, format=fmt)
    return out.getvalue()


def test_a_candidates_photo_is_stored_re_encoded_and_served_to_readers_of_the_notice(
    client_as, actors, committee, meeting, election, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    original = _photo()
    url = reverse("meeting_candidate_add", args=[meeting.pk, election.pk])
    upload = SimpleUploadedFile("me.jpg", original, content_type="image/jpeg")
    response = follow(client_as(committee), url, {"name": "王芳", "photo": upload})
    assert "The candidate is on the list." in messages_of(response)
    candidate = election.candidates.get()
    stored = candidate.photo.read()
    assert stored.startswith(b"\x89PNG") and stored != original
    photo_url = reverse("meeting_candidate_photo", args=[meeting.pk, candidate.pk])
    assert photo_url in client_as(committee).get(reverse("meeting_edit", args=[meeting.pk])).content.decode()
    served = client_as(committee).get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert (served["Cache-Control"], served["X-Content-Type-Options"]) == ("private, max-age=3600", "nosniff")
    # A household of the community reads it only once the notice is published; another community never.
    assert client_as(actors.users["household"]).get(photo_url).status_code == 403
    assert client_as(actors.users["other_household"]).get(photo_url).status_code == 403


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 not a photo", "Only a photo"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "Only a photo"),
    ],
)
def test_a_photo_that_is_not_an_image_is_refused_and_nothing_added(
    client_as, committee, meeting, election, content, message, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    url = reverse("meeting_candidate_add", args=[meeting.pk, election.pk])
    upload = SimpleUploadedFile("me.png", content, content_type="image/png")
    response = follow(client_as(committee), url, {"name": "王芳", "photo": upload})
    assert any(message in text for text in messages_of(response))
    assert not Candidate.objects.exists()
    assert not list(tmp_path.rglob("*.png"))
