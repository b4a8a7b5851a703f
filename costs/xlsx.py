"""The cost exports as .xlsx workbooks (openpyxl, write-only): the share table and the bills, amounts as numbers."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from config.xlsx import append, cell, table_sheet, workbook_bytes
from costs.models import BillStatus, Sharers
from costs.selectors import ShareRow, Shares
from proposals.models import Proposal

MONEY_FORMAT = "#,##0.00"


def shares_xlsx(*, proposal: Proposal, shares: Shares, rows: list[ShareRow], chosen: dict) -> bytes:
    """Sheet 1: the shares (headings in row 1, a total row at the end); sheet 2: the plan and the filters."""
    plan = shares.plan
    workbook = Workbook(write_only=True)
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
    sheet = table_sheet(workbook, pgettext("costs", "Shares"), columns)
    total = Decimal("0.00")
    for row in rows:
        values = [
            cell(sheet, row.building),
            cell(sheet, row.entrance),
            cell(sheet, row.room),
            cell(sheet, row.floor),
            cell(sheet, row.area, "0.00"),
        ]
        if with_weight:
            values.append(cell(sheet, row.weight, "0.##"))
        values.append(cell(sheet, row.amount, MONEY_FORMAT))
        append(sheet, values)
        total += row.amount
    blanks = [cell(sheet, None) for _column in columns[2:-1]]
    append(
        sheet,
        [
            cell(sheet, pgettext("costs", "Total"), bold=True),
            cell(sheet, _("%(count)s households") % {"count": len(rows)}),
            *blanks,
            cell(sheet, total, MONEY_FORMAT, bold=True),
        ],
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
        money = MONEY_FORMAT if isinstance(value, Decimal) else None
        append(about, [cell(about, label, bold=True), cell(about, value, money)])
    return workbook_bytes(workbook)


def bills_xlsx(*, proposal: Proposal, plan, bills, chosen: dict, progress) -> bytes:
    """Sheet 1: one row per bill with the owner's name and masked phone (a total row at the end); sheet 2: the
    plan, the collection so far and the filters. `bills` is the page's filtered queryset (with household__owner)."""
    workbook = Workbook(write_only=True)
    columns = [
        (pgettext("costs", "Household"), 12),
        (pgettext("costs", "Owner"), 16),
        (pgettext("costs", "Phone"), 14),
        (pgettext("costs", "Own share (yuan)"), 14),
        (pgettext("costs", "Amount due (yuan)"), 14),
        (pgettext("costs", "Paid (yuan)"), 14),
        (pgettext("costs", "Still to pay (yuan)"), 14),
        (pgettext("costs", "Payment"), 10),
        (pgettext("costs", "Paid on"), 12),
        (pgettext("costs", "Note"), 30),
    ]
    sheet = table_sheet(workbook, pgettext("costs", "Bills"), columns)
    sums = [Decimal("0.00")] * 4
    count = 0
    for bill in bills.iterator(chunk_size=2000):
        owner = bill.household.owner
        amounts = [bill.original_amount, bill.amount, bill.paid_amount, bill.to_pay]
        sums = [total + amount for total, amount in zip(sums, amounts, strict=True)]
        count += 1
        append(
            sheet,
            [
                cell(sheet, bill.label),
                cell(sheet, owner.name),
                cell(sheet, owner.masked_phone),
                *(cell(sheet, amount, MONEY_FORMAT) for amount in amounts),
                cell(sheet, bill.get_status_display()),
                cell(sheet, bill.paid_at.isoformat() if bill.paid_at else ""),
                cell(sheet, bill.waived_reason if bill.status == "waived" else bill.note),
            ],
        )
    append(
        sheet,
        [
            cell(sheet, pgettext("costs", "Total"), bold=True),
            cell(sheet, _("%(count)s households") % {"count": count}),
            cell(sheet, None),
            *(cell(sheet, total, MONEY_FORMAT, bold=True) for total in sums),
        ],
    )

    about = workbook.create_sheet(pgettext("costs", "About")[:31])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 50
    filters = " / ".join(
        str(value)
        for value in (
            dict(BillStatus.choices).get(chosen.get("status")),
            chosen.get("building"),
            chosen.get("entrance"),
        )
        if value
    )
    for label, value in [
        (pgettext("costs", "Community"), str(proposal.community)),
        (pgettext("costs", "Proposal"), str(proposal)),
        (pgettext("costs", "Amount to share"), plan.to_share),
        (pgettext("costs", "Paid"), progress.sums[BillStatus.PAID]),
        (pgettext("costs", "Still to pay"), progress.sums[BillStatus.UNPAID]),
        (pgettext("costs", "Waived"), progress.sums[BillStatus.WAIVED]),
        (pgettext("costs", "Filter"), filters or pgettext("costs", "none")),
        (pgettext("costs", "Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]:
        money = MONEY_FORMAT if isinstance(value, Decimal) else None
        append(about, [cell(about, label, bold=True), cell(about, value, money)])
    return workbook_bytes(workbook)
