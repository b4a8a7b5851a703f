"""Bad files that would take a page down or fill the memory (issue 13): each is refused quickly, in one clear
sentence, and nothing is written.

The zip bomb is a real workbook (tests/security/zipbomb.py): 1.5 MB that unpacks to 1 GiB of rows. Without the
check of the zip's directory the roster page keeps it and the paper-ballot page and `import_roster` walk through it
for half an hour; `within()` turns that into a failure after a few seconds.
"""

import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from community.importing import roster_file_read
from community.models import Building, Community, Household, Owner, RosterUpload
from tests.security.conftest import ROSTER_HEADER, within
from tests.voting.register.conftest import pdf
from voting.models import Ballot, BallotEvent

pytestmark = pytest.mark.django_db

BOMB_REFUSED = "解压后有 1,020 MB"  # "unpacks to 1,020 MB, more than the 100 MB any sheet to import needs"
FAST = 20  # seconds; refusing takes milliseconds, walking the bomb half an hour


def writes(queries) -> list[str]:
    """The statements that change a table, but for the session (a logged-in request may touch it)."""
    sql = [query["sql"] for query in queries if "django_session" not in query["sql"]]
    return [q for q in sql if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def roster_counts():
    return [model.objects.count() for model in (Community, Building, Household, Owner, RosterUpload)]


def test_the_bomb_is_a_workbook_any_reader_would_unpack(roster_bomb):
    """What the guards stop is real: openpyxl opens it and streams its rows; it is small and unpacks to a gigabyte."""
    assert len(roster_bomb) < 2 * 1024 * 1024
    workbook = openpyxl.load_workbook(io.BytesIO(roster_bomb), read_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # as the import does: its <dimension> says A1:I1
    rows = sheet.iter_rows(values_only=True)
    assert next(rows) == tuple(ROSTER_HEADER)
    assert next(rows) == ()
    workbook.close()


def test_the_roster_page_refuses_a_zip_bomb_and_keeps_nothing(actors, client_as, roster_bomb):
    client = client_as(actors.users["committee"])
    before = roster_counts()
    with within(FAST), CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        url = reverse("roster_import", args=[actors.community.slug])
        response = client.post(url, {"file": SimpleUploadedFile("名册.xlsx", roster_bomb)})
        took = time.monotonic() - started
    assert response.status_code == 200  # the form again, with the reason; not kept for a preview
    assert BOMB_REFUSED in response.content.decode()
    assert "未打开文件" in response.content.decode()
    assert roster_counts() == before and writes(queries) == []
    assert took < 2


def test_the_paper_ballot_import_refuses_a_zip_bomb_and_records_nothing(
    proposal, secretary_user, client_as, ballot_bomb
):
    client = client_as(secretary_user)
    with within(FAST), CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        response = client.post(
            reverse("paper_import", args=[proposal.pk]),
            {"sheet": SimpleUploadedFile("表决票.xlsx", ballot_bomb), "evidence": pdf()},
        )
        took = time.monotonic() - started
    assert response.status_code == 200
    html = response.content.decode()
    assert BOMB_REFUSED in html and "token" not in response.context  # no preview, nothing to confirm
    assert not Ballot.objects.exists() and not BallotEvent.objects.exists() and writes(queries) == []
    assert took < 2


def test_import_roster_refuses_a_zip_bomb_and_writes_nothing(tmp_path, roster_bomb, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(roster_bomb)
    with within(FAST), CaptureQueriesContext(connection) as queries, pytest.raises(CommandError, match="没有导入"):
        started = time.monotonic()
        call_command("import_roster", str(path), "--community", "bomb", "--name", "炸弹小区")
    assert time.monotonic() - started < 2
    assert BOMB_REFUSED in capsys.readouterr().err
    assert roster_counts() == [0, 0, 0, 0, 0] and writes(queries) == []


def _manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py in a process of its own with at most 1 GiB of memory: an unguarded read of /dev/zero dies of it."""

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        preexec_fn=limit_memory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_roster_refuses_dev_zero_in_one_line():
    """/dev/zero never ends: reading it ran the machine out of memory. Refused unread, one line, no traceback."""
    started = time.monotonic()
    result = _manage("import_roster", "/dev/zero", "--community", "zero", "--name", "零")
    assert result.returncode == 1
    refusal = "CommandError: /dev/zero 不是普通文件，请给出名册文件的路径。"
    assert result.stderr.strip() == refusal, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert time.monotonic() - started < 60


def test_import_roster_refuses_a_pipe_without_waiting(tmp_path):
    """A named pipe would block the command until someone writes to it; it is not a roster file either."""
    fifo = tmp_path / "名册.csv"
    os.mkfifo(fifo)
    with within(FAST), pytest.raises(CommandError, match="不是普通文件"):
        call_command("import_roster", str(fifo), "--community", "pipe", "--name", "管道")
    assert not Community.objects.exists()


def test_import_roster_refuses_a_file_over_the_upload_limit(tmp_path, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 1024 * 1024
    path = tmp_path / "名册.csv"
    with path.open("wb") as file:
        file.truncate(settings.ROSTER_UPLOAD_MAX_BYTES + 1)  # sparse: no disk used
    with within(FAST), pytest.raises(CommandError, match="上限为 1 MB（与网页上传相同）"):
        call_command("import_roster", str(path), "--community", "big", "--name", "大")
    assert not Community.objects.exists()


# --- Caps while streaming -----------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in [ROSTER_HEADER, *rows]).encode()


ROW = ["3", "5", "502", "5", "89.5", "张伟", "13812345678", "", ""]


def test_a_roster_longer_than_the_setting_is_refused(settings):
    settings.ROSTER_MAX_ROWS = 50
    rows = [[*ROW[:2], str(100 + n), *ROW[3:6], f"138{n:08d}", "", ""] for n in range(60)]
    parsed = roster_file_read(filename="名册.csv", content=_csv(rows))
    assert [(p.row, p.code) for p in parsed.problems] == [(None, "file_too_many_rows")] and not parsed.rows
    settings.ROSTER_MAX_ROWS = 100_000
    assert roster_file_read(filename="名册.csv", content=_csv(rows)).ok


def test_a_sheet_with_a_cell_a_million_rows_down_is_refused_quickly():
    """An .xlsx streams a row for every row number up to the last one written: a cell in row 1,048,576 is a
    million rows to walk. The cap stops it at the setting."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(ROSTER_HEADER)
    sheet.append(ROW)
    sheet.cell(row=1_048_576, column=1, value="x")
    out = io.BytesIO()
    workbook.save(out)
    with within(FAST):
        started = time.monotonic()
        parsed = roster_file_read(filename="名册.xlsx", content=out.getvalue())
        took = time.monotonic() - started
    assert [p.code for p in parsed.problems] == ["file_too_many_rows"]
    assert took < 5


def test_a_cell_of_megabytes_is_refused_with_its_row_and_column():
    rows = [ROW, [*ROW[:5], "张" * 100_000, *ROW[6:]]]
    parsed = roster_file_read(filename="名册.csv", content=_csv(rows))
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(3, "F", "cell_too_long")]
    with translation.override("zh-hans"):
        assert "这个单元格有 100000 个字符" in parsed.problems[0].message(translation.gettext)
    # Past what Python's csv reader takes at all (128 KiB), the row is still named.
    rows = [ROW, [*ROW[:5], "张" * 1_000_000, *ROW[6:]]]
    parsed = roster_file_read(filename="名册.csv", content=_csv(rows))
    assert [(p.row, p.code) for p in parsed.problems] == [(3, "cell_too_long")]
