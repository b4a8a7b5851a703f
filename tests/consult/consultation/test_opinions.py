"""Opinions: who may post when, photos checked by content, hiding and replying recorded, escaping, the daily limit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consult.models import Opinion
from consult.opinions import OPINIONS_PER_DAY, PHOTO_MAX_BYTES, opinion_hide, opinion_post, opinion_reply
from proposals.models import State
from tests.consult.consultation.conftest import JPEG, PDF, PNG, SVG, make_proposal, upload
from tests.factories import HouseholdBindingFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def post(client, proposal, household, text="我同意建车棚", **extra):
    return client.post(reverse("opinions", args=[proposal.pk]), {"household": household.pk, "text": text, **extra})


def page(client, proposal) -> str:
    response = client.get(reverse("opinions", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- Posting --------------------------------------------------------------------------------------------------


def test_a_household_posts_and_others_see_only_its_building_and_entrance(actors, client_as, consulting, resident):
    household = actors.household_obj
    response = post(client_as(resident), consulting, household, text="请把车棚建在5号楼北侧")
    opinion = Opinion.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#opinion-{opinion.pk}")
    assert (opinion.household, opinion.author, opinion.proposal) == (household, resident, consulting)

    html = page(client_as(actors.users["canvasser"]), consulting)
    assert "请把车棚建在5号楼北侧" in html
    assert f"{household.entrance}住户" in html  # "3号楼5单元住户"
    assert household.room not in html
    assert household.owner.name not in html
    assert str(resident) not in html


def test_newest_first(actors, client_as, consulting, resident):
    for text in ("第一条意见", "第二条意见", "第三条意见"):
        opinion_post(proposal=consulting, household=actors.household_obj, by=resident, text=text)
    html = page(client_as(resident), consulting)
    assert html.index("第三条意见") < html.index("第二条意见") < html.index("第一条意见")


def test_the_form_is_shown_to_a_household_in_scope_only(actors, client_as, consulting, elsewhere, committee):
    assert 'name="text"' in page(client_as(actors.users["household"]), consulting)
    outside = page(client_as(actors.users["household"]), elsewhere)
    assert 'name="text"' not in outside
    assert "只有本议题范围内的房屋才能发表意见" in outside
    assert 'name="text"' not in page(client_as(committee), consulting)


@pytest.mark.parametrize("state", [State.VOTING, State.CLOSED, State.PUBLISHED])
def test_posting_outside_consultation_is_refused_and_writes_nothing(actors, client_as, committee, resident, state):
    proposal = make_proposal(actors.community, committee, state=state)
    response = post(client_as(resident), proposal, actors.household_obj)
    assert response.status_code == 200
    assert "只有在征求意见阶段才能发表意见" in response.content.decode()
    assert 'name="text"' not in response.content.decode()
    assert not Opinion.objects.exists()
    with pytest.raises(ValidationError):
        opinion_post(proposal=proposal, household=actors.household_obj, by=resident, text="晚了")
    assert not Opinion.objects.exists()


def test_a_household_outside_the_scope_cannot_post(actors, client_as, elsewhere, resident):
    response = post(client_as(resident), elsewhere, actors.household_obj)
    assert "只有本议题范围内的房屋才能发表意见" in response.content.decode()
    assert not Opinion.objects.exists()
    with pytest.raises(ValidationError, match="范围内"):
        opinion_post(proposal=elsewhere, household=actors.household_obj, by=resident, text="我也想说")
    assert not Opinion.objects.exists()


def test_nobody_speaks_for_a_household_not_bound_to_them(actors, client_as, consulting, resident):
    neighbour = HouseholdFactory(entrance=actors.household_obj.entrance, room="501")
    response = post(client_as(resident), consulting, neighbour)
    assert response.status_code == 200
    assert not Opinion.objects.exists()
    with pytest.raises(ValidationError):
        opinion_post(proposal=consulting, household=neighbour, by=resident, text="冒名")
    assert not Opinion.objects.exists()


def test_an_owner_of_two_flats_chooses_which_one_speaks(actors, client_as, consulting, resident):
    second = HouseholdFactory(entrance=actors.household_obj.entrance, room="602")
    HouseholdBindingFactory(user=resident, household=second)
    client = client_as(resident)
    assert "<select" in page(client, consulting)
    assert post(client, consulting, second).status_code == 302
    assert Opinion.objects.get().household == second


@pytest.mark.parametrize(("text", "message"), [("   \n ", "请先写下您的意见"), ("字" * 2001, "请不要超过 2000 个字")])
def test_empty_or_too_long_text_is_refused(actors, client_as, consulting, resident, text, message):
    response = post(client_as(resident), consulting, actors.household_obj, text=text)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Opinion.objects.exists()


def test_two_thousand_characters_are_fine(actors, consulting, resident):
    opinion = opinion_post(proposal=consulting, household=actors.household_obj, by=resident, text="字" * 2000)
    assert len(opinion.text) == 2000


# --- Photos ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("plan.pdf", PDF), ("photo.png", PDF), ("logo.svg", SVG), ("photo.jpg", b"<html><script>x</script></html>")],
    ids=["pdf", "pdf-named-png", "svg", "html-named-jpg"],
)
def test_only_images_are_taken_as_photos(actors, client_as, consulting, resident, name, content):
    response = post(client_as(resident), consulting, actors.household_obj, photo=upload(name, content))
    assert response.status_code == 200
    assert "只能添加照片（JPEG、PNG 或 WebP）" in response.content.decode()
    assert not Opinion.objects.exists()
    with pytest.raises(ValidationError):
        opinion_post(
            proposal=consulting, household=actors.household_obj, by=resident, text="附件", photo=upload(name, content)
        )
    assert not Opinion.objects.exists()


def test_a_photo_too_large_is_refused(actors, client_as, consulting, resident):
    big = upload("big.png", PNG + b"\x00" * PHOTO_MAX_BYTES)
    response = post(client_as(resident), consulting, actors.household_obj, photo=big)
    assert "照片太大（5.0 MB），上限是 5 MB" in response.content.decode()
    assert not Opinion.objects.exists()


def test_a_jpeg_photo_is_stored_under_a_random_name_and_served_only_through_the_view(
    actors, client_as, consulting, resident
):
    response = post(client_as(resident), consulting, actors.household_obj, photo=upload("王大爷家.jpg", JPEG))
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.photo.name.startswith("opinions/") and opinion.photo.name.endswith(".jpg")
    assert "王大爷" not in opinion.photo.name
    html = page(client_as(actors.users["canvasser"]), consulting)
    assert reverse("opinion_photo", args=[consulting.pk, opinion.pk]) in html
    assert "/media/" not in html and opinion.photo.name not in html
    photo = client_as(actors.users["canvasser"]).get(reverse("opinion_photo", args=[consulting.pk, opinion.pk]))
    assert photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content) == JPEG


def test_an_opinion_without_a_photo_has_no_photo_url(actors, client_as, consulting, opinion):
    url = reverse("opinion_photo", args=[consulting.pk, opinion.pk])
    assert client_as(actors.users["committee"]).get(url).status_code == 404


def test_a_hidden_opinions_photo_is_for_the_committee_only(actors, client_as, consulting, photo_opinion, committee):
    opinion_hide(opinion=photo_opinion, by=committee, reason="含他人隐私")
    url = reverse("opinion_photo", args=[consulting.pk, photo_opinion.pk])
    assert client_as(actors.users["household"]).get(url).status_code == 404
    assert client_as(actors.users["canvasser"]).get(url).status_code == 404
    assert client_as(committee).get(url).status_code == 200


# --- Hiding and replying --------------------------------------------------------------------------------------


def test_hiding_is_recorded_and_the_public_sees_only_the_reason(actors, client_as, consulting, opinion, committee):
    response = client_as(committee).post(
        reverse("opinion_hide", args=[consulting.pk, opinion.pk]), {"reason": "人身攻击"}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.hidden_by == committee
    assert opinion.hidden_reason == "人身攻击"
    assert timezone.now() - opinion.hidden_at < timedelta(minutes=1)

    for viewer in ("household", "canvasser", "secretary"):
        html = page(client_as(actors.users[viewer]), consulting)
        assert "该意见已被业委会隐藏（原因：人身攻击）" in html
        assert "车棚请离窗户远一点" not in html
    html = page(client_as(committee), consulting)
    assert "该意见已被业委会隐藏（原因：人身攻击）" in html
    assert "车棚请离窗户远一点" in html


def test_hiding_needs_a_reason(actors, client_as, consulting, opinion, committee):
    response = client_as(committee).post(
        reverse("opinion_hide", args=[consulting.pk, opinion.pk]), {"reason": "  "}, follow=True
    )
    assert "请填写隐藏这条意见的原因" in response.content.decode()
    opinion.refresh_from_db()
    assert opinion.hidden_at is None and opinion.hidden_by is None
    with pytest.raises(ValidationError):
        opinion_hide(opinion=opinion, by=committee, reason="")


def test_hiding_twice_keeps_the_first_record(actors, consulting, opinion, committee, member_of):
    opinion_hide(opinion=opinion, by=committee, reason="广告")
    with pytest.raises(ValidationError):
        opinion_hide(opinion=opinion, by=member_of(actors.community), reason="别的原因")
    opinion.refresh_from_db()
    assert (opinion.hidden_by, opinion.hidden_reason) == (committee, "广告")


def test_the_reply_is_recorded_and_shown_under_the_opinion(actors, client_as, consulting, opinion, committee):
    response = client_as(committee).post(
        reverse("opinion_reply", args=[consulting.pk, opinion.pk]), {"text": "已请设计单位调整位置"}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.reply, opinion.replied_by) == ("已请设计单位调整位置", committee)
    assert timezone.now() - opinion.replied_at < timedelta(minutes=1)
    html = page(client_as(actors.users["household"]), consulting)
    assert html.index("车棚请离窗户远一点") < html.index("已请设计单位调整位置")
    assert "业委会回复" in html


def test_an_empty_reply_changes_nothing(actors, client_as, consulting, opinion, committee):
    client_as(committee).post(reverse("opinion_reply", args=[consulting.pk, opinion.pk]), {"text": ""})
    opinion.refresh_from_db()
    assert opinion.reply == "" and opinion.replied_by is None
    with pytest.raises(ValidationError):
        opinion_reply(opinion=opinion, by=committee, text="\n")


# --- Script injection -----------------------------------------------------------------------------------------

ATTACKS = ["<script>alert('x')</script>", '<img src=x onerror="alert(1)">', '"><svg onload=alert(1)>']


def test_text_reason_and_reply_come_out_inert(actors, client_as, consulting, resident, committee):
    for attack in ATTACKS:
        opinion = opinion_post(
            proposal=consulting, household=actors.household_obj, by=resident, text=f"第一行\n{attack}\n第三行"
        )
        opinion_reply(opinion=opinion, by=committee, text=f"回复{attack}")
    hidden = opinion_post(proposal=consulting, household=actors.household_obj, by=resident, text="另一条")
    opinion_hide(opinion=hidden, by=committee, reason=ATTACKS[1][:200])
    for viewer in (resident, committee):
        html = page(client_as(viewer), consulting)
        assert "<script>alert" not in html
        assert "<img src=x onerror" not in html and 'onerror="alert' not in html
        assert "<svg onload" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert "onerror=&quot;alert(1)&quot;" in html
        assert "第一行<br>" in html  # line breaks kept, as <br> after escaping


# --- The daily limit ------------------------------------------------------------------------------------------


def test_at_most_ten_opinions_per_household_per_day(actors, client_as, consulting, resident):
    for n in range(OPINIONS_PER_DAY):
        opinion_post(proposal=consulting, household=actors.household_obj, by=resident, text=f"意见{n}")
    response = post(client_as(resident), consulting, actors.household_obj, text="第十一条")
    assert "您的房屋今天已发表 10 条意见" in response.content.decode()
    assert Opinion.objects.count() == OPINIONS_PER_DAY
    # Another household is not affected, and yesterday's opinions do not count today.
    neighbour = HouseholdFactory(entrance=actors.household_obj.entrance, room="501")
    other = HouseholdBindingFactory(household=neighbour).user
    assert post(client_as(other), consulting, neighbour).status_code == 302
    Opinion.objects.filter(household=actors.household_obj).update(created_at=timezone.now() - timedelta(days=1))
    assert post(client_as(resident), consulting, actors.household_obj, text="新的一天").status_code == 302
