"""Bulk import of paper ballots: upload a sheet and one PDF scan → preview (every problem, or the summary) →
confirm → all ballots written in one transaction, or none."""

import codecs

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lifecycle.services import proposal_close
from tests.factories import HouseholdFactory
from tests.voting.conftest import open_proposal, scan
from voting.models import Ballot, BallotEvent, Channel
from voting.paper_import import parse_ballots
from voting.paper_services import paper_ballot_record, paper_ballots_import
from voting.services import VotingError, ballot_cast

from .conftest import PDF, pdf
from .test_paper_file import ROWS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def _url(proposal):
    return reverse("paper_import", args=[proposal.pk])


def upload(client, proposal, name, content, evidence="pdf"):
    data = {"sheet": SimpleUploadedFile(name, content)}
    if evidence == "pdf":
        data["evidence"] = pdf()
    elif evidence is not None:
        data["evidence"] = evidence
    return client.post(_url(proposal), data)


def confirm(client, proposal, token):
    return client.post(_url(proposal), {"token": token})


def _files():
    return {
        "utf-8": ("ballots.csv", csv_bytes(ROWS, "utf-8")),
        "utf-8-bom": ("ballots.csv", codecs.BOM_UTF8 + csv_bytes(ROWS, "utf-8")),
        "gb18030": ("ballots.csv", csv_bytes(ROWS, "gb18030")),
        "xlsx": ("表决票.xlsx", xlsx_bytes(ROWS)),
    }


@pytest.mark.parametrize("kind", ["utf-8", "utf-8-bom", "gb18030", "xlsx"])
def test_happy_path(kind, proposal, stairwell, secretary_user, client_as):
    client = client_as(secretary_user)
    name, content = _files()[kind]
    preview = upload(client, proposal, name, content)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert not preview.context["problems"]
    assert (plan.households, plan.agree, plan.disagree, plan.abstain) == (3, 1, 1, 1)
    assert "确认录入 3 张表决票" in preview.content.decode()
    assert not Ballot.objects.exists()  # nothing until the confirmation

    response = confirm(client, proposal, preview.context["token"])
    assert response.status_code == 302 and response["Location"] == reverse("register", args=[proposal.pk])
    ballots = {b.household.code: b for b in Ballot.objects.filter(proposal=proposal).select_related("household")}
    assert {code: (b.choice, b.channel, b.proxy_name) for code, b in ballots.items()} == {
        "3-5-502": ("agree", Channel.PAPER, ""),
        "3-5-501": ("disagree", Channel.PAPER, ""),
        "3-5-402": ("abstain", Channel.PROXY, "李四"),
    }
    assert {b.recorded_by for b in ballots.values()} == {secretary_user}
    # One scan for the batch, stored once, named at random, never after the uploaded file.
    assert len({b.evidence.name for b in ballots.values()}) == 1
    evidence = next(iter(ballots.values())).evidence
    assert evidence.name.endswith(".pdf") and evidence.storage.exists(evidence.name)
    with evidence.open("rb") as handle:
        assert handle.read() == PDF
    # One audit entry per household, and the chain and the tally check out.
    events = list(BallotEvent.objects.filter(proposal=proposal).values_list("household_id", "by_id", "channel"))
    assert len(events) == 3 and len({e[0] for e in events}) == 3 and {e[1] for e in events} == {secretary_user.pk}
    call_command("verify_ballots", proposal.pk)
    html = client.get(response["Location"]).content.decode()
    assert "已录入 3 张纸质表决票：同意 1，不同意 1，弃权 1。" in html


def test_split_columns_and_english_headings(proposal, secretary_user, client_as):
    client = client_as(secretary_user)
    header = ["Building", "Entrance", "Room", "Choice"]
    content = csv_bytes([["3", "5", "602", "agree"], ["3号楼", "5单元", "601室", "disagree"]], header=header)
    preview = upload(client, proposal, "b.csv", content)
    assert preview.context["plan"].households == 2
    confirm(client, proposal, preview.context["token"])
    assert Ballot.objects.filter(proposal=proposal).count() == 2


def test_a_confirmation_is_used_once(proposal, secretary_user, client_as):
    client = client_as(secretary_user)
    token = upload(client, proposal, *_files()["utf-8"]).context["token"]
    confirm(client, proposal, token)
    response = confirm(client, proposal, token)
    assert response.status_code == 302 and response["Location"] == _url(proposal)
    assert "此次检查已过期" in client.get(response["Location"]).content.decode()
    assert BallotEvent.objects.filter(proposal=proposal).count() == 3


def test_a_token_belongs_to_whoever_uploaded(proposal, secretary_user, committee_user, client_as):
    token = upload(client_as(secretary_user), proposal, *_files()["utf-8"]).context["token"]
    response = confirm(client_as(committee_user), proposal, token)
    assert response.status_code == 302
    assert not Ballot.objects.exists()


@pytest.fixture
def split_owner_proposal(community, stairwell, same_owner, committee_user):
    """3-5-101 and 3-5-102 have one owner; 3-5-701 is added after voting opened (outside the electorate)."""
    proposal = open_proposal(community, committee_user)
    HouseholdFactory(entrance=stairwell[0].entrance, room="701", floor=7)
    return proposal


def test_every_problem_is_reported_and_nothing_is_written(split_owner_proposal, secretary_user, client_as):
    proposal = split_owner_proposal
    rows = [
        ["3-5-502", "同意", "", "", ""],  # 2: fine
        ["3-5-999", "同意", "", "", ""],  # 3: unknown household
        ["3-5-701", "同意", "", "", ""],  # 4: not in the electorate
        ["3-5-501", "也许", "", "", ""],  # 5: unknown choice
        ["3-5-502", "不同意", "", "", ""],  # 6: the same household twice
        ["3-5-402", "同意", "委托", "", ""],  # 7: a proxy without a name
        ["3-5-101", "同意", "", "", ""],  # 8: fine alone...
        ["3-5-102", "不同意", "", "", ""],  # 9: ...but the same owner chose differently
    ]
    client = client_as(secretary_user)
    preview = upload(client, proposal, "ballots.csv", csv_bytes(rows))
    assert preview.status_code == 200
    problems = [(p["row"], p["column"], p["reason"]) for p in preview.context["problems"]]
    assert problems == [
        (3, "房屋", "本小区没有 3-5-999 这一户。"),
        (4, "房屋", "3-5-701 不在本议题的表决范围内。"),
        (5, "表决意见", "无法识别的表决意见，请填写同意、不同意或弃权。"),
        (6, "房屋", "3-5-502 重复出现：第 2 行已经有这一户。"),
        (7, "受托人", "委托表决须在“受托人”列填写受托人姓名。"),
        (
            9,
            "房屋",
            "3-5-102 与 3-5-101（第 8 行）属于同一业主，但表决意见不同："
            "一位业主拥有多套房屋的按一人计算，只能有一个表决意见。",
        ),
    ]
    html = preview.content.decode()
    assert "发现 6 个问题，没有录入任何表决票。" in html
    assert not preview.context["token"] and 'name="token"' not in html
    assert not Ballot.objects.exists() and not BallotEvent.objects.exists()


def test_replacing_existing_ballots_is_shown_then_done(proposal, stairwell, residents, secretary_user, client_as):
    flat = stairwell[9]  # 3-5-502
    ballot_cast(proposal=proposal, household=flat, choice="disagree", channel=Channel.ONLINE, by=residents[9])
    ballot_cast(proposal=proposal, household=stairwell[8], choice="disagree", channel=Channel.ONLINE, by=residents[8])
    client = client_as(secretary_user)
    preview = upload(client, proposal, *_files()["utf-8"])  # 3-5-502 agree, 3-5-501 disagree, 3-5-402 abstain
    plan = preview.context["plan"]
    assert (len(plan.replacements), plan.changed_choices) == (2, 1)
    assert [(r["row"], r["label"]) for r in preview.context["replacements"]] == [(2, "3-5-502"), (3, "3-5-501")]
    assert "有 2 户已经表决，将以表格为准替换原记录（其中 1 户的表决意见有变化）。" in preview.content.decode()
    confirm(client, proposal, preview.context["token"])
    ballot = Ballot.objects.get(proposal=proposal, household=flat)
    assert (ballot.choice, ballot.channel) == ("agree", Channel.PAPER)
    assert list(
        BallotEvent.objects.filter(proposal=proposal, household=flat).values_list("old_choice", "new_choice")
    ) == [("", "disagree"), ("disagree", "agree")]
    call_command("verify_ballots", proposal.pk)


def test_an_owners_other_flats_follow_the_sheet(
    community, stairwell, same_owner, committee_user, secretary_user, client_as
):
    proposal = open_proposal(community, committee_user)
    client = client_as(secretary_user)
    preview = upload(client, proposal, "b.csv", csv_bytes([["3-5-101", "同意", "", "", ""]]))
    plan = preview.context["plan"]
    assert (plan.households, plan.other_flats) == (2, 1)
    confirm(client, proposal, preview.context["token"])
    assert set(Ballot.objects.values_list("household_id", "choice")) == {
        (stairwell[0].pk, "agree"),
        (stairwell[1].pk, "agree"),
    }
    assert BallotEvent.objects.filter(proposal=proposal).count() == 2
    call_command("verify_ballots", proposal.pk)


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        (None, "请附上签字表决票的扫描件"),
        ("png", "签字表决票扫描件必须是一个 PDF 文件"),
    ],
)
def test_the_scan_is_required_and_must_be_a_pdf(evidence, message, proposal, secretary_user, client_as):
    response = upload(
        client_as(secretary_user), proposal, *_files()["utf-8"], evidence=scan() if evidence == "png" else None
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "token" not in response.context or not response.context.get("token")
    assert not Ballot.objects.exists()


def test_an_unreadable_sheet_is_refused_at_upload(proposal, secretary_user, client_as):
    response = upload(client_as(secretary_user), proposal, "ballots.docx", b"PK\x03\x04whatever")
    assert "只能读取 .xlsx 和 .csv 文件" in response.content.decode()
    assert not Ballot.objects.exists()


def test_closed_voting_refuses_upload_and_confirmation(proposal, secretary_user, committee_user, client_as):
    client = client_as(secretary_user)
    token = upload(client, proposal, *_files()["utf-8"]).context["token"]
    proposal_close(proposal=proposal, by=committee_user)
    response = confirm(client, proposal, token)
    assert response.status_code == 302
    assert "本议题目前不在表决期内" in client.get(response["Location"]).content.decode()
    response = upload(client, proposal, *_files()["utf-8"])
    assert "本议题目前不在表决期内" in response.content.decode()
    page = client.get(_url(proposal)).content.decode()
    assert 'name="sheet"' not in page
    assert not Ballot.objects.exists() and not BallotEvent.objects.exists()


def test_a_failure_midway_writes_nothing(proposal, stairwell, residents, secretary_user, settings):
    """All or nothing: a log entry inserted behind the platform's back makes writing the log fail after the ballots
    were written in the same transaction — they are rolled back, and the batch's scan is removed."""
    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.ONLINE, by=residents[0])
    proposal.refresh_from_db()
    BallotEvent.objects.create(
        proposal=proposal,
        seq=proposal.ballot_seq + 2,
        household=stairwell[5],
        new_choice="agree",
        channel=Channel.ONLINE,
        by=residents[5],
        at=timezone.now(),
        hash="0" * 64,
    )
    sheet = csv_bytes(
        [["3-5-502", "同意", "", "", ""], ["3-5-501", "同意", "", "", ""], ["3-5-101", "弃权", "", "", ""]]
    )
    parsed = parse_ballots("b.csv", sheet)
    with pytest.raises(VotingError):
        paper_ballots_import(proposal=proposal, parsed=parsed, by=secretary_user, evidence=ContentFile(PDF))
    assert list(Ballot.objects.values_list("household_id", "choice", "channel")) == [
        (stairwell[0].pk, "agree", Channel.ONLINE)
    ]
    assert BallotEvent.objects.count() == 2
    before = proposal.ballot_seq
    proposal.refresh_from_db()
    assert proposal.ballot_seq == before
    batch_dir = settings.MEDIA_ROOT / "ballots"
    assert not batch_dir.exists() or not list(batch_dir.rglob("batch-*"))


def test_the_bulk_write_records_what_one_ballot_at_a_time_would(
    community, stairwell, same_owner, residents, committee_user, secretary_user
):
    """The sheet's ballots, written in bulk, equal the same ballots cast one by one through ballot_cast: the same
    log entries in the same order, the same ballots, one receipt per owner; verify_ballots passes on both."""
    one_by_one, bulk = open_proposal(community, committee_user), open_proposal(community, committee_user)
    sheet = [
        ["3-5-502", "同意", "", "", ""],
        ["3-5-101", "不同意", "委托", "李四", ""],  # and 3-5-102, the same owner
        ["3-5-301", "弃权", "", "", ""],  # replaces an online ballot
    ]
    for proposal in (one_by_one, bulk):
        ballot_cast(proposal=proposal, household=stairwell[4], choice="agree", channel=Channel.ONLINE, by=residents[4])
    for code, choice, channel, proxy, _note in sheet:
        household = next(h for h in stairwell if h.code == code)
        channel = Channel.PROXY if channel == "委托" else Channel.PAPER
        choice = {"同意": "agree", "不同意": "disagree", "弃权": "abstain"}[choice]
        paper_ballot_record(
            proposal=one_by_one,
            household=household,
            choice=choice,
            channel=channel,
            proxy_name=proxy,
            by=secretary_user,
            evidence=scan(),
        )
    paper_ballots_import(
        proposal=bulk, parsed=parse_ballots("b.csv", csv_bytes(sheet)), by=secretary_user, evidence=ContentFile(PDF)
    )

    def log(proposal):
        fields = ("seq", "household_id", "old_choice", "new_choice", "channel", "by_id", "proxy_name")
        return list(BallotEvent.objects.filter(proposal=proposal).order_by("seq").values_list(*fields))

    def ballots(proposal):
        fields = ("household_id", "choice", "channel", "proxy_name", "recorded_by_id", "seq", "head", "area")
        return list(Ballot.objects.filter(proposal=proposal).order_by("household_id").values_list(*fields))

    def receipts(proposal):
        by_receipt = {}
        for household_id, receipt in Ballot.objects.filter(proposal=proposal).values_list("household_id", "receipt"):
            by_receipt.setdefault(receipt, set()).add(household_id)
        return sorted(sorted(group) for group in by_receipt.values())

    assert log(bulk) == log(one_by_one)
    assert ballots(bulk) == ballots(one_by_one)
    assert receipts(bulk) == receipts(one_by_one)
    for proposal in (one_by_one, bulk):
        call_command("verify_ballots", proposal.pk)
