"""The printed resolution: the right numbers and words in Chinese, in the CJK font; a draft before any signature, the
frozen content after; the annex for the committee only; who may read it."""

import pytest

from lifecycle.services import proposal_close
from proposals.models import Category, RuleCode
from resolutions.services import resolution_sign
from tests.documents.test_render import font_names
from tests.resolutions.conftest import PASSWORD, ROLES, cast, open_proposal, pdf_text, tamper
from voting.audit import ballots_verify
from voting.models import Ballot, Choice

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    """The PDF's text without line breaks and spaces: a table cell or a sentence may wrap anywhere."""
    return "".join(text.split())


def resolution_text(client, proposal) -> str:
    response = client.get(f"/proposals/{proposal.pk}/resolution.pdf")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


def test_a_draft_before_any_signature(client_as, closed, committee_user):
    text = resolution_text(client_as(committee_user), closed)
    flat = squeeze(text)
    assert "草稿（未签署）" in text
    assert "结果指纹" not in text and "/verify/" not in text
    assert "业主表决结果及决议" in text
    assert "“更换单元门”·第1号议题" in flat


def test_the_signed_resolution_says_what_was_decided(client_as, closed, committee_user, second_member):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    signature = resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    fingerprint = signature.resolution.fingerprint
    response = client_as(committee_user).get(f"/proposals/{closed.pk}/resolution.pdf")
    text = pdf_text(response.content)
    flat = squeeze(text)
    assert "草稿" not in text
    assert fingerprint in flat
    assert f"/verify/{fingerprint}" in flat
    # Community, scope, convener, rule and its legal basis.
    assert closed.community.name in text and "全体业主" in text
    assert f"召集人{closed.community.name}业主委员会" in flat
    assert "第二百七十八条" in text and "过半数" in text
    # How owners voted and the electorate.
    assert "网上表决9户，纸质表决票1户，委托代理1户" in flat
    assert "共12户，业主12人，专有部分面积1,200.00平方米。" in flat
    # Participation and each option in households, heads, area and percentages.
    assert "参与表决1191.67%1191.67%1,100.0091.67%" in flat
    assert "同意981.82%981.82%900.0081.82%" in flat
    assert "不同意19.09%19.09%100.009.09%" in flat
    assert "未参与表决18.33%18.33%100.008.33%" in flat
    # Each threshold with its value, and the verdict.
    assert "≥2/3(66.67%)11/12(91.67%)达到" in flat
    assert ">1/2(50.00%)9/11(81.82%)达到" in flat
    assert "表决结果：通过" in flat and "未通过" not in flat
    # The proposal text (rendered Markdown, no script), the cost summary, the parties.
    assert "更换为防盗单元门。" in flat and "alert" not in text
    assert "总费用¥12,000.00" in flat and "由业主分摊¥10,000.00" in flat and "按建筑面积" in flat
    assert "共12户分摊¥10,000.00；最少一户¥833.33，最多一户¥833.34。每户分摊金额见业主委员会存档的附件" in flat
    assert "某物业公司" in text and "有条件支持：夜间不施工" in flat
    # The signers, their capacity and time; the one-year revocation notice.
    assert str(committee_user) in text and "业主委员会委员" in text
    assert "李委员" in text and "业主委员会委员" in text
    assert signature.signed_at.astimezone().strftime("%Y-%m-%d") in text
    assert "第二百八十条" in text and "一年内请求人民法院予以撤销" in flat


def test_the_fonts_are_the_cjk_font_and_the_page_a4(client_as, closed, committee_user):
    from tests.documents.conftest import pdf_reader

    response = client_as(committee_user).get(f"/proposals/{closed.pk}/resolution.pdf")
    names = font_names(response.content)
    assert names and all("WenQuanYi" in name for name in names), names
    text = pdf_text(response.content)
    assert "\ufffd" not in text and "□" not in text
    page = pdf_reader(response.content).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_a_failed_vote_says_not_passed_and_which_thresholds_were_missed(
    client_as, stairwell, community, committee_user
):
    proposal = open_proposal(community, committee_user, category=Category.REBUILD)
    for household in stairwell[:5]:
        cast(proposal, household, Choice.AGREE, by=committee_user)
    for household in stairwell[5:9]:
        cast(proposal, household, Choice.DISAGREE, by=committee_user)
    proposal = proposal_close(proposal=proposal, by=committee_user)
    flat = squeeze(resolution_text(client_as(committee_user), proposal))
    assert "表决结果：未通过" in flat
    assert "≥2/3(66.67%)9/12(75.00%)达到" in flat  # participation reached
    assert "≥3/4(75.00%)5/9(55.56%)未达到" in flat  # approval missed
    assert "第六项至第八项" in flat and "四分之三以上" in flat


def test_a_unanimous_rule_says_so(client_as, stairwell, community, committee_user):
    proposal = open_proposal(community, committee_user, rule=RuleCode.UNANIMOUS)
    for household in stairwell:
        cast(proposal, household, Choice.AGREE, by=committee_user)
    proposal = proposal_close(proposal=proposal, by=committee_user)
    flat = squeeze(resolution_text(client_as(committee_user), proposal))
    assert "须全体一致通过" in flat and "表决结果：通过" in flat
    assert "第二百七十八条" not in flat


def test_after_signing_the_pdf_is_rendered_from_the_frozen_content(client_as, closed, committee_user, residents):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    household_client = client_as(residents[0])
    before = resolution_text(household_client, closed)
    tamper(Ballot.objects.get(proposal=closed, choice=Choice.DISAGREE), Choice.AGREE)
    after = resolution_text(household_client, closed)
    assert after == before
    assert "同意981.82%" in squeeze(after)
    problems = ballots_verify(closed)
    assert any("3-5-502" in problem for problem in problems), problems
    verification = household_client.get(f"/verify/{closed.resolution.fingerprint}")
    assert "记录已被改动" in verification.content.decode()


def test_the_committee_gets_the_annex_and_households_do_not(client_as, closed, committee_user, residents):
    committee_text = resolution_text(client_as(committee_user), closed)
    assert "附件：分户表决及分摊明细" in committee_text
    rows = [line.split() for line in committee_text.splitlines()]
    lines = {row[1]: " ".join(row) for row in rows if len(row) > 4 and row[0].isdigit()}
    owner = {e.label: e.owner.name for e in closed.electors.select_related("owner")}
    assert lines["3号楼5单元101"] == f"1 3号楼5单元101 {owner['3-5-101']} 100.00 同意 网上表决 833.34"
    assert lines["3号楼5单元502"] == f"10 3号楼5单元502 {owner['3-5-502']} 100.00 不同意 纸质表决票 833.33"
    assert lines["3号楼5单元602"] == f"12 3号楼5单元602 {owner['3-5-602']} 100.00 未表决 833.33"
    household_text = resolution_text(client_as(residents[0]), closed)
    assert "附件：分户表决" not in household_text and owner["3-5-101"] not in household_text


def test_the_annex_on_its_own(client_as, closed, committee_user, residents):
    response = client_as(committee_user).get(f"/proposals/{closed.pk}/resolution/annex.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "分摊（元）" in text and "共 12 户：已表决 11 户，未表决 1 户。" in text
    assert client_as(residents[0]).get(f"/proposals/{closed.pk}/resolution/annex.pdf").status_code == 403


def test_a_large_electorate_gets_its_annex_from_a_document_job(client_as, closed, committee_user, monkeypatch):
    from resolutions import views as resolution_views

    monkeypatch.setattr(resolution_views, "INLINE_ANNEX_ROWS", 10)
    client = client_as(committee_user)
    text = resolution_text(client, closed)
    assert "附件：分户表决" not in text  # not rendered in the request
    response = client.get(f"/proposals/{closed.pk}/resolution/annex.pdf")
    assert response.status_code == 200 and "附件共 12 户" in response.content.decode()  # a page offering the job
    page = client.get(f"/proposals/{closed.pk}/resolution/")
    assert "后台生成" in page.content.decode()


def test_there_is_no_resolution_while_voting(client_as, voting, committee_user):
    response = client_as(committee_user).get(f"/proposals/{voting.pk}/resolution.pdf")
    assert response.status_code == 409
    assert "表决结束后才能制作决议" in response.content.decode()


def test_english_readers_get_an_english_resolution(client_as, closed, committee_user):
    client = client_as(committee_user)
    client.cookies["django_language"] = "en"
    flat = squeeze(resolution_text(client, closed))
    assert "Result:theproposalispassed" in flat and "Article280(2)" in flat


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_resolution(client_as, actors, here, role):
    response = client_as(actors.users[role]).get(f"/proposals/{here.pk}/resolution.pdf")
    allowed = {"household", "canvasser", "secretary", "committee"}
    if role in allowed:
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)


def test_a_large_annex_as_a_document_job_has_the_same_rows(client_as, closed, committee_user, monkeypatch):
    """A large electorate's annex is a background job whose pages are those of the annex made in the request."""
    from documents import jobs
    from documents.models import DocumentJob
    from resolutions import views as resolution_views
    from resolutions.documents import ANNEX_JOB_KIND
    from tests.documents.conftest import pdf_lines

    client = client_as(committee_user)
    inline = pdf_lines(client.get(f"/proposals/{closed.pk}/resolution/annex.pdf").content)
    monkeypatch.setattr(resolution_views, "INLINE_ANNEX_ROWS", 10)
    page = client.get(f"/proposals/{closed.pk}/resolution/annex.pdf")
    assert page.status_code == 200 and "附件共 12 户" in page.content.decode()
    assert not DocumentJob.objects.exists()  # reading never starts a job
    response = client.post(f"/proposals/{closed.pk}/resolution/annex.pdf")
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    assert (job.kind, job.proposal, job.requested_by) == (ANNEX_JOB_KIND, closed, committee_user)
    job = jobs.document_job_run(job_id=job.pk)
    assert job.state == "done", job.message
    with job.file.open("rb") as made:
        assert pdf_lines(made.read()) == inline
    assert client.get(f"/documents/jobs/{job.pk}/download/").status_code == 200
