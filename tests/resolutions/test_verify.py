"""The public verification page the printed QR code opens: intact, altered and unknown fingerprints."""

import pytest
from django.db import connection

from proposals.models import Proposal
from resolutions.services import resolution_sign
from tests.resolutions.conftest import PASSWORD, tamper
from voting.models import Ballot, Choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(closed, committee_user, second_member):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    return closed.resolution


def page(client, fingerprint):
    response = client.get(f"/verify/{fingerprint}")
    return response, response.content.decode()


def test_an_intact_record_for_anyone_without_login(client, signed, committee_user):
    response, html = page(client, signed.fingerprint)
    assert response.status_code == 200
    assert "记录完好" in html and "记录已被改动" not in html
    assert "更换单元门" in html and signed.proposal.community.name in html
    assert "第1号议题" in html and "表决结果：通过" in html
    assert str(committee_user) in html and "业主委员会委员" in html and "李委员" in html
    assert signed.fingerprint in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_no_personal_data(client, signed):
    _response, html = page(client, signed.fingerprint)
    for elector in signed.proposal.electors.select_related("owner"):
        assert elector.owner.name not in html
        assert elector.owner.phone not in html
    assert "3号楼5单元101" not in html


def test_a_ballot_changed_behind_the_platform(client, signed):
    tamper(Ballot.objects.get(proposal=signed.proposal, choice=Choice.DISAGREE), Choice.AGREE)
    response, html = page(client, signed.fingerprint)
    assert response.status_code == 200
    assert "记录已被改动" in html and "记录完好" not in html
    assert "签署后已变动：计票结果" in html and "tally.agree.households" in html
    assert "表决记录链" in html and "3-5-502" in html  # the audit chain names the altered ballot
    assert "表决结果：通过" in html  # the result shown is the signed one


def test_a_proposal_text_changed_behind_the_platform(client, signed):
    Proposal.objects.filter(pk=signed.proposal_id).update(body="被改过的内容")
    _response, html = page(client, signed.fingerprint)
    assert "记录已被改动" in html and "签署后已变动：议题内容" in html and "proposal.body" in html
    assert "表决记录链：" not in html  # the ballots are intact


def test_a_deleted_log_entry(client, signed):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM voting_ballotevent WHERE proposal_id = %s AND seq = 1", [signed.proposal_id])
    _response, html = page(client, signed.fingerprint)
    assert "记录已被改动" in html and "表决记录链" in html


@pytest.mark.parametrize("mangle", [lambda f: f[:-1] + ("0" if f[-1] != "0" else "1"), lambda f: f[:40]])
def test_an_altered_fingerprint_is_not_found(client, signed, mangle):
    response, html = page(client, mangle(signed.fingerprint))
    assert response.status_code == 404
    assert "未找到该决议" in html and "更换单元门" not in html


@pytest.mark.parametrize("text", ["0" * 64, "not-a-fingerprint", "%27%20OR%201%3D1", "x" * 300])
def test_an_unknown_or_malformed_fingerprint(client, signed, text):
    response, html = page(client, text)
    assert response.status_code == 404
    assert "未找到该决议" in html


def test_an_upper_case_fingerprint_is_the_same(client, signed):
    response, html = page(client, signed.fingerprint.upper())
    assert response.status_code == 200 and "记录完好" in html
