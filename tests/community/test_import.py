"""The import service and the import_roster command: all or nothing, idempotent, owners matched, heads counted."""

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.importing import RosterInvalid, roster_file_read, roster_import, roster_plan
from community.models import Building, Community, Entrance, Household, HouseholdBinding, Owner
from community.selectors import community_totals
from tests.factories import HouseholdBindingFactory, UserFactory
from tests.fixtures.rosters import ID_A, ID_B, PROBLEM_CASES, ROWS, ROWS_TOTALS, csv_bytes, edited, xlsx_bytes

pytestmark = pytest.mark.django_db


def counts(community=None) -> tuple[int, int, int, int]:
    if community is None:
        return (Building.objects.count(), Entrance.objects.count(), Household.objects.count(), Owner.objects.count())
    return (
        Building.objects.filter(community=community).count(),
        Entrance.objects.filter(building__community=community).count(),
        Household.objects.of(community).count(),
        Owner.objects.filter(community=community).count(),
    )


def snapshot(community) -> list[tuple]:
    """Everything an import may touch, to prove that a refused import wrote nothing."""
    households = Household.objects.of(community).order_by("pk")
    owners = Owner.objects.filter(community=community).order_by("pk")
    return [
        *households.values_list("pk", "entrance_id", "room", "floor", "area", "developer_held", "owner_id"),
        *owners.values_list("pk", "kind", "name", "phone", "id_hash"),
        counts(community),
    ]


def run(community, rows=ROWS, *, content=None, filename="roster.csv"):
    return roster_import(community=community, filename=filename, content=content or csv_bytes(rows))


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


# --- Happy paths ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "make"),
    [
        ("roster.csv", lambda: csv_bytes(ROWS, encoding="utf-8")),
        ("roster.csv", lambda: csv_bytes(ROWS, encoding="utf-8-sig")),
        ("roster.csv", lambda: csv_bytes(ROWS, encoding="gb18030")),
        ("roster.xlsx", lambda: xlsx_bytes(ROWS)),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "xlsx"],
)
def test_import_in_each_format(community, filename, make):
    summary = run(community, content=make(), filename=filename)
    totals = community_totals(community)
    assert (summary.buildings_total, summary.entrances_total) == (1, 2)
    assert (summary.households_total, summary.heads, str(summary.area)) == (6, 5, ROWS_TOTALS["area"])
    assert (totals.households, totals.heads, str(totals.area)) == (6, 5, ROWS_TOTALS["area"])
    assert (summary.households_created, summary.owners_created) == (6, ROWS_TOTALS["owners"])
    household = Household.objects.of(community).get(room="502")
    assert (household.code, household.floor, household.area, household.owner.name) == (
        "3-5-502",
        5,
        Decimal("89.50"),
        "张伟",
    )
    assert household.room_sort_key and household.entrance.sort_key and household.entrance.building.sort_key
    assert str(household.entrance.building) == "3号楼"


def test_english_headings_shuffled_and_units(community):
    header = ["Owner", "Phone", "Room", "Floor", "Area", "Entrance", "Building", "ID number", "Developer held"]
    rows = [[r[5], r[6], r[2], r[3], f"{r[4]} m2", f"{r[1]}单元", f"{r[0]}号楼", r[7], r[8]] for r in ROWS]
    summary = run(community, content=csv_bytes(rows, header=header))
    assert (summary.households_total, summary.heads, str(summary.area)) == (6, 5, ROWS_TOTALS["area"])
    assert set(Building.objects.filter(community=community).values_list("name", flat=True)) == {"3"}


def test_preview_totals_equal_the_totals_after_import(community):
    run(community)
    changed = [
        *edited(ROWS, 0, area="100.00", owner="张伟", phone="13500000000"),
        ["4", "1", "101", "1", "50", "新人", "13300000000", "", ""],
    ]
    planned = roster_plan(community=community, roster=roster_file_read(filename="r.csv", content=csv_bytes(changed)))
    summary = run(community, changed)
    assert planned.summary.heads == summary.heads == community_totals(community).heads
    assert planned.summary.area == summary.area == community_totals(community).area
    assert planned.summary.households_total == summary.households_total == 7
    assert planned.summary.buildings_total == summary.buildings_total == 2


# --- All or nothing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "expected"), [case[1:] for case in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES])
def test_each_problem_writes_nothing(community, rows, expected):
    run(community)  # a roster is there already; the bad file also edits a good row and adds a household
    before = snapshot(community)
    bad = [*edited(rows, 0, area="95.00"), ["8", "1", "101", "1", "60", "新业主", "13300000000", "", ""]]
    with pytest.raises(RosterInvalid) as caught:
        run(community, bad)
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == expected
    assert snapshot(community) == before


def test_one_bad_row_among_good_ones_into_an_empty_community_writes_nothing(community):
    rows = [*ROWS, ["9", "1", "101", "1", "-5", "赵六", "13500000000", "", ""]]
    with pytest.raises(RosterInvalid) as caught:
        run(community, rows)
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == [(8, "建筑面积", "area_not_positive")]
    assert counts() == (0, 0, 0, 0)


# --- Idempotent, in place ---------------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing_and_writes_nothing(community):
    run(community, content=xlsx_bytes(ROWS), filename="r.xlsx")
    before = snapshot(community)
    with CaptureQueriesContext(connection) as queries:
        summary = run(community, content=xlsx_bytes(ROWS), filename="r.xlsx")
    assert writes(queries.captured_queries) == []
    assert (summary.households_created, summary.households_updated, summary.households_unchanged) == (0, 0, 6)
    assert (summary.owners_created, summary.owners_updated, summary.owners_unchanged) == (0, 0, 5)
    assert (summary.buildings_created, summary.entrances_created) == (0, 0)
    assert not summary.changes_anything
    assert snapshot(community) == before


def test_the_same_roster_in_another_format_is_the_same_roster(community):
    run(community, content=csv_bytes(ROWS, encoding="gb18030"))
    summary = run(community, content=xlsx_bytes(ROWS), filename="r.xlsx")
    assert not summary.changes_anything


def test_an_edited_file_updates_in_place(community):
    run(community)
    pks = dict(Household.objects.of(community).values_list("room", "pk"))
    owners_before = Owner.objects.count()
    rows = edited(ROWS, 0, area="90.12", floor="6")  # 502: area and floor
    rows = edited(rows, 1, owner="李娜娜")  # 501: the owner's name corrected (same phone)
    rows = edited(rows, 5, developer_held="是")  # 3-6-101 now held by the developer
    rows = edited(rows, 3, phone="13700000009")  # 401's owner (known by ID) has a new phone
    summary = run(community, rows)
    assert (summary.households_created, summary.households_updated, summary.households_unchanged) == (0, 2, 4)
    assert (summary.owners_created, summary.owners_updated) == (0, 2)
    assert dict(Household.objects.of(community).values_list("room", "pk")) == pks
    assert Owner.objects.count() == owners_before
    h502 = Household.objects.get(pk=pks["502"])
    assert (h502.area, h502.floor) == (Decimal("90.12"), 6)
    assert Household.objects.get(pk=pks["501"]).owner.name == "李娜娜"
    h101 = Household.objects.get(pk=pks["101"])
    assert h101.developer_held and h101.owner.kind == Owner.Kind.DEVELOPER
    assert Household.objects.get(pk=pks["401"]).owner.phone == "13700000009"
    assert community_totals(community).heads == 4  # 刘洋's only flat went to the developer


def test_a_flat_sold_to_another_owner_relinks_without_duplicates(community):
    run(community)
    summary = run(community, edited(ROWS, 2, owner="陈静", phone="13300000003"))  # 402 was 张伟's second flat
    assert (summary.households_updated, summary.owners_created) == (1, 1)
    assert Household.objects.of(community).get(room="402").owner.name == "陈静"
    assert community_totals(community).heads == 6


def test_a_flat_sold_to_another_owner_loses_the_previous_owners_verified_account(community):
    # The account verified as 张伟 must not go on casting the ballot of 402's new owner (voting.rules).
    run(community)
    flats = {h.room: h for h in Household.objects.of(community)}
    seller, other = UserFactory(), UserFactory()
    sold = HouseholdBindingFactory(user=seller, household=flats["402"], relation=HouseholdBinding.Relation.OWNER)
    kept = HouseholdBindingFactory(user=other, household=flats["401"], relation=HouseholdBinding.Relation.OWNER)
    run(community, edited(ROWS, 2, owner="陈静", phone="13300000003"))
    sold.refresh_from_db(), kept.refresh_from_db()
    assert (sold.relation, kept.relation) == (HouseholdBinding.Relation.MEMBER, HouseholdBinding.Relation.OWNER)


def test_households_missing_from_the_file_are_kept(community):
    run(community)
    summary = run(community, ROWS[:4])
    assert summary.households_absent == 2
    assert Household.objects.of(community).count() == 6


def test_an_owner_known_by_phone_gets_their_id_number_later(community):
    run(community)
    zhang = Owner.objects.get(community=community, phone="13812345678")
    summary = run(community, edited(ROWS, 0, id_number=ID_B))
    zhang.refresh_from_db()
    assert zhang.id_hash and summary.owners_created == 0
    assert Owner.objects.filter(community=community).count() == ROWS_TOTALS["owners"]
    assert set(Household.objects.filter(owner=zhang).values_list("room", flat=True)) == {"502", "402"}
    assert not run(community, edited(ROWS, 0, id_number=ID_B)).changes_anything


def test_the_raw_id_number_is_stored_nowhere(community):
    run(community)
    for name, phone, id_hash in Owner.objects.values_list("name", "phone", "id_hash"):
        assert ID_A not in (name, phone, id_hash)
    assert Owner.objects.get(phone="13700000001").id_hash not in ("", ID_A)


def test_owners_are_matched_by_id_before_phone(community):
    run(community)
    wang = Owner.objects.get(community=community, name="王芳")
    run(community, edited(ROWS, 3, phone="13700000099", owner="王芳"))
    assert Household.objects.of(community).get(room="401").owner_id == wang.pk


def test_other_communities_are_untouched(community, community_factory):
    other = community_factory()
    run(other)
    before = snapshot(other)
    run(community, edited(ROWS, 0, area="99.00"))
    assert snapshot(other) == before
    assert Owner.objects.filter(community=community).count() == ROWS_TOTALS["owners"]


# --- Heads ------------------------------------------------------------------------------------------------------


def test_same_name_different_phones_are_two_owners_and_two_heads(community):
    rows = [ROWS[0], ["3", "5", "501", "5", "76.3", "张伟", "13900000000", "", ""]]
    run(community, rows)
    assert Owner.objects.filter(community=community, name="张伟").count() == 2
    assert community_totals(community).heads == 2


def test_same_phone_on_two_rows_is_one_owner_with_two_households_and_one_head(community):
    run(community, [ROWS[0], ROWS[2]])
    (owner,) = Owner.objects.filter(community=community)
    assert owner.households.count() == 2
    assert community_totals(community).heads == 1


def test_developer_rows_make_one_developer_owner_and_one_head(community):
    rows = [
        ROWS[4],
        ["3", "5", "301", "3", "76.3", "某某置业", "", "", "是"],
        ["3", "5", "202", "2", "80", "X", "", "", "yes"],
    ]
    run(community, rows)
    (developer,) = Owner.objects.filter(community=community)
    assert (developer.kind, developer.name) == (Owner.Kind.DEVELOPER, "某某置业有限公司")
    assert community_totals(community).heads == 1
    assert not run(community, rows).changes_anything


# --- Size -------------------------------------------------------------------------------------------------------


def test_queries_do_not_grow_with_the_roster(community, community_factory):
    """A few queries to load, a few bulk statements to write: batches, never a query per row."""
    small = [ROWS[0]]
    large = [[str(b), str(e), f"{f}0{r}", str(f), "80.5", f"业主{b}{e}{f}{r}", f"138{b}{e}{f:02d}{r:04d}", "", ""]
             for b in range(1, 4) for e in range(1, 3) for f in range(1, 11) for r in range(1, 5)]  # fmt: skip
    with CaptureQueriesContext(connection) as small_queries:
        run(community_factory(), small)
    with CaptureQueriesContext(connection) as large_queries:
        run(community, large)
    assert Household.objects.of(community).count() == 240
    # 240 rows: a second batch at most for each bulk insert (SQLite caps the parameters of one statement).
    assert len(large_queries.captured_queries) <= len(small_queries.captured_queries) + 3
    with CaptureQueriesContext(connection) as again:
        run(community, large)
    assert len(again.captured_queries) <= 12
    assert writes(again.captured_queries) == []


# --- The command ------------------------------------------------------------------------------------------------


def write(tmp_path, rows, name="roster.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, encoding=encoding))
    return str(path)


def test_command_imports_and_prints_the_summary_in_chinese(tmp_path, capsys):
    path = write(tmp_path, ROWS, "名册.xlsx")
    call_command("import_roster", path, "--community", "xjy", "--name", "橡胶园小区")
    out = capsys.readouterr().out
    community = Community.objects.get(slug="xjy")
    assert community.name == "橡胶园小区"
    assert "户数：6。人数：5。总面积：541.15 平方米。" in out
    assert "户：新增 6，更新 0，不变 0" in out
    assert "楼栋：1（新增 1）。单元：2（新增 2）。" in out
    call_command("import_roster", path, "--community", "xjy")
    assert "没有任何改动" in capsys.readouterr().out


def test_command_in_english(tmp_path, community, capsys):
    call_command("import_roster", write(tmp_path, ROWS), "--community", community.slug, "--language", "en")
    assert "Households: 6. Heads: 5. Total area: 541.15 m²." in capsys.readouterr().out


def test_command_prints_every_problem_and_fails(tmp_path, community, capsys):
    rows = edited(edited(ROWS, 3, area="-89.5"), 1, room="")
    with pytest.raises(CommandError) as caught:
        call_command("import_roster", write(tmp_path, rows, encoding="gb18030"), "--community", community.slug)
    err = capsys.readouterr().err.splitlines()
    assert err == ["第 3 行，「房号」列：此项必填，不能为空。", "第 5 行，「建筑面积」列：面积必须大于 0。"]
    assert "2 个问题" in str(caught.value) and "没有导入任何数据" in str(caught.value)
    assert counts() == (0, 0, 0, 0)


def test_command_exit_status_is_non_zero(tmp_path):
    """As a shell sees it: a separate process, exit status 1, the problems on stderr in Chinese."""
    path = write(tmp_path, edited(ROWS, 0, floor="五"))
    done = subprocess.run(
        [sys.executable, "manage.py", "import_roster", path, "--community", "any"],
        cwd=settings.BASE_DIR,
        # Its own scratch database: never the checkout's gongyi.sqlite3 nor whatever DATABASE_URL names.
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "第 2 行，「楼层」列：楼层必须是整数" in done.stderr
    assert counts() == (0, 0, 0, 0)


def test_command_refuses_an_unknown_community_without_a_name(tmp_path):
    with pytest.raises(CommandError, match="--name"):
        call_command("import_roster", write(tmp_path, ROWS), "--community", "nowhere")
    assert not Community.objects.exists()


def test_command_creates_no_community_when_the_file_is_bad(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command(
            "import_roster", write(tmp_path, edited(ROWS, 0, phone="12")), "--community", "new", "--name", "新"
        )
    assert not Community.objects.exists()
    assert counts() == (0, 0, 0, 0)


def test_command_reports_a_missing_file(tmp_path, community):
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_roster", str(tmp_path / "nope.xlsx"), "--community", community.slug)


def test_thousands_of_rows_import_in_batches_not_per_row(community):
    """Import and re-import with new areas write in batches: the query count stays far below the row count.

    Speed at 50,000 rows is measured in bench/bench_import.py, not here.
    """

    def rows(area):
        return [[b, e, f * 100 + r, f, area + r, f"业主{i}", str(13000000000 + i), "", ""]
                for i, (b, e, f, r) in enumerate(
                    (b, e, f, r) for b in range(1, 20) for e in range(1, 5) for f in range(1, 33) for r in range(1, 3)
                ) if i < 4_000]  # fmt: skip

    first, second = xlsx_bytes(rows(80.5)), xlsx_bytes(rows(81.25))
    with CaptureQueriesContext(connection) as queries:
        summary = run(community, content=first, filename="big.xlsx")
        assert summary.households_created == 4_000 and summary.heads == 4_000
        summary = run(community, content=second, filename="big.xlsx")
    assert summary.households_updated == 4_000
    assert len(queries.captured_queries) < 200
