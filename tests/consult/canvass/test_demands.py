"""The demands summary: counts per tag from each household's latest recorded demands, texts grouped by tag, a
building filter, the XLSX export (text stays text), and the page escaping what residents said."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consult.models import DemandTag
from consult.selectors import demands_summary
from tests.consult.canvass.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def said(site):
    """What households said: a0 费用; a1 费用+噪音 (then nobody home); a2 位置, later 噪音; a3 text only; c0 费用."""
    tags = {name: DemandTag.objects.create(community=site.community, name=name) for name in ("费用", "噪音", "位置")}
    start = site.proposal.created_at
    p = site.proposal
    record(p, site.a[0], site.canvasser_a, tag_ids=[tags["费用"].pk], demands="电费太贵", visited_at=start)
    record(
        p,
        site.a[1],
        site.canvasser_a,
        stance="oppose",
        tag_ids=[tags["费用"].pk, tags["噪音"].pk],
        demands="充电桩太吵",
    )
    record(p, site.a[1], site.canvasser_a, outcome="nobody_home")
    record(p, site.a[2], site.canvasser_a, tag_ids=[tags["位置"].pk], visited_at=start)
    record(p, site.a[2], site.canvasser_a, stance="conditional", tag_ids=[tags["噪音"].pk], demands="晚上十点后别施工")
    record(p, site.a[3], site.canvasser_a, stance="undecided", demands="<script>alert(1)</script>\n=1+1")
    record(p, site.a[4], site.canvasser_a)  # nothing asked
    record(p, site.c[0], site.canvasser_b, tag_ids=[tags["费用"].pk], visited_at=start + timedelta(seconds=1))
    return tags


def test_counts_per_tag_come_from_each_households_latest_demands(site, said):
    summary = demands_summary(site.proposal)
    counts = {group.tag: group.households for group in summary.groups}
    assert counts == {"费用": 3, "噪音": 2, "": 1}  # 位置 was replaced by a later visit's 噪音
    assert summary.households == 5
    assert [group.tag for group in summary.groups] == ["费用", "噪音", ""]  # most raised first, untagged last
    cost = summary.groups[0]
    assert [entry.code for entry in cost.entries] == ["3-5-601", "3-5-602", "4-1-201"]
    assert [entry.text for entry in cost.entries] == ["电费太贵", "充电桩太吵", ""]
    noise = summary.groups[1]
    assert [(entry.code, entry.tags) for entry in noise.entries] == [
        ("3-5-501", ["噪音"]),
        ("3-5-602", ["噪音", "费用"]),
    ]


def test_the_summary_filters_by_building(site, said):
    summary = demands_summary(site.proposal, building_id=site.entrance_c.building_id)
    assert {group.tag: group.households for group in summary.groups} == {"费用": 1}
    assert summary.households == 1


def test_the_page_lists_households_and_escapes_their_words(site, said, client_as):
    url = reverse("demands_summary", args=[site.proposal.pk])
    html = client_as(site.secretary).get(url).content.decode()
    for code in ("3-5-601", "3-5-602", "3-5-501", "3-5-502", "4-1-201"):
        assert code in html
    assert "晚上十点后别施工" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    filtered = client_as(site.secretary).get(url, {"building": site.entrance_c.building_id}).content.decode()
    assert "4-1-201" in filtered and "3-5-601" not in filtered
    assert client_as(site.secretary).get(url, {"building": "999999"}).status_code == 404
    assert client_as(site.secretary).get(url, {"building": "abc"}).status_code == 404


def test_the_xlsx_has_the_counts_and_every_demand_as_text(site, said, client_as):
    response = client_as(site.committee).get(reverse("demands_summary", args=[site.proposal.pk]), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    counts, detail, about = workbook.worksheets
    rows = list(counts.iter_rows(min_row=2, values_only=True))
    assert rows[:3] == [("费用", 3), ("噪音", 2), ("（未分类）", 1)]
    assert rows[-1][1] == 5
    details = list(detail.iter_rows(min_row=2, values_only=True))
    assert len(details) == 6  # one row per (tag, household)
    assert details[3][:4] == ("噪音", "3-5-501", "有条件支持", "晚上十点后别施工")
    untagged = next(row for row in details if row[1] == "3-5-502")
    assert untagged[3] == "<script>alert(1)</script>\n=1+1"
    cell = next(c for c in detail["D"] if c.value and str(c.value).startswith("<script>"))
    assert cell.data_type == "s"  # a resident's "=1+1" is never a formula
    assert any(row[0] == "小区" and row[1] == "山水名城" for row in about.iter_rows(values_only=True))


def test_a_demand_starting_with_equals_stays_text(site, client_as):
    record(site.proposal, site.a[0], site.canvasser_a, demands='=HYPERLINK("http://evil","x")')
    response = client_as(site.committee).get(reverse("demands_summary", args=[site.proposal.pk]), {"format": "xlsx"})
    detail = load_workbook(io.BytesIO(response.content)).worksheets[1]
    cell = detail["D2"]
    assert cell.value == '=HYPERLINK("http://evil","x")' and cell.data_type == "s"
