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


def visit_tasks_xlsx(*, proposals, today) -> bytes:
    """One row per household still to visit (consult.selectors.visit_tasks), with columns to fill in by hand."""
    workbook = Workbook(write_only=True)
    sheet = table_sheet(
        workbook,
        _("Visits to make"),
        [
            (_("Proposal"), 24),
            (_("Entrance"), 14),
            (_("Household"), 12),
            (_("Owner"), 12),
            (_("Mobile number"), 14),
            (_("Why"), 14),
            (_("Last visit"), 24),
            (_("Result"), 14),
        ],
    )
    for tasks in proposals:
        for entrance in tasks.entrances:
            for task in entrance.tasks:
                append(
                    sheet,
                    [
                        cell(sheet, str(tasks.proposal)),
                        cell(sheet, entrance.label),
                        cell(sheet, task.code),
                        cell(sheet, task.owner),
                        cell(sheet, task.phone),
                        cell(sheet, task.reason),
                        cell(sheet, task.last.line if task.last else ""),
                        "",
                    ],
                )
    info = workbook.create_sheet(_("About")[:31])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 50
    append(info, [cell(info, _("Day"), bold=True), today.isoformat()])
    note = _(
        "Households not reached yet (not visited, or nobody home) or due for a return visit; not those that voted."
    )
    append(info, [cell(info, _("Note"), bold=True), cell(info, note)])
    return workbook_bytes(workbook)
