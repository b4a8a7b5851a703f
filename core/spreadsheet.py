"""Reading an uploaded spreadsheet (.xlsx or .csv) into numbered rows of cells, and what every import shares.

Each import (the roster, the paper ballots) keeps only its own columns and rules; this module reads the file,
refuses what would take the server down (a zip bomb, a sheet of a million rows, a cell of megabytes) before or
while streaming, matches headings, turns cells into text and describes every problem with its row number (the
header is row 1) and its column, so a secretary can fix them all in one go. No Django here.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

import openpyxl

# Reasons, in English, shared by every import; each import adds its own and may reword "file_type" and
# "file_no_rows" to name its sheet. The Django side translates them (locale parts/import.po, parts/spreadsheet.po).
MESSAGES = {
    "file_type": "Gongyi reads .xlsx and .csv files only. Save the sheet as .xlsx (Excel or WPS) or .csv.",
    "file_xls": "This is an old .xls workbook or a password-protected one. Open it in Excel or WPS and save it as .xlsx without a password.",  # noqa: E501
    "file_damaged": "This .xlsx file cannot be opened; it may be damaged. Open it in Excel or WPS and save it again.",
    "file_encoding": "The text of this .csv file cannot be read. Save it as “CSV UTF-8” and upload it again.",
    "file_empty": "The file is empty.",
    "file_no_rows": "The file has a header row but no rows under it.",
    "file_unpacked_too_large": "This .xlsx file unpacks to %(size)s MB, more than the %(limit)s MB any sheet to import needs. It was refused without being opened. Save only the sheet to import, without pictures, and upload it again.",  # noqa: E501
    "file_packed_too_tightly": "This .xlsx file is not an ordinary spreadsheet: its part “%(part)s” unpacks to %(ratio)s times its packed size (at most %(limit)s). It was refused without being opened. Save the sheet again in Excel or WPS.",  # noqa: E501
    "file_too_many_parts": "This .xlsx file holds %(count)s parts, far more than a spreadsheet has (at most %(limit)s). It was refused without being opened. Save only the sheet to import and upload it again.",  # noqa: E501
    "file_too_many_rows": "The file has more than %(limit)s rows; nothing was read. Split it, or delete the rows filled far below the data.",  # noqa: E501
    "row_too_wide": "This row has more than %(limit)s columns; nothing was read. Delete the columns that are not needed.",  # noqa: E501
    "cell_too_long": "This cell holds %(length)s characters; a cell of this sheet has at most %(limit)s. Nothing was read.",  # noqa: E501
    "header_twice": "This column appears twice (also in column “%(other)s”).",
    "looks_like_date": "This cell holds a date (Excel may have turned “3-5” into a date). Format the column as text and type the value again.",  # noqa: E501
    "too_long": "Too long: at most %(max)s characters.",
}

_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a sheet may hold. The defaults fit a roster of 50,000+ households many times over.

    A real .xlsx unpacks to about 10 times its size (a 50,000-household roster: 2.7 MB → 23 MB); a zip bomb to 1,000.
    """

    rows: int = 100_000
    columns: int = 200
    cell_chars: int = 2_000
    unpacked_bytes: int = 100 * _MB
    ratio: int = 100  # unpacked / packed, for each part larger than ratio_from_bytes
    ratio_from_bytes: int = _MB
    parts: int = 1_000


LIMITS = Limits()


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Problem:
    """One thing to fix: row as numbered in the spreadsheet (None: the whole file), column heading, reason.

    An import subclasses it with its own `messages` (these shared ones plus its own).
    """

    row: int | None
    column: str
    code: str
    params: tuple[tuple[str, object], ...] = ()

    messages: ClassVar[Mapping[str, str]] = MESSAGES

    def message(self, translate: Callable[[str], str] = _identity) -> str:
        return translate(self.messages[self.code]) % dict(self.params)

    @classmethod
    def of(cls, refusal: UnreadableFile):
        """The problem a refused file makes, in this import's words."""
        return cls(refusal.row, refusal.column, refusal.code, refusal.params)


class UnreadableFile(Exception):
    """The file as a whole is refused (wrong type, damaged, too big); nothing of it is used."""

    def __init__(self, code: str, *, row: int | None = None, column: str = "", **params):
        super().__init__(code)
        self.code = code
        self.row = row
        self.column = column
        self.params = tuple(params.items())
        self.problem = Problem.of(self)


class CellError(Exception):
    """A cell that cannot be read; its parser raises it and the import records a Problem."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = tuple(params.items())


# --- The file ---------------------------------------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected Office file


def file_kind(filename: str, content: bytes, limits: Limits = LIMITS) -> str:
    """ "xlsx" or "csv", judged from the name and the first bytes; an .xlsx is checked against zip bombs too.

    Raises UnreadableFile. Cheap (the zip's directory is read, nothing is unpacked): forms call it before keeping
    an upload, and read_cells() again before reading.
    """
    name = filename.lower().strip()
    if not content:
        raise UnreadableFile("file_empty")
    if content.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise UnreadableFile("file_xls")
    if name.endswith((".xlsx", ".xlsm")):
        if not content.startswith(_ZIP_MAGIC):
            raise UnreadableFile("file_damaged")
        check_zip(content, limits)
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        if content.startswith(_ZIP_MAGIC):  # an .xlsx renamed to .csv
            check_zip(content, limits)
            return "xlsx"
        return "csv"
    raise UnreadableFile("file_type")


def _mb(size: int) -> str:
    return f"{size / _MB:,.0f}"


def check_zip(content: bytes, limits: Limits = LIMITS) -> None:
    """Refuse a zip bomb from its directory alone: too many parts, too much unpacked, or packed too tightly.

    The sizes declared in the directory are the ones that count: Python's zipfile never unpacks a part beyond its
    declared size (it stops there and fails the CRC check), so a part cannot lie its way past these limits.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnreadableFile("file_damaged") from exc
    if len(parts) > limits.parts:
        raise UnreadableFile("file_too_many_parts", count=len(parts), limit=limits.parts)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.unpacked_bytes:
        raise UnreadableFile("file_unpacked_too_large", size=_mb(unpacked), limit=_mb(limits.unpacked_bytes))
    for part in parts:
        if part.file_size > limits.ratio_from_bytes and part.file_size > limits.ratio * max(part.compress_size, 1):
            ratio = part.file_size // max(part.compress_size, 1)
            raise UnreadableFile("file_packed_too_tightly", part=part.filename[:80], ratio=ratio, limit=limits.ratio)


def decode_csv(content: bytes) -> str:
    """UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text"), UTF-8, or GB18030 (Excel on Chinese Windows)."""
    try:
        if content.startswith(codecs.BOM_UTF8):
            return content.decode("utf-8-sig")
        if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return content.decode("utf-16")
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("file_encoding") from exc


def _csv_rows(content: bytes) -> Iterator[tuple[int, tuple]]:
    text = decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        # A quoted cell may hold a line break; Excel still shows the record as one row, so count records.
        for number, values in enumerate(reader, start=1):
            yield number, tuple(values)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own cap on a cell (128 KiB)
            raise UnreadableFile("cell_too_long", row=number + 1, length=f"{csv.field_size_limit()}+") from exc
        raise UnreadableFile("file_encoding") from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, tuple]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, KeyError) for a damaged file
        raise UnreadableFile("file_damaged") from exc
    try:
        if not workbook.worksheets:
            raise UnreadableFile("file_empty")
        sheet = workbook.worksheets[0]
        # Some programs write a wrong <dimension>; without it openpyxl reads every row that is there.
        sheet.reset_dimensions()
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
            raise UnreadableFile("file_damaged") from exc
    finally:
        workbook.close()


def _capped(rows: Iterator[tuple[int, tuple]], limits: Limits) -> Iterator[tuple[int, tuple]]:
    """The rows, refused as soon as one is past the row limit, too wide, or holds a cell too long to be real."""
    for number, values in rows:
        if number > limits.rows:
            raise UnreadableFile("file_too_many_rows", limit=f"{limits.rows:,}")
        if len(values) > limits.columns:
            raise UnreadableFile("row_too_wide", row=number, limit=limits.columns)
        for index, value in enumerate(values):
            if isinstance(value, str) and len(value) > limits.cell_chars:
                raise UnreadableFile(
                    "cell_too_long", row=number, column=column_letter(index), length=len(value), limit=limits.cell_chars
                )
        yield number, values


def read_cells(filename: str, content: bytes, limits: Limits = LIMITS) -> Iterator[tuple[int, tuple]]:
    """(row number, cell values) for every row of the file's first sheet, the header included.

    Raises UnreadableFile at once for a file of the wrong kind or a zip bomb, and while iterating for a damaged
    file or one past the limits.
    """
    kind = file_kind(filename, content, limits)
    return _capped(_xlsx_rows(content) if kind == "xlsx" else _csv_rows(content), limits)


# --- Headings ---------------------------------------------------------------------------------------------------


def heading_key(text: str) -> str:
    """A heading as compared with the known ones: lower case, no spaces, no "(m²)", "*", "/" or punctuation."""
    key = unicodedata.normalize("NFKC", text).strip().lower()
    key = re.sub(r"\(.*\)$", "", key)  # "建筑面积（㎡）" → "建筑面积" (NFKC made the brackets ASCII)
    return re.sub(r"[\s_\-*.:：#/]", "", key)


def heading_fields(synonyms: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{field: headings people write} → {heading_key: field}."""
    return {heading_key(heading): name for name, headings in synonyms.items() for heading in headings}


class Header:
    """Which column holds which field, read from the header row; `unknown` lists the headings of no field.

    A heading given twice is a problem (of `problem`'s kind). An unknown heading is one too when the import says
    so with `unknown` (its code and params); otherwise the column is left alone (a 序号 or a signature column).
    """

    def __init__(
        self,
        number: int,
        values: tuple,
        fields: Mapping[str, str],
        problem: type[Problem] = Problem,
        *,
        unknown: tuple[str, tuple[tuple[str, object], ...]] | None = None,
    ):
        self.row = number
        self.columns: dict[str, int] = {}
        self.labels: dict[int, str] = {}
        self.unknown: list[str] = []
        self.problems: list[Problem] = []
        for index, value in enumerate(values):
            label = str(value).strip() if value is not None else ""
            if not label:
                continue
            self.labels[index] = label
            name = fields.get(heading_key(label))
            if name is None:
                self.unknown.append(label)
                if unknown is not None:
                    self.problems.append(problem(number, label, *unknown))
            elif name in self.columns:
                other = self.labels[self.columns[name]]
                self.problems.append(problem(number, label, "header_twice", (("other", other),)))
            else:
                self.columns[name] = index

    def label(self, name: str, default: str = "") -> str:
        """The heading of a field's column as written in the file."""
        return self.labels[self.columns[name]] if name in self.columns else default

    def cell(self, values: tuple, name: str):
        """The value of a field in a row (None when the column is absent or the row is short)."""
        index = self.columns.get(name)
        return values[index] if index is not None and index < len(values) else None


def column_letter(index: int) -> str:
    """0 → "A", 26 → "AA": how a spreadsheet names a column without a heading."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- Cells ------------------------------------------------------------------------------------------------------


def blank(value) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def data_rows(cells: Iterable[tuple[int, tuple]]) -> Iterator[tuple[int, tuple]]:
    """The rows with at least one cell filled (people leave empty rows between blocks)."""
    for number, values in cells:
        if not all(blank(value) for value in values):
            yield number, values


def cell_text(value) -> str:
    """A cell as text. Numbers from .xlsx come as int or float: 502 → "502", 5.0 → "5", 89.5 → "89.5".

    A date means Excel changed what was typed ("3-5" → 5 March): CellError("looks_like_date").
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise CellError("looks_like_date")
    return str(value).strip()


_SPACES = re.compile(r"\s+")


def plain(value) -> str:
    """Text with full-width characters folded (３号楼 → 3号楼, ㎡ → m2) and no spaces at all."""
    text = cell_text(value)
    if not text.isascii():  # most cells are; NFKC is the slow part of reading a row
        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", text)


def word(value) -> str:
    """A cell reduced for comparing words: full-width folded, lower case, no spaces."""
    return plain(value).lower()


def one_line(value) -> str:
    """A name or a note: trimmed, every run of spaces and line breaks one space."""
    return _SPACES.sub(" ", cell_text(value))


def sort_problems(problems: list[Problem]) -> None:
    """File problems first, then by row; stable, so a row's problems keep their column order."""
    problems.sort(key=lambda problem: problem.row or 0)
