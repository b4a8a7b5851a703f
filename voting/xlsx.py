"""The committee's register as an .xlsx workbook: openpyxl in write-only mode, rows read from the database in chunks.

50,000 households make a workbook of a few MB, built in memory in a few seconds; each row is written and dropped.
"""

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from voting.models import Channel, Choice, Elector

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000


def register_columns() -> list[tuple[str, int]]:
    """(heading, width) of each column, in the user's language."""
    return [
        (pgettext("register column", "Household"), 14),
        (pgettext("register column", "Owner"), 16),
        (pgettext("register column", "Mobile"), 14),
        (pgettext("register column", "Area (m²)"), 11),
        (pgettext("register column", "Flats of this owner"), 10),
        (pgettext("register column", "Status"), 10),
        (pgettext("register column", "Choice"), 10),
        (pgettext("register column", "Channel"), 10),
        (pgettext("register column", "Proxy"), 12),
        (pgettext("register column", "Recorded by"), 14),
        (pgettext("register column", "Time"), 17),
        (pgettext("register column", "Evidence"), 8),
    ]


def register_xlsx(*, rows: Iterable[Elector], full_phones: bool, about: list[tuple[str, str]]) -> bytes:
    """The register rows (register_export_rows(), already filtered) as a workbook; areas as numbers with two decimals.

    The first sheet is the register with its headings in row 1, ready to sort and filter; the second says what
    it is (`about`: the proposal, the filters, when it was exported).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Register")[:31])
    columns = register_columns()
    for index, (_heading, width) in enumerate(columns):
        sheet.column_dimensions[chr(65 + index)].width = width
    sheet.freeze_panes = "A2"

    def cell(value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
        item = WriteOnlyCell(sheet, value=value)
        if number_format:
            item.number_format = number_format
        if bold:
            item.font = Font(bold=True)
        return item

    sheet.append([cell(heading, bold=True) for heading, _width in columns])
    choices = {value: str(label) for value, label in Choice.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    voted, not_voted = pgettext("register status", "voted"), pgettext("register status", "not voted")
    attached = pgettext("register cell", "attached")
    for elector in rows:
        ballot = getattr(elector, "ballot", None)
        owner = elector.owner
        phone = owner.phone if full_phones else owner.masked_phone
        if ballot is None:
            # Empty cells are None, not "": write-only mode then writes no cell at all (a third less XML at 50,000).
            tail = [not_voted]
        else:
            # Excel has no time zones: the time is written as shown in the community's own zone.
            at = timezone.localtime(ballot.cast_at).replace(tzinfo=None, microsecond=0)
            tail = [
                voted,
                choices.get(ballot.choice, ballot.choice),
                channels.get(ballot.channel, ballot.channel),
                ballot.proxy_name or None,
                str(ballot.recorded_by),
                cell(at, "yyyy-mm-dd hh:mm"),
                attached if ballot.evidence else None,
            ]
        sheet.append([elector.label, owner.name, phone, cell(elector.area, "0.00"), elector.head_flats, *tail])
    notes = workbook.create_sheet(_("About")[:31])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 60
    for label, value in about:
        notes.append([cell(label, bold=True), value])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
