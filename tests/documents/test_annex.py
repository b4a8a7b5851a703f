"""The per-household register annex: its rows from the frozen electorate and the ballots, the PDF of the
register page, and the chunked parallel path giving the same lines as one render."""

from decimal import Decimal

import pytest

from documents.annex import AnnexRow
from documents.builders import render_annex
from documents.chunked import RenderStats
from documents.selectors import annex_rows, place_label
from tests.documents.conftest import pdf_lines, pdf_reader, pdf_text, scan
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


def test_place_label():
    assert place_label("3", "5", "502") == "3号楼5单元502"
    assert place_label("A座", "东单元", "101") == "A座东单元101"


def test_annex_rows_list_every_elector_with_its_ballot_in_roster_order(proposal, stairwell, residents, secretary_user):
    ballot_cast(proposal=proposal, household=stairwell[8], choice="agree", channel="online", by=residents[8])
    ballot_cast(
        proposal=proposal,
        household=stairwell[0],
        choice="disagree",
        channel="paper",
        by=secretary_user,
        evidence=scan(),
    )
    rows = annex_rows(proposal)
    assert [row.place for row in rows] == [f"3号楼5单元{f}0{r}" for f in range(1, 7) for r in (1, 2)]
    by_place = {row.place: row for row in rows}
    assert by_place["3号楼5单元501"].choice == "同意"
    assert by_place["3号楼5单元501"].channel == "网上表决"
    assert by_place["3号楼5单元501"].at.startswith("20")
    assert by_place["3号楼5单元101"].choice == "不同意"
    assert by_place["3号楼5单元101"].channel == "纸质表决票"
    assert by_place["3号楼5单元502"].choice == "未表决"
    assert by_place["3号楼5单元502"].channel == by_place["3号楼5单元502"].at == ""
    assert by_place["3号楼5单元502"].area == "100.00"
    assert by_place["3号楼5单元502"].owner == stairwell[9].owner.name


def test_annex_rows_are_one_query(proposal, stairwell, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(annex_rows(proposal)) == 12


def test_register_pdf_shows_the_households_their_votes_and_the_totals(
    client_as, proposal, stairwell, residents, secretary_user
):
    ballot_cast(proposal=proposal, household=stairwell[9], choice="agree", channel="online", by=residents[9])
    response = client_as(secretary_user).get(f"/proposals/{proposal.pk}/documents/register.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "register-" in response["Content-Disposition"]
    lines = pdf_lines(response.content)
    text = "\n".join(lines)
    assert "业主表决登记表（第 1 号议题）" in text
    assert "共 12 户：已表决 1 户，未表决 11 户。" in text
    row = next(line for line in lines if "3号楼5单元502" in line)
    assert row.split()[:6] == ["10", "3号楼5单元502", stairwell[9].owner.name, "100.00", "同意", "网上表决"]
    assert sum("未表决" in line and "号楼" in line for line in lines) == 11
    assert "第 1 页 / 共 1 页" in text


def test_register_before_voting_says_there_is_none_yet(client_as, community, stairwell, committee_user):
    from proposals.services import proposal_create

    draft = proposal_create(
        community=community, by=committee_user, title="草案", summary="草案", category="other", rule=None
    )
    response = client_as(committee_user).get(f"/proposals/{draft.pk}/documents/register.pdf")
    assert response.status_code == 409
    assert "表决开始时才确定" in response.content.decode()


def _rows(count: int) -> list[AnnexRow]:
    names = ["王秀英", "李", "欧阳娜娜", "某某房地产开发有限公司", "Zhang San"]
    return [
        AnnexRow(
            place=f"{n // 48 + 1}号楼{n // 12 % 4 + 1}单元{n % 12 // 2 + 1}0{n % 2 + 1}",
            owner=names[n % len(names)],
            area=f"{Decimal(60) + n % 90}.{n % 100:02d}",
            choice=["同意", "不同意", "弃权", "未表决"][n % 4],
            channel="" if n % 4 == 3 else "网上表决",
            at="" if n % 4 == 3 else f"2024-05-{n % 28 + 1:02d} 10:{n % 60:02d}",
        )
        for n in range(count)
    ]


def test_the_chunked_parallel_annex_has_the_same_lines_as_one_render():
    rows = _rows(260)  # 6 pages of 50, in chunks of 2 pages over 2 worker processes
    single = render_annex(rows, title="附件：业主表决登记表", subtitle="测试小区")
    stats = RenderStats()
    progress = []
    chunked = render_annex(
        rows,
        title="附件：业主表决登记表",
        subtitle="测试小区",
        workers=2,
        pages_per_chunk=2,
        stats=stats,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert stats.chunks == 3 and stats.pages == 6
    assert progress == [(0, 6), (2, 6), (4, 6), (6, 6)]
    assert len(stats.peak_kb) >= 2  # the parent and at least one worker
    assert len(pdf_reader(single).pages) == len(pdf_reader(chunked).pages) == 6
    assert pdf_lines(chunked) == pdf_lines(single)
    lines = pdf_lines(chunked)
    assert "第 6 页 / 共 6 页" in lines
    numbered = [line for line in lines if line.split()[0].isdigit() and "号楼" in line]
    assert [int(line.split()[0]) for line in numbered] == list(range(1, 261))
    assert numbered[0].split()[1:5] == [rows[0].place, rows[0].owner, rows[0].area, rows[0].choice]


def test_the_in_process_chunked_path_matches_too():
    rows = _rows(120)
    assert pdf_lines(render_annex(rows, title="附件", workers=1, pages_per_chunk=1)) == pdf_lines(
        render_annex(rows, title="附件")
    )


def test_an_empty_electorate_is_one_page_with_the_headings():
    text = pdf_text(render_annex([], title="附件：业主表决登记表"))
    assert "附件：业主表决登记表" in text and "共 0 户" in text


def test_an_error_in_a_worker_reaches_the_caller():
    from functools import partial

    from documents.chunked import render_chunked

    with pytest.raises(ValueError):
        render_chunked([(1, partial(int, "not a page"))], head="", pages_total=1, workers=2)
