"""The committee's text-message pages: compose → preview (reads only) → send (one batch, even on a double click) →
the batch's page (constant in queries); refusals that create nothing; the community's settings; a household's
opt-out from the home page."""

import re
import threading
import time
from datetime import time as time_of_day
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from community.models import Building, Community, HouseholdBinding
from meetings.models import Meeting, MeetingState
from messaging.forms import PolicyForm
from messaging.models import Batch, Message, MessageStatus, OptOut, Policy, ShortLink, parse_reminder_days
from messaging.sending import messages_send_due, receipts_collect
from proposals.models import Category, Proposal, State
from tests.factories import EntranceFactory, HouseholdFactory, proposal_in_state
from tests.meetings.conftest import make_meeting
from tests.voting.conftest import scan
from voting.models import Channel, Choice
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


def preview_url(proposal, **query):
    from urllib.parse import urlencode

    return reverse("sms_preview", args=[proposal.pk]) + "?" + urlencode({"kind": "reminder", "place": ""} | query)


def confirm_fields(html: str) -> dict[str, str]:
    """The hidden fields of the preview's confirm form, as the browser posts them."""
    form = re.search(r'<form method="post"[^>]*class="sms-confirm".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def send_all(batch):
    """The task queue's work, run here: everything due is sent, then the delivery reports are read."""
    due = batch.messages.aggregate(latest=Max("send_after"))["latest"]
    messages_send_due(now=due)
    receipts_collect(now=due)


def test_compose_preview_send_and_the_batch_page(voting, estate, actors, client_as):
    committee = actors.users["committee"]
    ballot_cast(
        proposal=voting, household=estate[3], choice=Choice.AGREE, channel=Channel.PAPER, by=committee, evidence=scan()
    )
    client = client_as(actors.users["secretary"])
    page = client.get(reverse("sms_compose", args=[voting.pk]))
    assert page.status_code == 200
    assert b'value="reminder"' in page.content and b'value="opened"' in page.content

    preview = client.get(preview_url(voting))
    html = preview.content.decode()
    assert preview.status_code == 200
    # The text exactly as the phone shows it: the signature, the community, the title, the deadline, the link.
    assert re.search(r"【共议】本小区业主您好：“电动车车库”将于\d+月\d+日\d\d:\d\d截止，您家还没有表决。", html)
    assert "http://127.0.0.1:8000/s/" in html
    # 7 households, one voted: 6 chosen, one has no phone; two flats of one owner share a text.
    assert re.search(r'id="figure-households">[^<]*<b>5</b>', html)
    assert re.search(r'id="figure-phones">[^<]*<b>4</b>', html)
    assert re.search(r'id="figure-no-phone">[^<]*<b>1</b>', html)
    # Each text is two billed parts (over 70 characters with the signature): 4 phones × 2 × ¥0.045.
    assert "2 billed messages per phone" in html
    assert re.search(r'id="figure-cost">[^<]*<b>¥0.36</b>', html)
    # A preview writes nothing, not even the short link (its place shows as a code would).
    assert not Batch.objects.exists() and not Message.objects.exists() and not ShortLink.objects.exists()

    fields = confirm_fields(html)
    assert set(fields) - {"csrfmiddlewaretoken"} == {"kind", "place", "token"}
    sent = client.post(reverse("sms_send", args=[voting.pk]), fields)
    batch = Batch.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse("sms_batch", args=[batch.pk])
    assert batch.key == f"manual:p{voting.pk}:{fields['token']}"
    assert batch.created_by == actors.users["secretary"] and batch.voted_before == 1
    assert batch.messages.count() == 4

    page = client.get(reverse("sms_batch", args=[batch.pk])).content.decode()
    assert re.search(r'id="count-queued">[^<]*<b>4</b>', page)
    send_all(batch)
    page = client.get(reverse("sms_batch", args=[batch.pk])).content.decode()
    assert re.search(r'id="count-delivered">[^<]*<b>4</b>', page)
    assert re.search(r'id="count-queued">[^<]*<b>0</b>', page)
    assert "1 of 7 households voted" in page


def test_a_double_submit_makes_one_batch(voting, actors, client_as):
    client = client_as(actors.users["committee"])
    fields = confirm_fields(client.get(preview_url(voting)).content.decode())
    first = client.post(reverse("sms_send", args=[voting.pk]), fields)
    again = client.post(reverse("sms_send", args=[voting.pk]), fields, follow=True)
    assert Batch.objects.count() == 1 and Message.objects.count() == 5
    assert again.redirect_chain[0][0] == first["Location"]
    assert b"already sent" in again.content
    # A new preview is a new token: a deliberate second batch.
    fields = confirm_fields(client.get(preview_url(voting)).content.decode())
    client.post(reverse("sms_send", args=[voting.pk]), fields)
    assert Batch.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_second_post_at_the_same_time_waits_and_shows_the_first_batch(voting, actors, client_as):
    """The same form posted twice at once: the second post waits for the community's lock while the first makes the
    batch, then finds it under the lock: it makes no second batch, shows the first and says it was already sent."""
    client = client_as(actors.users["committee"])
    fields = confirm_fields(client.get(preview_url(voting)).content.decode())
    url = reverse("sms_send", args=[voting.pk])
    second = Client()
    second.force_login(actors.users["committee"])
    answers = []

    def post_again():
        try:
            answers.append(second.post(url, fields, follow=True))
        finally:
            connections.close_all()

    with transaction.atomic():
        Community.objects.select_for_update().get(pk=actors.community.pk)  # the first post's lock, taken early
        waiting = threading.Thread(target=post_again)
        waiting.start()
        with connection.cursor() as cursor:
            for _ in range(200):  # until the second post waits for the lock (10 s at most)
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second post never waited for the community's lock")
        first = client.post(url, fields)
    waiting.join(timeout=30)

    batch = Batch.objects.get()
    assert first["Location"] == reverse("sms_batch", args=[batch.pk])
    [again] = answers
    assert again.redirect_chain == [(first["Location"], 302)]
    assert b"already sent" in again.content and b"are queued" not in again.content
    assert Message.objects.count() == 5


def test_a_post_without_the_token_creates_nothing(voting, actors, client_as):
    client = client_as(actors.users["committee"])
    response = client.post(reverse("sms_send", args=[voting.pk]), {"kind": "reminder", "place": ""}, follow=True)
    assert b"out of date" in response.content
    assert not Batch.objects.exists()


def test_over_budget_the_preview_says_so_and_the_send_creates_nothing(voting, actors, client_as):
    Policy.objects.create(community=actors.community, monthly_budget=Decimal("0.10"))
    client = client_as(actors.users["committee"])
    html = client.get(preview_url(voting)).content.decode()
    assert 'id="sms-refusal"' in html and "only ¥0.10 of this month" in html
    assert 'class="sms-confirm"' not in html  # no button to send
    response = client.post(
        reverse("sms_send", args=[voting.pk]), {"kind": "reminder", "place": "", "token": "x" * 32}, follow=True
    )
    assert b"budget" in response.content
    assert not Batch.objects.exists() and not Message.objects.exists()


def test_the_preview_reads_the_months_budget_once_for_its_figures_and_its_refusal(voting, actors, client_as):
    Policy.objects.create(community=actors.community, monthly_budget=Decimal("0.10"))
    client = client_as(actors.users["committee"])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(preview_url(voting)).content.decode()
    assert "only ¥0.10 of this month" in html and re.search(r'id="figure-left">[^<]*<b>¥0.10</b>', html)
    read = [q["sql"] for q in queries.captured_queries if 'FROM "messaging_policy"' in q["sql"]]
    spent = [q["sql"] for q in queries.captured_queries if 'SUM("messaging_message"."cost")' in q["sql"]]
    assert len(read) == len(spent) == 1


def test_nobody_to_text(voting, estate, actors, client_as):
    second = estate[4].entrance
    for household in second.households.all():
        OptOut.objects.create(household=household)
    client = client_as(actors.users["committee"])
    html = client.get(preview_url(voting, place=f"e{second.pk}")).content.decode()
    assert "No household to text" in html and 'class="sms-confirm"' not in html
    assert re.search(r'id="figure-opted-out">[^<]*<b>3</b>', html)
    response = client.post(
        reverse("sms_send", args=[voting.pk]),
        {"kind": "reminder", "place": f"e{second.pk}", "token": "y" * 32},
        follow=True,
    )
    assert b"No household to text" in response.content
    assert not Batch.objects.exists()


def test_a_building_or_an_entrance(voting, estate, actors, client_as):
    client = client_as(actors.users["committee"])
    second = estate[4].entrance
    html = client.get(preview_url(voting, place=f"e{second.pk}")).content.decode()
    assert re.search(r'id="figure-households">[^<]*<b>2</b>', html)  # the third has no phone
    fields = confirm_fields(html)
    client.post(reverse("sms_send", args=[voting.pk]), fields)
    batch = Batch.objects.get()
    assert batch.audience == {"not_voted": True, "not_reached": False, "building": None, "entrance": second.pk}
    html = client.get(preview_url(voting, place=f"b{second.building_id}", not_reached="on")).content.decode()
    assert confirm_fields(html)["not_reached"] == "on"


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "bill"},  # a kind the page does not offer
        {"kind": "nonsense"},
        {"place": "bOTHER"},  # replaced below by a building of another community
        {"place": "e999999"},
    ],
)
def test_forged_input_gets_a_message_and_creates_nothing(voting, actors, client_as, query):
    if query.get("place") == "bOTHER":
        other = Building.objects.create(community=actors.other_community, name="9")
        query = {"place": f"b{other.pk}"}
    client = client_as(actors.users["committee"])
    response = client.get(preview_url(voting, **query))
    assert response.status_code == 400
    assert b"Choose one of the kinds" in response.content or b"Choose a building or an entrance" in response.content
    response = client.post(
        reverse("sms_send", args=[voting.pk]), {"kind": "reminder", "place": "", "token": "z" * 32} | query
    )
    assert response.status_code == 302
    assert not Batch.objects.exists()


@pytest.mark.parametrize("state", [State.CONSULTATION, State.CLOSED])
def test_a_proposal_not_in_voting_cannot_be_texted_about(actors, estate, client_as, state):
    proposal = proposal_in_state(
        actors.community, actors.users["committee"], state, title="T", summary="S", category=Category.OTHER
    )
    client = client_as(actors.users["committee"])
    page = client.get(reverse("sms_compose", args=[proposal.pk]))
    assert page.status_code == 200 and b"only while its voting is open" in page.content
    assert b"Preview the message" not in page.content
    assert client.get(preview_url(proposal)).status_code == 400
    response = client.post(
        reverse("sms_send", args=[proposal.pk]), {"kind": "reminder", "place": "", "token": "z" * 32}, follow=True
    )
    assert b"only while its voting is open" in response.content
    assert not Batch.objects.exists()


def test_a_window_that_ended_is_closed_to_texts_before_the_job_closes_it(voting, actors, estate, client_as):
    """Still in the voting state, but past the close: the pages refuse it as the scheduled job does, and the
    community's page no longer offers it (messaging.selectors.open_for_texts)."""
    committee = actors.users["committee"]
    meeting = make_meeting(actors.community, committee, title="业主大会")
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.VOTING, notice_published_at=timezone.now())
    client = client_as(committee)
    listed = client.get(reverse("sms_batches", args=[actors.community.slug])).content.decode()
    assert reverse("sms_compose", args=[voting.pk]) in listed
    assert reverse("sms_compose_meeting", args=[meeting.pk]) in listed

    past = timezone.now() - timedelta(minutes=1)
    Proposal.objects.filter(pk=voting.pk).update(voting_opens_at=past - timedelta(days=7), voting_closes_at=past)
    Meeting.objects.filter(pk=meeting.pk).update(voting_opens_at=past - timedelta(days=3), voting_closes_at=past)
    listed = client.get(reverse("sms_batches", args=[actors.community.slug])).content.decode()
    assert "Nothing is open for voting now" in listed
    assert reverse("sms_compose", args=[voting.pk]) not in listed
    page = client.get(reverse("sms_compose", args=[voting.pk])).content.decode()
    assert "only while its voting is open" in page and "Preview the message" not in page
    assert client.get(preview_url(voting)).status_code == 400
    response = client.post(reverse("sms_send", args=[voting.pk]), {"kind": "reminder", "place": "", "token": "z" * 32})
    assert response.status_code == 302
    page = client.get(reverse("sms_compose_meeting", args=[meeting.pk])).content.decode()
    assert "until its voting closes" in page
    response = client.post(
        reverse("sms_send_meeting", args=[meeting.pk]), {"kind": "meeting", "place": "", "token": "z" * 32}
    )
    assert response.status_code == 302
    assert not Batch.objects.exists()


def test_a_meeting_with_a_published_notice(actors, estate, client_as):
    committee = actors.users["committee"]
    meeting = make_meeting(actors.community, committee)
    client = client_as(committee)
    assert b"once its notice is published" in client.get(reverse("sms_compose_meeting", args=[meeting.pk])).content
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.NOTICE, notice_published_at=timezone.now())
    page = client.get(reverse("sms_compose_meeting", args=[meeting.pk])).content.decode()
    assert 'value="meeting"' in page and 'value="reminder"' not in page
    html = client.get(reverse("sms_preview_meeting", args=[meeting.pk]) + "?kind=meeting&place=").content.decode()
    assert "已发布公告" in html
    client.post(reverse("sms_send_meeting", args=[meeting.pk]), confirm_fields(html))
    batch = Batch.objects.get()
    assert batch.meeting == meeting and batch.kind == Batch.Kind.MEETING and batch.messages.count() == 5
    assert client.get(reverse("sms_batch", args=[batch.pk])).status_code == 200


def _messages(batch, n: int) -> None:
    """n more messages in the batch, in every state a sender leaves them, with a few failure reasons."""
    now = timezone.now()
    statuses = [MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED]
    Message.objects.bulk_create(
        Message(
            batch=batch,
            phone=f"137{i:08d}",
            params=batch.messages.first().params,
            status=statuses[i % 4],
            error_reason=["号码错误", "已退订", "运营商拦截"][i % 3] if i % 4 == 3 else "",
            queued_at=now,
            send_after=now,
        )
        for i in range(n)
    )


def test_the_batch_page_runs_the_same_queries_whatever_the_number_of_messages(
    voting, actors, client_as, django_assert_num_queries
):
    client = client_as(actors.users["committee"])
    client.post(reverse("sms_send", args=[voting.pk]), confirm_fields(client.get(preview_url(voting)).content.decode()))
    batch = Batch.objects.get()
    url = reverse("sms_batch", args=[batch.pk])
    with CaptureQueriesContext(connection) as counted:
        small = client.get(url)
    # With Redis (as in production) the session is read from the cache: one query fewer.
    assert len(counted) <= QUERIES
    _messages(batch, 400)
    with django_assert_num_queries(len(counted)):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    html = large.content.decode()
    assert re.search(r'id="count-failed">[^<]*<b>100</b>', html)
    reasons = re.search(r'id="failure-reasons">.*?</section>', html, re.S).group(0)
    assert re.findall(r"<td>(.*?)</td><td class=\"num\">(\d+)</td>", reasons) == [
        ("号码错误", "34"),
        ("已退订", "33"),
        ("运营商拦截", "33"),
    ]


# session, user, batch, roles, participation (2), first message, counts, reasons, the subject's batches and counts
QUERIES = 11


# --- The settings --------------------------------------------------------------------------------------------------


def test_the_settings_page_saves_the_limits(actors, client_as, voting):
    client = client_as(actors.users["committee"])
    page = client.get(reverse("sms_policy", args=[actors.community.slug]))
    assert page.status_code == 200 and b'value="3,1"' in page.content
    response = client.post(
        reverse("sms_policy", args=[actors.community.slug]),
        {"monthly_budget": "120.50", "notify_on_open": "on", "reminder_days": " 1，3, 7 "},
    )
    assert response.status_code == 302
    policy = Policy.objects.get(community=actors.community)
    assert (policy.monthly_budget, policy.notify_on_open, policy.notify_results) == (Decimal("120.50"), True, False)
    assert policy.reminder_days == "7,3,1" and policy.updated_by == actors.users["committee"]
    client.post(reverse("sms_policy", args=[actors.community.slug]), {"monthly_budget": "120.50", "reminder_days": ""})
    assert Policy.objects.get().reminder_days == "" and Policy.objects.get().reminder_day_list == []


def test_the_reminder_days_are_read_one_way_for_the_policy_and_its_form():
    """parse_reminder_days: each day once, the furthest from the close first; what is not a whole number is left out
    of a stored text (the form refuses it instead), and the form saves the parsed list."""
    assert parse_reminder_days("1,3,7,3") == [7, 3, 1]
    assert parse_reminder_days(" 2 ,x,,1.5") == [2] and parse_reminder_days("") == []
    assert Policy(reminder_days="1,3,3").reminder_day_list == [3, 1]
    form = PolicyForm({"monthly_budget": "300", "reminder_days": "1, 30，3,1"})
    assert form.is_valid() and form.cleaned_data["reminder_days"] == "30,3,1"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("reminder_days", "0", b"Write whole days from 1 to 30"),
        ("reminder_days", "31", b"Write whole days from 1 to 30"),
        ("reminder_days", "3,,1", b"Write whole days from 1 to 30"),
        ("reminder_days", "1.5", b"Write whole days from 1 to 30"),
        ("reminder_days", "three", b"Write whole days from 1 to 30"),
        ("monthly_budget", "-1", b"greater than or equal to 0"),
        ("monthly_budget", "abc", b"Enter a number"),
    ],
)
def test_bad_settings_get_a_message_and_change_nothing(actors, client_as, field, value, says):
    client = client_as(actors.users["committee"])
    data = {"monthly_budget": "300", "reminder_days": "3,1"} | {field: value}
    response = client.post(reverse("sms_policy", args=[actors.community.slug]), data)
    assert response.status_code == 400 and says in response.content
    assert not Policy.objects.exists()


def test_the_settings_page_shows_this_months_spend(voting, actors, client_as):
    client = client_as(actors.users["committee"])
    client.post(reverse("sms_send", args=[voting.pk]), confirm_fields(client.get(preview_url(voting)).content.decode()))
    html = client.get(reverse("sms_policy", args=[actors.community.slug])).content.decode()
    assert re.search(r'id="spent">[^<]*<b>¥0.45</b>', html)  # 5 phones × 2 parts × ¥0.045


def test_the_pages_state_the_quiet_hours_of_the_constants(voting, actors, client_as, monkeypatch, settings):
    """The quiet hours the pages write are the ones the sending keeps (messaging.selectors.QUIET_FROM/UNTIL)."""
    monkeypatch.setattr("messaging.selectors.QUIET_FROM", time_of_day(22, 30))
    monkeypatch.setattr("messaging.selectors.QUIET_UNTIL", time_of_day(7, 0))
    client = client_as(actors.users["committee"])
    preview = client.get(preview_url(voting)).content.decode()
    assert "none is sent between 22:30 and 07:00 (they wait until the morning)" in preview
    sent = client.post(reverse("sms_send", args=[voting.pk]), confirm_fields(preview), follow=True).content.decode()
    assert "They go out within minutes, never between 22:30 and 07:00: reload the page" in sent
    policy = client.get(reverse("sms_policy", args=[actors.community.slug])).content.decode()
    assert "have not voted, and never between 22:30 and 07:00." in policy
    assert "21:00" not in preview + sent + policy
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        policy = client.get(reverse("sms_policy", args=[actors.community.slug])).content.decode()
    assert "提醒只发给还没有表决的户，22:30至次日07:00不发送。" in policy


def test_the_budget_left_is_the_same_on_every_page_and_never_below_nothing(voting, actors, client_as):
    client = client_as(actors.users["committee"])
    client.post(reverse("sms_send", args=[voting.pk]), confirm_fields(client.get(preview_url(voting)).content.decode()))
    pages = {
        "community": (reverse("sms_batches", args=[actors.community.slug]), 'id="left">'),
        "settings": (reverse("sms_policy", args=[actors.community.slug]), 'id="left">'),
        "preview": (preview_url(voting), 'id="figure-left">'),
    }
    for url, left in pages.values():
        assert re.search(left + r"[^<]*<b>¥299.55</b>", client.get(url).content.decode()), url  # ¥300 − ¥0.45
    Policy.objects.create(community=actors.community, monthly_budget=Decimal("0.10"))  # lowered below the spend
    for url, left in pages.values():
        html = client.get(url).content.decode()
        assert re.search(left + r"[^<]*<b>¥0.00</b>", html) and "of ¥0.10" in html, url


# --- A household's opt-out ---------------------------------------------------------------------------------------


@pytest.fixture
def owner(actors):
    """The `household` actor, bound to its flat as the verified owner."""
    HouseholdBinding.objects.filter(user=actors.users["household"]).update(relation=HouseholdBinding.Relation.OWNER)
    return actors.users["household"]


def test_the_owner_stops_and_resumes_texts_from_the_home_page(owner, actors, client_as):
    client = client_as(owner)
    home = client.get(reverse("home")).content.decode()
    assert 'id="sms-opt-outs"' in home and "No more text notices and reminders" in home
    assert "still come on paper" in home
    assert '<input type="hidden" name="next" value="/">' in home  # back to the home page after the change
    household = actors.household_obj
    url = reverse("sms_household", args=[actors.community.slug, household.pk])
    response = client.post(url, {"opted_out": "1", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert OptOut.objects.get().household == household and OptOut.objects.get().by == owner
    home = client.get(reverse("home")).content.decode()
    assert "Receive text notices and reminders again" in home
    client.post(url, {"opted_out": "0", "next": "/"})
    assert not OptOut.objects.exists()


def test_an_opted_out_household_is_counted_not_texted(owner, voting, actors, client_as):
    client_as(owner).post(
        reverse("sms_household", args=[actors.community.slug, actors.household_obj.pk]), {"opted_out": "1"}
    )
    html = client_as(actors.users["committee"]).get(preview_url(voting)).content.decode()
    assert re.search(r'id="figure-opted-out">[^<]*<b>1</b>', html)


def test_a_family_member_sees_no_switch_and_may_not_change_it(actors, client_as):
    member = actors.users["household"]  # bound as a family member or tenant
    client = client_as(member)
    assert b'id="sms-opt-outs"' not in client.get(reverse("home")).content
    url = reverse("sms_household", args=[actors.community.slug, actors.household_obj.pk])
    assert client.post(url, {"opted_out": "1"}).status_code == 403
    assert not OptOut.objects.exists()


def test_the_committee_switches_a_household_from_the_roster(actors, client_as):
    client = client_as(actors.users["committee"])
    household = actors.household_obj
    detail = client.get(reverse("household_detail", args=[actors.community.slug, household.pk])).content.decode()
    url = reverse("sms_household", args=[actors.community.slug, household.pk])
    assert f'href="{url}"' in detail
    assert b"No more text notices" in client.get(url).content
    client.post(url, {"opted_out": "1"})
    assert OptOut.objects.get().by == actors.users["committee"]
    assert b"receives no text notices" in client.get(url).content


def test_an_unclear_choice_changes_nothing_and_a_foreign_next_is_ignored(owner, actors, client_as):
    url = reverse("sms_household", args=[actors.community.slug, actors.household_obj.pk])
    client = client_as(owner)
    response = client.post(url, {"opted_out": "maybe", "next": "https://evil.example/"}, follow=True)
    assert b"Choose whether this household receives text messages" in response.content
    assert response.redirect_chain[0][0] == url
    assert not OptOut.objects.exists()


def test_the_household_of_another_community_is_not_found_here(owner, actors, client_as):
    other = HouseholdFactory(entrance=EntranceFactory(building__community=actors.other_community))
    response = client_as(actors.users["committee"]).post(
        reverse("sms_household", args=[actors.community.slug, other.pk]), {"opted_out": "1"}
    )
    assert response.status_code == 404 and not OptOut.objects.exists()


# --- Links to the pages ------------------------------------------------------------------------------------------


def test_links_from_the_proposal_the_meeting_and_the_dashboard(voting, actors, client_as):
    client = client_as(actors.users["secretary"])
    compose = reverse("sms_compose", args=[voting.pk])
    assert f'href="{compose}"' in client.get(reverse("proposal_detail", args=[voting.pk])).content.decode()
    dashboard = client.get(reverse("community_dashboard", args=[actors.community.slug])).content.decode()
    batches = reverse("sms_batches", args=[actors.community.slug])
    assert f'href="{batches}"' in dashboard
    listing = client.get(batches).content.decode()
    assert f'href="{compose}"' in listing
    meeting = make_meeting(actors.community, actors.users["committee"])
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.VOTING, notice_published_at=timezone.now())
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert f'href="{reverse("sms_compose_meeting", args=[meeting.pk])}"' in page
