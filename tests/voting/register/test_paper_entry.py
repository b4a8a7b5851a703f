"""The secretary's fast paper and proxy entry: find "3-5-502", attach, tap the choice, next. Every refusal
writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lifecycle.services import proposal_close
from tests.factories import HouseholdFactory
from tests.voting.conftest import open_proposal, scan
from voting.models import Ballot, BallotEvent, Channel

from .conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def flat(stairwell):
    household = stairwell[9]
    assert household.code == "3-5-502"
    return household


def _url(proposal):
    return reverse("paper_entry", args=[proposal.pk])


def _post(client, proposal, household, **data):
    payload = {"household": household.pk, "choice": "agree", "channel": "paper", "evidence": scan(), **data}
    return client.post(_url(proposal), {key: value for key, value in payload.items() if value is not None})


def _errors(response) -> str:
    return " ".join(str(error) for errors in response.context["form"].errors.values() for error in errors)


def test_search_finds_the_household_and_shows_the_entry_form(proposal, flat, secretary_user, client_as):
    response = client_as(secretary_user).get(_url(proposal), {"q": "3-5-502"})
    assert response.status_code == 200
    assert response.context["selected"].household_id == flat.pk
    html = response.content.decode()
    assert flat.owner.name in html
    assert 'capture="environment"' in html and 'accept="image/*,application/pdf"' in html
    assert 'name="choice" value="agree"' in html


@pytest.mark.parametrize("text", ["3号楼5单元502室", "3/5/502", "３－５－５０２"])
def test_search_understands_how_people_write_it(text, proposal, flat, secretary_user, client_as):
    response = client_as(secretary_user).get(_url(proposal), {"q": text})
    assert response.context["selected"].household_id == flat.pk


def test_the_empty_page_focuses_the_search_box(proposal, secretary_user, client_as):
    html = client_as(secretary_user).get(_url(proposal)).content.decode()
    assert 'id="q"' in html and "autofocus" in html


def test_a_partial_search_lists_the_households_to_choose_from(proposal, stairwell, secretary_user, client_as):
    response = client_as(secretary_user).get(_url(proposal), {"q": "3-5"})
    assert response.context["selected"] is None
    assert len(response.context["found"]) == 12
    assert f"?household={stairwell[0].pk}" in response.content.decode()


def test_search_outside_the_electorate_and_unknown(proposal, stairwell, secretary_user, client_as):
    late = HouseholdFactory(entrance=stairwell[0].entrance, room="701", floor=7)  # after the electorate froze
    client = client_as(secretary_user)
    response = client.get(_url(proposal), {"q": "3-5-701"})
    assert response.context["outside"] and response.context["selected"] is None
    assert "不在本议题的表决范围内" in response.content.decode()
    response = client.get(_url(proposal), {"q": "9-9-999"})
    assert not response.context["outside"] and not response.context["found"]
    assert "本小区没有" in response.content.decode()
    response = _post(client, proposal, late)
    assert response.status_code == 200
    assert "该户不在本议题的表决范围内" in _errors(response)
    assert not Ballot.objects.exists()


def test_paper_ballot_is_recorded_with_its_evidence(proposal, flat, secretary_user, client_as):
    client = client_as(secretary_user)
    response = _post(client, proposal, flat, choice="agree", evidence=scan("IMG_20240501_张三.png"))
    ballot = Ballot.objects.get(proposal=proposal, household=flat)
    # Back to the search, offering to undo this entry for a few seconds.
    assert response.status_code == 302 and response["Location"] == f"{_url(proposal)}?entered={ballot.seq}"
    assert (ballot.choice, ballot.channel, ballot.recorded_by, ballot.proxy_name) == (
        "agree",
        Channel.PAPER,
        secretary_user,
        "",
    )
    assert ballot.evidence.name.endswith(".png") and "张三" not in ballot.evidence.name
    assert ballot.evidence.storage.exists(ballot.evidence.name)
    with ballot.evidence.open("rb") as handle:
        assert handle.read().startswith(b"\x89PNG")
    event = BallotEvent.objects.get(proposal=proposal, household=flat)
    assert (event.by, event.channel, event.new_choice) == (secretary_user, Channel.PAPER, "agree")
    # Back to the empty search box, with what was recorded.
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已录入 3-5-502：同意（纸质）" in html
    assert page.context["selected"] is None and "autofocus" in html


def test_a_pdf_scan_is_accepted_and_a_new_entry_replaces_the_old(proposal, flat, secretary_user, client_as):
    client = client_as(secretary_user)
    _post(client, proposal, flat, choice="agree")
    _post(client, proposal, flat, choice="disagree", evidence=pdf())
    ballot = Ballot.objects.get(proposal=proposal, household=flat)
    assert ballot.choice == "disagree" and ballot.evidence.name.endswith(".pdf")
    assert BallotEvent.objects.filter(proposal=proposal, household=flat).count() == 2


def test_proxy_needs_a_name(proposal, flat, secretary_user, client_as):
    client = client_as(secretary_user)
    response = _post(client, proposal, flat, channel="proxy", proxy_name="")
    assert response.status_code == 200
    assert "委托表决须填写代理人姓名" in _errors(response)
    assert not Ballot.objects.exists()
    response = _post(client, proposal, flat, channel="proxy", proxy_name="李四", choice="abstain")
    assert response.status_code == 302
    ballot = Ballot.objects.get(household=flat)
    assert (ballot.channel, ballot.proxy_name, ballot.choice) == (Channel.PROXY, "李四", "abstain")
    assert "已录入 3-5-502：弃权（委托）" in client.get(response["Location"]).content.decode()


def test_no_evidence_is_refused(proposal, flat, secretary_user, client_as):
    response = _post(client_as(secretary_user), proposal, flat, evidence=None)
    assert response.status_code == 200
    assert "请附上签字表决票或授权委托书的照片或扫描件" in _errors(response)
    assert not Ballot.objects.exists()


def test_evidence_that_is_not_an_image_or_pdf_is_refused(proposal, flat, secretary_user, client_as):
    fake = SimpleUploadedFile("ballot.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = _post(client_as(secretary_user), proposal, flat, evidence=fake)
    assert response.status_code == 200 and _errors(response)
    assert not Ballot.objects.exists()


def test_closed_voting_is_refused(proposal, flat, secretary_user, committee_user, client_as):
    proposal_close(proposal=proposal, by=committee_user)
    client = client_as(secretary_user)
    page = client.get(_url(proposal), {"q": "3-5-502"})
    html = page.content.decode()
    assert "不在表决期内" in html and 'name="choice"' not in html
    response = _post(client, proposal, flat)
    assert response.status_code == 200
    assert "本议题目前不在表决期内" in _errors(response)
    assert not Ballot.objects.exists()


def test_a_household_of_another_community_is_refused(proposal, secretary_user, client_as):
    stranger = HouseholdFactory()
    response = _post(client_as(secretary_user), proposal, stranger)
    assert "本小区没有这一户" in _errors(response)
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("household", ["99999999999999999999", str(2**63), "²", "-1", "1e3"])
def test_an_out_of_range_or_odd_household_id_is_no_household(household, proposal, flat, secretary_user, client_as):
    # ?household=99999999999999999999 was a 500 on SQLite (the integer overflowed in the query).
    client = client_as(secretary_user)
    response = client.get(_url(proposal), {"household": household})
    assert response.status_code == 200 and response.context["selected"] is None
    response = client.post(
        _url(proposal), {"household": household, "choice": "agree", "channel": "paper", "evidence": scan()}
    )
    assert response.status_code == 200 and "household" in response.context["form"].errors
    assert not Ballot.objects.exists()


def test_an_unknown_choice_is_refused(proposal, flat, secretary_user, client_as):
    response = _post(client_as(secretary_user), proposal, flat, choice="maybe")
    assert response.status_code == 200 and _errors(response)
    assert not Ballot.objects.exists()


def test_an_owner_of_several_flats_is_recorded_for_all(
    community, stairwell, same_owner, committee_user, secretary_user, client_as
):
    proposal = open_proposal(community, committee_user)
    client = client_as(secretary_user)
    response = _post(client, proposal, stairwell[0], choice="disagree")
    assert set(Ballot.objects.filter(proposal=proposal).values_list("household_id", "choice")) == {
        (stairwell[0].pk, "disagree"),
        (stairwell[1].pk, "disagree"),
    }
    html = client.get(response["Location"]).content.decode()
    assert "已录入 3-5-101：不同意（纸质）" in html and "另外 1 户" in html
