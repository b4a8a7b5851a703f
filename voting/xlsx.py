"""The committee's register as an .xlsx workbook: openpyxl in write-only mode, rows read from the database in chunks.

50,000 households make a workbook of a few MB, built in memory in a few seconds; each row is written and dropped.
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from config.xlsx import append, cell, table_sheet, workbook_bytes
from voting.models import Channel, Choice, Elector

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
    sheet = table_sheet(workbook, _("Register"), register_columns())
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
                cell(sheet, at, "yyyy-mm-dd hh:mm"),
                attached if ballot.evidence else None,
            ]
        append(sheet, [elector.label, owner.name, phone, cell(sheet, elector.area, "0.00"), elector.head_flats, *tail])
    notes = workbook.create_sheet(_("About")[:31])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 60
    for label, value in about:
        append(notes, [cell(notes, label, bold=True), value])
    return workbook_bytes(workbook)
