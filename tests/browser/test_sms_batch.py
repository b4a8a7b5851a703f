"""A secretary sends a reminder by text message, on a 1280×800 laptop against a real server: from the proposal's
bar to the choice, to the preview (the exact text the phones show, how many it reaches, the cost), to the batch's
page, which shows the texts sent and delivered once the task queue has run. And an owner, on a phone with the text
at 200 %, stops the texts from the home page.

The server enqueues the sending on the task queue, which no worker runs here: the test does the worker's job itself
(messaging.sending, against the same database), at a moment outside the quiet hours, so it passes at any hour."""

import re

import pytest
from django.db.models import Max

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from lifecycle.services import proposal_open_voting
from messaging.models import Batch, MessageStatus, OptOut
from messaging.selectors import Audience
from messaging.sending import messages_send_due, receipts_collect
from messaging.services import batch_plan
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import LAPTOP, PHONE, _password_hash, expect_message, large_text, log_in, shoot, staff
from tests.factories import build_community
from tests.voting.conftest import scan
from voting.models import Channel, Choice
from voting.services import ballot_cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_secretary_sends_a_reminder_and_follows_it(server, laptop):
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=2, floors=3, rooms_per_floor=2, slug="xiangjiaoyuan")
    community.name = "橡胶园小区"
    community.save()
    committee = staff(community, Role.Kind.COMMITTEE, "zhou-weiyuan", "周委员", "13600000031")
    secretary = staff(community, Role.Kind.SECRETARY, "li-mishu", "李秘书", "13600000032")
    proposal = proposal_create(
        community=community, by=committee, title="更换单元门", summary="两个单元换防盗门", category=Category.OTHER
    )
    proposal_start_consultation(proposal=proposal, by=committee)
    proposal = proposal_open_voting(proposal=proposal, by=committee, closes_at=timezone.now() + timedelta(days=5))
    for household in Household.objects.of(community).order_by("pk")[:2]:  # two households voted on paper
        ballot_cast(
            proposal=proposal,
            household=household,
            choice=Choice.AGREE,
            channel=Channel.PAPER,
            by=secretary,
            evidence=scan(),
        )
    expected = batch_plan(subject=proposal, kind=Batch.Kind.REMINDER, audience=Audience(not_voted=True))

    page = laptop()
    log_in(page, server, "li-mishu")
    page.goto(server.url(f"/proposals/{proposal.pk}/"))
    page.locator("#action-bar").get_by_role("link", name="短信提醒").click()

    # The choice: a reminder to households that have not voted, in every building.
    expect(page.get_by_role("heading", name="短信提醒")).to_be_visible()
    expect(page.get_by_label("提醒：还没有表决的户")).to_be_checked()
    page.get_by_role("button", name="预览短信").click()

    # The preview: the text exactly as the phones show it, who it reaches, what it costs. Nothing is sent yet.
    expect(page.get_by_role("heading", name="发送前确认")).to_be_visible()
    expect(page.locator("#sms-sample")).to_have_text(expected.sample)
    assert expected.sample.startswith("【共议】橡胶园小区业主您好：“更换单元门”将于")
    expect(page.locator("#figure-households b")).to_have_text("10")
    expect(page.locator("#figure-cost b")).to_have_text(f"¥{expected.estimated_cost}")
    expect(page.locator("#figure-left b")).to_have_text("¥300.00")
    assert not Batch.objects.exists()
    shoot(page, "sms-preview")
    send = page.get_by_role("button", name="发送10条短信")
    assert send.bounding_box()["height"] >= 44
    send.click()

    # The batch's page: everything waiting for the task queue.
    expect_message(page, "给10户的短信已排队")
    expect(page).to_have_url(re.compile(r"/sms/batches/\d+/$"))
    expect(page.locator("#count-queued b")).to_have_text("10")
    batch = Batch.objects.get()
    assert batch.created_by == secretary and batch.voted_before == 2

    # The worker's job: what is due is sent, and the provider's delivery reports are read.
    due = batch.messages.aggregate(latest=Max("send_after"))["latest"]
    assert messages_send_due(now=due) == 10
    assert receipts_collect(now=due) == 10
    assert set(batch.messages.values_list("status", flat=True)) == {MessageStatus.DELIVERED}

    page.reload()
    expect(page.locator("#count-queued b")).to_have_text("0")
    expect(page.locator("#count-delivered b")).to_have_text("10")
    expect(page.locator("#count-failed b")).to_have_text("0")
    expect(page.locator("#participation")).to_contain_text("12户中已有2户表决")
    assert page.viewport_size == LAPTOP
    shoot(page, "sms-batch")


def test_an_owner_stops_the_texts_from_the_home_page_on_a_phone(server, phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=2, rooms_per_floor=1, slug="shanshui")
    household = Household.objects.of(community).order_by("pk").first()
    owner = User.objects.create(
        username="wang-ayi", display_name="王阿姨", phone="13600000041", phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=owner, household=household, relation=HouseholdBinding.Relation.OWNER)

    page = phone()
    large_text(page)
    log_in(page, server, "wang-ayi")
    page.goto(server.url("/"))
    card = page.locator("#sms-opt-outs")
    expect(card).to_contain_text("纸质形式")  # statutory notices still on paper
    stop = card.get_by_role("button", name="不再接收短信通知和提醒")
    box = stop.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    stop.click()
    expect_message(page, "将不再接收短信通知和提醒")
    expect(page).to_have_url(server.url("/"))
    assert OptOut.objects.get().household == household
    shoot(page, "sms-opt-out", top=page.locator("#sms-opt-outs"))
    page.locator("#sms-opt-outs").get_by_role("button", name="重新接收短信通知和提醒").click()
    expect_message(page, "将重新接收短信通知和提醒")
    assert not OptOut.objects.exists()
