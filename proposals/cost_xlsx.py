"""The share table as an .xlsx workbook (openpyxl, write-only): one row per household, amounts as numbers."""

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from proposals.cost_selectors import ShareRow, Shares
from proposals.models import Proposal, Sharers

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


def shares_xlsx(*, proposal: Proposal, shares: Shares, rows: list[ShareRow], chosen: dict) -> bytes:
    """Sheet 1: the shares (headings in row 1, a total row at the end); sheet 2: the plan and the filters."""
    plan = shares.plan
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(pgettext("costs", "Shares")[:31])
    with_weight = plan.sharers == Sharers.BENEFICIARIES
    columns = [
        (pgettext("costs", "Building"), 10),
        (pgettext("costs", "Entrance"), 8),
        (pgettext("costs", "Room"), 10),
        (pgettext("costs", "Floor"), 7),
        (pgettext("costs", "Area (m²)"), 11),
    ]
    if with_weight:
        columns.append((plan.weight_label or pgettext("costs", "Number"), 10))
    columns.append((pgettext("costs", "Share (yuan)"), 14))
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
    total = Decimal("0.00")
    for row in rows:
        values = [
            cell(row.building),
            cell(row.entrance),
            cell(row.room),
            cell(row.floor),
            cell(row.area, "0.00"),
        ]
        if with_weight:
            values.append(cell(row.weight, "0.##"))
        values.append(cell(row.amount, MONEY_FORMAT))
        sheet.append(values)
        total += row.amount
    blanks = [cell(None) for _column in columns[2:-1]]
    sheet.append(
        [
            cell(pgettext("costs", "Total"), bold=True),
            cell(_("%(count)s households") % {"count": len(rows)}),
            *blanks,
            cell(total, MONEY_FORMAT, bold=True),
        ]
    )

    about = workbook.create_sheet(pgettext("costs", "About")[:31])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 50
    filters = " / ".join(value for value in (chosen.get("building"), chosen.get("entrance")) if value)
    for label, value in [
        (pgettext("costs", "Community"), str(proposal.community)),
        (pgettext("costs", "Proposal"), str(proposal)),
        (pgettext("costs", "Total cost"), plan.total),
        (pgettext("costs", "Subsidies"), plan.subsidy_total),
        (pgettext("costs", "Amount to share"), plan.to_share),
        (pgettext("costs", "How it is shared"), plan.get_method_display()),
        (pgettext("costs", "Who shares it"), plan.get_sharers_display()),
        (
            pgettext("costs", "Shares"),
            _("frozen when voting opened") if shares.frozen else _("as the roster stands now"),
        ),
        (pgettext("costs", "Filter"), filters or pgettext("costs", "none")),
        (pgettext("costs", "Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]:
        about.append([cell(label, bold=True), cell(value, MONEY_FORMAT if isinstance(value, Decimal) else None)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
