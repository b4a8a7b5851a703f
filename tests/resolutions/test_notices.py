"""Result notices (公示): the preliminary result with its objection window, then the final notice once the window has
ended; each stage recorded with its dates and who published it, each printable on one page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from proposals.models import State
from resolutions.models import NoticeStage, ResultNotice
from resolutions.services import resolution_sign, result_notice_publish
from tests.resolutions.conftest import PASSWORD, ROLES, pdf_text
from tests.resolutions.test_pdf import squeeze

pytestmark = pytest.mark.django_db


def publish(client, proposal, **data):
    return client.post(f"/proposals/{proposal.pk}/notices/", data, follow=True)


def end_window(notice: ResultNotice) -> None:
    """The objection window as if it had been published `objection_days` ago."""
    shift = notice.objections_until - timezone.now() + timedelta(seconds=1)
    ResultNotice.objects.filter(pk=notice.pk).update(
        published_at=notice.published_at - shift, objections_until=notice.objections_until - shift
    )


def test_the_preliminary_notice_opens_an_objection_window(client_as, closed, committee_user):
    before = timezone.now()
    response = publish(
        client_as(committee_user), closed, stage="preliminary", objection_days="10", note="异议请交业委会"
    )
    assert "表决结果公示已发布。" in response.content.decode()
    notice = ResultNotice.objects.get()
    assert (notice.stage, notice.objection_days, notice.by, notice.note) == (
        "preliminary",
        10,
        committee_user,
        "异议请交业委会",
    )
    assert notice.published_at >= before
    assert notice.objections_until == notice.published_at + timedelta(days=10)
    assert notice.fingerprint == ""  # nobody had signed yet


def test_the_default_window_is_seven_days(closed, committee_user):
    notice = result_notice_publish(proposal=closed, by=committee_user, stage=NoticeStage.PRELIMINARY)
    assert notice.objection_days == 7


@pytest.mark.parametrize("days", [0, 61, -1])
def test_a_window_out_of_range_is_refused(client_as, closed, committee_user, days):
    with pytest.raises(ValidationError):
        result_notice_publish(proposal=closed, by=committee_user, stage="preliminary", objection_days=days)
    response = publish(client_as(committee_user), closed, stage="preliminary", objection_days=str(days))
    assert response.status_code == 200
    assert not ResultNotice.objects.exists()


def test_the_final_notice_waits_for_the_window(client_as, closed, committee_user):
    client = client_as(committee_user)
    response = publish(client, closed, stage="final")
    assert "请先发布表决结果公示" in response.content.decode()
    result_notice_publish(proposal=closed, by=committee_user, stage="preliminary", objection_days=7)
    response = publish(client, closed, stage="final")
    html = response.content.decode()
    assert "公示期至" in html and "期满后才能发布结果公告" in html
    assert not ResultNotice.objects.filter(stage="final").exists()
    closed.refresh_from_db()
    assert closed.state == State.CLOSED


def test_after_the_window_the_final_notice_publishes_the_result(client_as, closed, committee_user):
    preliminary = result_notice_publish(proposal=closed, by=committee_user, stage="preliminary", objection_days=7)
    end_window(preliminary)
    response = publish(client_as(committee_user), closed, stage="final")
    assert "表决结果公告已发布。" in response.content.decode()
    final = ResultNotice.objects.get(stage="final")
    assert final.by == committee_user and final.objections_until is None
    closed.refresh_from_db()
    assert closed.state == State.PUBLISHED
    assert closed.transitions.last().to_state == State.PUBLISHED


def test_each_stage_once(closed, committee_user):
    result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")
    with pytest.raises(ValidationError) as error:
        result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")
    assert error.value.code == "twice"


def test_no_notice_while_voting(voting, committee_user):
    with pytest.raises(ValidationError) as error:
        result_notice_publish(proposal=voting, by=committee_user, stage="preliminary")
    assert error.value.code == "state"


def test_a_published_proposal_can_still_get_its_notices(closed, committee_user):
    from lifecycle.services import proposal_publish

    proposal_publish(proposal=closed, by=committee_user)
    preliminary = result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")
    end_window(preliminary)
    result_notice_publish(proposal=closed, by=committee_user, stage="final")
    assert ResultNotice.objects.count() == 2


def test_the_preliminary_notice_pdf(client_as, closed, committee_user, second_member, residents):
    signature = resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    notice = result_notice_publish(
        proposal=closed, by=committee_user, stage="preliminary", objection_days=7, note="异议请交业委会办公室"
    )
    assert notice.fingerprint == signature.resolution.fingerprint
    response = client_as(residents[0]).get(f"/proposals/{closed.pk}/notices/{notice.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    from tests.documents.conftest import pdf_reader

    assert len(pdf_reader(response.content).pages) == 1
    text = pdf_text(response.content)
    flat = squeeze(text)
    assert "业主表决结果公示" in text and "业主表决结果公告" not in text
    assert "表决结果：通过" in flat
    assert "表决范围：共12户，业主12人，专有部分面积1,200.00平方米。" in flat
    assert "参与表决11(91.67%)" in flat and "同意9(81.82%)" in flat
    published = timezone.localtime(notice.published_at).strftime("%Y-%m-%d")
    until = timezone.localtime(notice.objections_until).strftime("%Y-%m-%d")
    assert f"本公示期为7天，自{published}起至{until}" in flat
    assert "异议请交业委会办公室" in flat
    assert signature.resolution.fingerprint in flat


def test_the_final_notice_pdf(client_as, closed, committee_user):
    preliminary = result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")
    end_window(preliminary)
    final = result_notice_publish(proposal=closed, by=committee_user, stage="final")
    response = client_as(committee_user).get(f"/proposals/{closed.pk}/notices/{final.pk}.pdf")
    flat = squeeze(pdf_text(response.content))
    assert "业主表决结果公告" in flat and "本结果为最终结果" in flat and "第二百八十条" in flat


def test_a_notice_of_another_proposal_is_not_found(client_as, closed, community, committee_user):
    from tests.resolutions.conftest import open_proposal

    other = open_proposal(community, committee_user, title="另一个议题")
    notice = result_notice_publish(proposal=closed, by=committee_user, stage="preliminary")
    response = client_as(committee_user).get(f"/proposals/{other.pk}/notices/{notice.pk}.pdf")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_the_committee_publishes(client_as, actors, here, role):
    response = client_as(actors.users[role]).post(
        f"/proposals/{here.pk}/notices/", {"stage": "preliminary", "objection_days": "7"}
    )
    if role == "committee":
        assert response.status_code == 302 and ResultNotice.objects.count() == 1
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert not ResultNotice.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_print_a_notice(client_as, actors, here, role):
    notice = result_notice_publish(proposal=here, by=actors.users["committee"], stage="preliminary")
    response = client_as(actors.users[role]).get(f"/proposals/{here.pk}/notices/{notice.pk}.pdf")
    if role in {"household", "canvasser", "secretary", "committee"}:
        assert response.status_code == 200
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
