"""The secretary's paper ballots of a meeting: the whole-ballot entry screen and the XLSX import. Who may use them,
an invalid election ballot recorded as such, bad input changing nothing, and an owner's two flats on one sheet."""

import html
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from community.models import Role
from meetings.models import ElectionBallot, ElectionEvent
from meetings.paper import parse_sheet, sheet_columns
from meetings.selectors import agenda_rows, household_ballot
from tests.factories import CommunityFactory, RoleFactory
from tests.meetings.conftest import end_window
from tests.security.conftest import within
from tests.security.zipbomb import xlsx_bomb
from tests.voting.conftest import PNG, scan
from tests.voting.register.conftest import pdf
from voting.models import Ballot, BallotEvent, Channel, Choice

pytestmark = pytest.mark.django_db


def entry_url(vm):
    return reverse("meeting_paper_entry", args=[vm.meeting.pk])


def import_url(vm):
    return reverse("meeting_paper_import", args=[vm.meeting.pk])


def secretary(vm):
    return RoleFactory(community=vm.community, kind=Role.Kind.SECRETARY).user


def whole_ballot(vm, household, *, matters=("agree", "disagree"), picks=(0,), **extra):
    data = {"household": household.pk, "channel": "paper", "proxy_name": "", "evidence": scan()}
    for matter, choice in zip(vm.matters, matters, strict=True):
        data[f"m{matter.pk}"] = choice
    data[f"e{vm.election.pk}"] = [vm.candidates[i].pk for i in picks]
    return data | extra


def recorded():
    """Everything a ballot writes: the matters' ballots and log, the election's ballots and log."""
    return (
        Ballot.objects.count(),
        BallotEvent.objects.count(),
        ElectionBallot.objects.count(),
        ElectionEvent.objects.count(),
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def stored_files(media_root):
    return sorted(path.name for path in media_root.rglob("*") if path.is_file())


# --- Who may enter paper ballots -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("household", False),
        ("canvasser", False),
        ("secretary", True),
        ("committee", True),
        ("other_secretary", False),
        ("other_committee", False),
    ],
)
@pytest.mark.parametrize("route", ["meeting_paper_entry", "meeting_paper_import", "meeting_paper_template"])
def test_who_may_enter_paper_ballots(voting_meeting, client_as, who, allowed, route):
    vm = voting_meeting
    other = CommunityFactory()
    users = {
        "household": vm.user,
        "canvasser": RoleFactory(community=vm.community, kind=Role.Kind.CANVASSER).user,
        "secretary": secretary(vm),
        "committee": vm.committee,
        "other_secretary": RoleFactory(community=other, kind=Role.Kind.SECRETARY).user,
        "other_committee": RoleFactory(community=other, kind=Role.Kind.COMMITTEE).user,
    }
    user = users[who]
    assert user.has_perm("meetings.record_paper", vm.meeting) is allowed
    client = client_as(user)
    response = client.get(reverse(route, args=[vm.meeting.pk]))
    assert response.status_code == (200 if allowed else 403)
    # A POST is refused the same way, and records nothing.
    before = recorded()
    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[3]))
    assert (response.status_code == 302) is allowed
    assert (recorded() != before) is allowed


def test_the_meeting_page_links_the_entry_for_those_who_may(voting_meeting, client_as):
    vm = voting_meeting
    link = entry_url(vm)
    assert link in client_as(secretary(vm)).get(reverse("meeting_detail", args=[vm.meeting.pk])).content.decode()
    assert link not in client_as(vm.user).get(reverse("meeting_detail", args=[vm.meeting.pk])).content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(voting_meeting, client):
    response = client.get(entry_url(voting_meeting))
    assert response.status_code == 302 and "login" in response["Location"]


# --- One whole ballot ------------------------------------------------------------------------------------------


def test_the_secretary_finds_a_household_by_its_code_and_records_its_whole_ballot(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    page = client.get(entry_url(vm), {"q": "1-2-101"})
    assert page.context["selected"].household_id == vm.households[4].pk
    html = page.content.decode()
    assert f'name="m{vm.matters[0].pk}"' in html and f'name="e{vm.election.pk}"' in html
    assert all(candidate.name in html for candidate in vm.candidates)

    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[4], picks=(0, 2)))
    assert response.status_code == 302
    assert response["Location"] == f"{entry_url(vm)}?household={vm.households[4].pk}"
    ballot = household_ballot(vm.meeting, vm.households[4].pk)
    assert ballot.matters == {vm.matters[0].pk: Choice.AGREE, vm.matters[1].pk: Choice.DISAGREE}
    assert ballot.elections == {vm.election.pk: frozenset({vm.candidates[0].pk, vm.candidates[2].pk})}
    assert not ballot.invalid
    stored = ElectionBallot.objects.get(household=vm.households[4])
    assert stored.channel == Channel.PAPER and stored.evidence.name.endswith(".png")
    assert "ballot" not in stored.evidence.name.rsplit("/", 1)[-1]  # named at random, not after the upload

    shown = client.get(response["Location"])
    html = shown.content.decode()
    assert ballot.receipt in html and f"Receipt: {ballot.receipt}" in str(next(iter(shown.context["messages"])))
    assert "王芳、张伟" in html  # the recorded ballot, item by item


def test_a_proxy_ballot_needs_the_proxys_name(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[3], channel="proxy"))
    assert response.status_code == 400 and "needs the proxy's name" in text(response)
    assert recorded() == (0, 0, 0, 0)
    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[3], channel="proxy", proxy_name="赵六"))
    assert response.status_code == 302
    assert ElectionBallot.objects.get().proxy_name == "赵六"


def test_more_candidates_than_seats_on_paper_is_recorded_as_an_invalid_election_ballot(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    page = client.get(entry_url(vm), {"household": vm.households[5].pk})
    assert "多选无效" in page.content.decode() or "Invalid (多选无效)" in page.content.decode()
    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[5], picks=(0, 1, 2)))
    assert response.status_code == 302
    election = ElectionBallot.objects.get(household=vm.households[5])
    assert election.invalid and not election.approvals.exists()
    assert Ballot.objects.filter(household=vm.households[5]).count() == 2  # the matters count as usual
    assert "invalid: more candidates than seats" in client.get(response["Location"]).content.decode()


def test_an_owners_two_flats_get_the_one_ballot(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[1]))
    assert response.status_code == 302
    for household in vm.households[:2]:
        assert household_ballot(vm.meeting, household.pk).matters[vm.matters[0].pk] == Choice.AGREE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"evidence": None}, "Attach a photo or scan"),
        ({"evidence": SimpleUploadedFile("ballot.png", b"MZ\x90\x00 not an image")}, "Only images"),
        ({"household": 99999999}, "not in the electorate of this meeting"),
        ({"household": "x"}, "Enter a whole number"),
        ({"channel": "online"}, "Select a valid choice"),
        ({"m0": "yes"}, "Select a valid choice"),
        ({"e": ["99999"]}, "Select a valid choice"),
    ],
)
def test_bad_input_changes_nothing(voting_meeting, client_as, media_root, change, message):
    vm = voting_meeting
    data = whole_ballot(vm, vm.households[3])
    if "m0" in change:
        change = {f"m{vm.matters[0].pk}": change["m0"]}
    if "e" in change:
        change = {f"e{vm.election.pk}": change["e"]}
    data |= change
    data = {key: value for key, value in data.items() if value is not None}
    response = client_as(secretary(vm)).post(entry_url(vm), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert recorded() == (0, 0, 0, 0) and stored_files(media_root) == []


def test_a_household_outside_the_meeting_is_not_found(voting_meeting, client_as):
    from tests.factories import HouseholdFactory

    vm = voting_meeting
    HouseholdFactory(
        entrance__building__community=vm.community, entrance__building__name="9", entrance__name="1", room="901"
    )
    response = client_as(secretary(vm)).get(entry_url(vm), {"q": "9-1-901"})
    assert response.context["selected"] is None and response.context["found"] == []
    assert response.context["outside"] and "not in the electorate of this meeting" in text(response)


def test_nothing_is_entered_once_voting_has_ended(voting_meeting, client_as):
    vm = voting_meeting
    end_window(vm.meeting)
    client = client_as(secretary(vm))
    page = client.get(entry_url(vm), {"household": vm.households[3].pk})
    assert "not open for voting" in page.content.decode() and 'type="file"' not in page.content.decode()
    response = client.post(entry_url(vm), whole_ballot(vm, vm.households[3]))
    assert response.status_code == 400 and "Voting on this meeting has ended" in response.content.decode()
    assert recorded() == (0, 0, 0, 0)


# --- The XLSX sheet ---------------------------------------------------------------------------------------------


def template(client, vm) -> list[list]:
    response = client.get(reverse("meeting_paper_template", args=[vm.meeting.pk]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def sheet_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, vm, content: bytes, name="表决票.xlsx", evidence=True):
    data = {"sheet": SimpleUploadedFile(name, content)}
    if evidence:
        data["evidence"] = pdf()
    return client.post(import_url(vm), data)


def filled(vm, rows, answers: dict[str, list]) -> list[list]:
    """The template's rows with the answer cells of the households named (by label) filled in."""
    out = [rows[0]]
    for row in rows[1:]:
        out.append(row[:2] + answers.get(row[0], [None] * (len(row) - 2)))
    return out


def test_the_template_lists_every_household_and_a_column_per_matter_and_candidate(voting_meeting, client_as):
    vm = voting_meeting
    rows = template(client_as(secretary(vm)), vm)
    assert rows[0] == [
        "房屋",
        "业主",
        "1. 电动车车库",
        "2. 使用维修资金",
        "3. 第二届业主委员会：王芳",
        "3. 第二届业主委员会：李强",
        "3. 第二届业主委员会：张伟",
    ]
    assert len(rows) == 9 and {row[0] for row in rows[1:]} == {
        f"1-{e}-{r}" for e in (1, 2) for r in (101, 102, 201, 202)
    }
    assert all(cell is None for row in rows[1:] for cell in row[2:])


def test_import_happy_path_with_an_owners_two_flats(voting_meeting, client_as, media_root):
    vm = voting_meeting
    client = client_as(secretary(vm))
    rows = template(client, vm)
    same = ["同意", "弃权", "✓", 1, None]
    answers = {
        "1-1-101": same,  # the owner of 1-1-101 and 1-1-102: both filled the same
        "1-1-102": same,
        "1-1-201": ["不同意", None, "√", "1", "✓"],  # three ticks for two seats: invalid
        "1-2-101": [None, "同意", None, None, None],  # the election left blank
    }
    response = upload(client, vm, sheet_bytes(filled(vm, rows, answers)))
    assert response.status_code == 200, response.context.get("problems")
    plan = response.context["plan"]
    assert (plan.households, plan.rows, plan.invalid, plan.empty_rows) == (4, 4, 1, 4)
    assert "invalid" in str(next(iter(response.context["messages"])))

    h = {household.code: household for household in vm.households}
    garage, fund = vm.matters
    for code in ("1-1-101", "1-1-102"):
        ballot = household_ballot(vm.meeting, h[code].pk)
        assert ballot.matters == {garage.pk: Choice.AGREE, fund.pk: Choice.ABSTAIN}
        assert ballot.elections == {vm.election.pk: frozenset({vm.candidates[0].pk, vm.candidates[1].pk})}
    assert ElectionBallot.objects.get(household=h["1-1-201"]).invalid
    blank_election = household_ballot(vm.meeting, h["1-2-101"].pk)
    # Blank counts as an abstention in this meeting (the default): the matter and the election took part.
    assert blank_election.matters == {garage.pk: Choice.ABSTAIN, fund.pk: Choice.AGREE}
    assert blank_election.elections == {vm.election.pk: frozenset()}
    # Nothing for the households whose rows were left empty; one stored scan for the whole batch.
    assert not Ballot.objects.filter(household=h["1-2-202"]).exists()
    evidence = {b.evidence.name for b in ElectionBallot.objects.all()} | {b.evidence.name for b in Ballot.objects.all()}
    assert len(evidence) == 1 and stored_files(media_root) == [evidence.pop().rsplit("/", 1)[-1]]
    assert set(ElectionBallot.objects.values_list("channel", flat=True)) == {Channel.PAPER}


def test_every_problem_is_listed_by_row_and_nothing_is_recorded(voting_meeting, client_as, media_root):
    vm = voting_meeting
    client = client_as(secretary(vm))
    rows = template(client, vm)
    answers = {
        "1-1-101": ["同意", None, "✓", None, None],
        "1-1-102": ["不同意", None, "✓", None, None],  # the same owner, another answer
        "1-1-201": ["也许", None, None, None, None],  # not a choice
        "1-1-202": [None, None, "好", None, None],  # not a mark
    }
    sheet = [*filled(vm, rows, answers), ["9-9-999", "某人", "同意", None, None, None, None]]
    response = upload(client, vm, sheet_bytes(sheet))
    problems = [(p["row"], p["column"]) for p in response.context["problems"]]
    # The template lists the flats in roster order, top floor first: 1-1-201, 1-1-202, 1-1-101, 1-1-102, …
    assert [row[0] for row in rows[1:5]] == ["1-1-201", "1-1-202", "1-1-101", "1-1-102"]
    assert problems == [
        (2, "1. 电动车车库"),
        (3, "3. 第二届业主委员会：王芳"),
        (5, "房屋"),  # the owner's second flat, compared with the first one (row 4)
        (10, "房屋"),
    ]
    reasons = " ".join(p["reason"] for p in response.context["problems"])
    assert "same owner but different answers" in reasons and "There is no household 9-9-999" in reasons
    assert recorded() == (0, 0, 0, 0) and stored_files(media_root) == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 this is no workbook", "表决票.xlsx", "cannot be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old", "表决票.xls", "old .xls workbook"),
        (PNG, "表决票.png", "reads .xlsx and .csv files only"),
        (b"", "表决票.xlsx", "The file is empty"),
    ],
)
def test_a_malformed_sheet_records_nothing(voting_meeting, client_as, media_root, content, name, message):
    vm = voting_meeting
    response = upload(client_as(secretary(vm)), vm, content, name=name)
    assert message in response.content.decode()
    assert recorded() == (0, 0, 0, 0) and stored_files(media_root) == []


def test_a_sheet_missing_a_column_or_the_scan_records_nothing(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    rows = template(client, vm)
    cut = [row[:-1] for row in filled(vm, rows, {"1-1-201": ["同意", None, None, None, None]})]
    response = upload(client, vm, sheet_bytes(cut))
    assert "The column “3. 第二届业主委员会：张伟” is missing" in response.content.decode()
    full = sheet_bytes(filled(vm, rows, {"1-1-201": ["同意", None, None, None, None]}))
    response = upload(client, vm, full, evidence=False)
    assert "Attach the scan of the signed ballots" in response.content.decode()
    response = client.post(import_url(vm), {"sheet": SimpleUploadedFile("a.xlsx", full), "evidence": scan()})
    assert "must be one PDF" in response.content.decode()
    assert recorded() == (0, 0, 0, 0)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    bomb = xlsx_bomb(template(client, vm)[0])
    with within(20):
        response = upload(client, vm, bomb)
    assert "unpacks to 1,020 MB" in response.content.decode()
    assert recorded() == (0, 0, 0, 0)


def test_the_pages_speak_chinese(voting_meeting, client_as, settings):
    vm = voting_meeting
    settings.LANGUAGE_CODE = "zh-hans"
    client = client_as(secretary(vm))
    with translation.override("zh-hans"):
        entry = text(client.get(entry_url(vm), {"household": vm.households[3].pk}))
        sheet = text(client.get(import_url(vm)))
    assert "会议纸质表决票录入" in entry and "多选无效：勾选超过 2 人" in entry and "录入整张表决票" in entry
    assert "批量导入会议纸质表决票" in sheet and "下载表格（Excel）" in sheet


def test_marks_are_read_as_agreeing(voting_meeting):
    vm = voting_meeting
    columns = sheet_columns(agenda_rows(vm.meeting))
    header = ["房屋", "业主", *(column.heading for column in columns)]
    rows = [header] + [[f"1-1-10{i}", "", None, None, mark, None, None] for i, mark in enumerate(["✓", 1, "√"], 1)]
    parsed = parse_sheet("a.xlsx", sheet_bytes(rows), columns)
    assert not parsed.problems and len(parsed.rows) == 3
    assert all(dict(row.elections) == {vm.election.pk: frozenset({vm.candidates[0].pk})} for row in parsed.rows)


def test_no_sheet_is_recorded_once_voting_has_ended(voting_meeting, client_as, media_root):
    vm = voting_meeting
    client = client_as(secretary(vm))
    full = sheet_bytes(filled(vm, template(client, vm), {"1-1-201": ["同意", None, None, None, None]}))
    end_window(vm.meeting)
    response = upload(client, vm, full)
    assert response.status_code == 400 and "This meeting is not open for voting." in text(response)
    assert recorded() == (0, 0, 0, 0) and stored_files(media_root) == []


def test_a_csv_sheet_works_too(voting_meeting, client_as):
    vm = voting_meeting
    client = client_as(secretary(vm))
    heading = template(client, vm)[0]
    content = ("\r\n".join([",".join(heading), "1-2-202,业主7,不同意,同意,,1,"]) + "\r\n").encode("utf-8-sig")
    response = upload(client, vm, content, name="表决票.csv")
    assert response.context["plan"].households == 1
    ballot = household_ballot(vm.meeting, vm.households[7].pk)
    assert ballot.matters == {vm.matters[0].pk: Choice.DISAGREE, vm.matters[1].pk: Choice.AGREE}
    assert ballot.elections == {vm.election.pk: frozenset({vm.candidates[1].pk})}
