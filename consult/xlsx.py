"""The demands summary as an .xlsx workbook for the negotiation table: counts per tag, then every demand by tag."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.xlsx import append, cell, table_sheet, workbook_bytes
from consult.selectors import DemandsSummary


def demands_xlsx(*, summary: DemandsSummary, about: list[tuple[str, str]]) -> bytes:
    """Three sheets: per tag the number of households; one row per (tag, household) with the demand; what this is."""
    workbook = Workbook(write_only=True)

    untagged = _("(no tag)")
    counts = table_sheet(workbook, _("Counts"), [(_("Tag"), 16), (_("Number of households"), 12)])
    for group in summary.groups:
        append(counts, [cell(counts, group.tag or untagged), group.households])
    append(counts, [cell(counts, _("Households with demands"), bold=True), summary.households])

    detail = table_sheet(
        workbook,
        _("Demands"),
        [
            (_("Tag"), 14),
            (_("Household"), 14),
            (_("Stance"), 12),
            (_("Demands and concerns"), 60),
            (_("Visited at"), 17),
            (_("Canvasser"), 14),
        ],
    )
    for group in summary.groups:
        for entry in group.entries:
            append(
                detail,
                [
                    cell(detail, group.tag or untagged),
                    cell(detail, entry.code),
                    entry.stance,
                    cell(detail, entry.text, wrap=True),
                    timezone.localtime(entry.visited_at).strftime("%Y-%m-%d %H:%M"),
                    cell(detail, entry.by),
                ],
            )

    info = workbook.create_sheet(_("About")[:31])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 50
    for label, value in about:
        append(info, [cell(info, label, bold=True), cell(info, value)])
    note = _("Each household counts once per tag, with its latest recorded demands.")
    append(info, [cell(info, _("Note"), bold=True), note])

    return workbook_bytes(workbook)
