"""The cost pages: the committee's plan editor, the share table (and its XLSX), collection of the bills, a
household's sign-up as a beneficiary and its bill. Each view checks one permission and calls one service."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community.models import Community, Household
from config.xlsx import XLSX_TYPE
from core.uploads import private_png_response
from costs.engine import floors_ridden
from costs.forms import (
    SHARE_SORTS,
    BillFilterForm,
    CoefficientsForm,
    LineItemForm,
    PayForm,
    PaymentInstructionsForm,
    PlanForm,
    ResplitForm,
    ShareFilterForm,
    SignUpForm,
    SubsidyForm,
    WaiveForm,
)
from costs.models import Bill, BillStatus, ResplitAmong, Sharers
from costs.selectors import (
    FLOOR_METHODS,
    beneficiaries_listed,
    bill_buildings,
    bills_of,
    coefficients_of,
    collection,
    payment_instructions_for,
    plan_for,
    scope_floors,
    share_buildings,
    shares_compute,
)
from costs.services import (
    beneficiary_sign_up,
    beneficiary_withdraw,
    bill_pay,
    bill_waive,
    bills_resplit,
    coefficients_preset,
    coefficients_set,
    cost_plan_create,
    cost_plan_delete,
    cost_plan_update,
    line_item_add,
    line_item_remove,
    payment_instructions_save,
    subsidy_add,
    subsidy_remove,
)
from costs.templatetags.cost_tags import method_phrase
from costs.xlsx import bills_xlsx, shares_xlsx
from proposals.access import proposal_for
from proposals.models import Proposal
from proposals.services import EDITABLE

SHARES_PER_PAGE = 200
# The editor lists the first sign-ups; the share table has them all.
BENEFICIARIES_LISTED = 300
BILLS_PER_PAGE = 50


def _errors(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))


# --- The plan editor ---------------------------------------------------------------------------------------------


def _editor(request, proposal: Proposal, status: int = 200, **forms):
    plan = plan_for(proposal)
    context = {"proposal": proposal, "community": proposal.community, "plan": plan}
    if plan is None:
        context["create_form"] = forms.get("create_form") or PlanForm(initial={"method": "area", "sharers": "scope"})
        context["editable"] = proposal.state in EDITABLE
        return render(request, "costs/cost_plan.html", context, status=status)
    attachments = list(proposal.attachments.all())
    floors = scope_floors(proposal) if plan.method in FLOOR_METHODS else []
    saved = coefficients_of(plan) if plan.method in FLOOR_METHODS else {}
    floors = sorted(set(floors) | set(saved))
    # Without a saved table "floors ridden" applies: the empty fields show its values.
    placeholders = {} if saved else floors_ridden(floors)
    context.update(
        {
            "editable": not plan.is_locked and proposal.state in EDITABLE,
            "method_phrase": method_phrase(plan.method),
            "line_items": list(plan.line_items.select_related("attachment")),
            "subsidies": list(plan.subsidies.all()),
            "plan_form": forms.get("plan_form")
            or PlanForm(
                initial={
                    "method": plan.method,
                    "sharers": plan.sharers,
                    "weight_label": plan.weight_label,
                    "notes": plan.notes,
                }
            ),
            "item_form": forms.get("item_form") or LineItemForm(attachments=attachments),
            "subsidy_form": forms.get("subsidy_form") or SubsidyForm(),
            "floor_method": plan.method in FLOOR_METHODS,
            "coefficients_form": forms.get("coefficients_form")
            or CoefficientsForm(floors=floors, initial_values=saved, placeholders=placeholders),
            "coefficients_saved": bool(saved),
        }
    )
    if plan.sharers == Sharers.BENEFICIARIES:
        context["beneficiaries"], context["beneficiary_count"] = beneficiaries_listed(plan, limit=BENEFICIARIES_LISTED)
    return render(request, "costs/cost_plan.html", context, status=status)


@never_cache
@login_required
def cost_plan(request, pk: int):
    """GET: the editor. POST: give the proposal a cost plan."""
    proposal = proposal_for(request, pk, "costs.manage_plan")
    if request.method != "POST":
        return _editor(request, proposal)
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _editor(request, proposal, status=400, create_form=form)
    try:
        cost_plan_create(proposal=proposal, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _editor(request, proposal, status=400, create_form=form)
    messages.success(request, _("The cost plan is created. Add the items of the cost and any subsidies."))
    return redirect("cost_plan", pk=proposal.pk)


def _plan_post(request, pk: int, form_class, form_name: str, call, success: str, form_kwargs=None):
    """The shape of every editor POST: valid form → one service call → back to the editor; else the errors."""
    proposal = proposal_for(request, pk, "costs.manage_plan")
    form = form_class(request.POST, **(form_kwargs(proposal) if form_kwargs else {}))
    if form.is_valid():
        try:
            call(proposal, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect("cost_plan", pk=proposal.pk)
    return _editor(request, proposal, status=400, **{form_name: form})


@require_POST
@login_required
def cost_plan_settings(request, pk: int):
    return _plan_post(
        request,
        pk,
        PlanForm,
        "plan_form",
        lambda proposal, data: cost_plan_update(proposal=proposal, **data),
        _("The changes are saved."),
    )


@require_POST
@login_required
def cost_item_add(request, pk: int):
    def call(proposal, data):
        attachment = proposal.attachments.filter(pk=data["attachment"]).first() if data["attachment"] else None
        line_item_add(
            proposal=proposal,
            description=data["description"],
            supplier=data["supplier"],
            amount=data["amount"],
            attachment=attachment,
        )

    return _plan_post(
        request,
        pk,
        LineItemForm,
        "item_form",
        call,
        _("The item is added."),
        form_kwargs=lambda proposal: {"attachments": list(proposal.attachments.all())},
    )


@require_POST
@login_required
def cost_subsidy_add(request, pk: int):
    return _plan_post(
        request,
        pk,
        SubsidyForm,
        "subsidy_form",
        lambda proposal, data: subsidy_add(proposal=proposal, **data),
        _("The subsidy is added."),
    )


@require_POST
@login_required
def cost_coefficients(request, pk: int):
    """Save the floor coefficients table, or (the preset button) fill it with "floors ridden"."""
    proposal = proposal_for(request, pk, "costs.manage_plan")
    if "preset" in request.POST:
        try:
            coefficients_preset(proposal=proposal)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The table now holds “floors ridden”: floor f counts f − 1."))
        return redirect(reverse("cost_plan", args=[proposal.pk]) + "#coefficients")
    floors = sorted(int(name.removeprefix("floor_")) for name in request.POST if _is_floor_field(name))
    form = CoefficientsForm(request.POST, floors=floors)
    if form.is_valid():
        try:
            coefficients_set(proposal=proposal, coefficients=form.coefficients())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The floor coefficients are saved."))
            return redirect(reverse("cost_plan", args=[proposal.pk]) + "#coefficients")
    return _editor(request, proposal, status=400, coefficients_form=form)


def _is_floor_field(name: str) -> bool:
    number = name.removeprefix("floor_")
    return name.startswith("floor_") and number.lstrip("-").isdigit() and len(number) < 5


def _remove(request, pk: int, call, success: str):
    proposal = proposal_for(request, pk, "costs.manage_plan")
    try:
        call(proposal)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, success)
    return redirect("cost_plan", pk=proposal.pk)


@require_POST
@login_required
def cost_item_remove(request, pk: int, item_id: int):
    return _remove(
        request, pk, lambda proposal: line_item_remove(proposal=proposal, item_id=item_id), _("The item is removed.")
    )


@require_POST
@login_required
def cost_subsidy_remove(request, pk: int, subsidy_id: int):
    return _remove(
        request,
        pk,
        lambda proposal: subsidy_remove(proposal=proposal, subsidy_id=subsidy_id),
        _("The subsidy is removed."),
    )


@require_POST
@login_required
def cost_plan_remove(request, pk: int):
    return _remove(request, pk, lambda proposal: cost_plan_delete(proposal=proposal), _("The cost plan is removed."))


# --- The share table ---------------------------------------------------------------------------------------------


def _filtered_shares(request, proposal: Proposal):
    form = ShareFilterForm(request.GET)
    form.is_valid()
    building = form.cleaned_data.get("building", "")
    entrance = form.cleaned_data.get("entrance", "") if building else ""
    sort = form.cleaned_data.get("sort") or "place"
    shares = shares_compute(proposal)
    if shares is None:
        return None, [], {}
    rows = shares.rows
    if building:
        rows = [row for row in rows if row.building == building and (not entrance or row.entrance == entrance)]
    if sort in ("amount", "-amount"):
        rows = sorted(rows, key=lambda row: (row.amount, -row.position), reverse=sort == "-amount")
    elif sort == "-place":
        rows = list(reversed(rows))
    return shares, rows, {"building": building, "entrance": entrance, "sort": sort if sort in SHARE_SORTS else "place"}


@never_cache
@login_required
def cost_shares(request, pk: int):
    proposal = proposal_for(request, pk, "costs.view_table")
    shares, rows, chosen = _filtered_shares(request, proposal)
    if shares is None:
        messages.info(request, _("This proposal has no cost plan."))
        return redirect("proposal_detail", pk=proposal.pk)
    page = Paginator(rows, SHARES_PER_PAGE).get_page(request.GET.get("page"))
    query = {key: value for key, value in chosen.items() if value}
    return render(
        request,
        "costs/cost_shares.html",
        {
            "proposal": proposal,
            "community": proposal.community,
            "plan": shares.plan,
            "shares": shares,
            "method_phrase": method_phrase(shares.plan.method),
            "page": page,
            "chosen": chosen,
            "query": query,
            "buildings": share_buildings(shares.rows),
            "filtered_count": len(rows),
            "filtered_sum": sum((row.amount for row in rows), Decimal("0.00")),
            "shows_weight": shares.plan.sharers == Sharers.BENEFICIARIES,
        },
    )


@require_GET
@login_required
def cost_shares_xlsx(request, pk: int):
    proposal = proposal_for(request, pk, "costs.view_table")
    shares, rows, chosen = _filtered_shares(request, proposal)
    if shares is None:
        messages.info(request, _("This proposal has no cost plan."))
        return redirect("proposal_detail", pk=proposal.pk)
    content = shares_xlsx(proposal=proposal, shares=shares, rows=rows, chosen=chosen)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="shares-{proposal.community.slug}-{proposal.number}-{stamp}.xlsx"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- A household signs up, and sees its bill --------------------------------------------------------------------


@require_POST
def cost_sign_up(request, pk: int):
    """Sign up (or change the number, or withdraw) one of my households as a beneficiary."""
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]))
    form = SignUpForm(request.POST)
    back = reverse("proposal_detail", args=[proposal.pk]) + "#my-share"
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    household = Household.objects.filter(pk=form.cleaned_data["household"]).first()
    if household is None or not request.user.has_perm("costs.sign_up", household):
        raise PermissionDenied
    try:
        if form.cleaned_data["action"] == "withdraw":
            beneficiary_withdraw(proposal=proposal, household=household, by=request.user)
            messages.success(request, _("Your household has withdrawn and does not share this cost."))
        else:
            weight = form.cleaned_data["weight"]
            beneficiary_sign_up(
                proposal=proposal, household=household, by=request.user, weight=weight if weight is not None else ""
            )
            messages.success(request, _("Your household is signed up. Its share is shown below."))
    except ValidationError as error:
        _errors(request, error)
    return redirect(back)


@never_cache
def my_bill(request, pk: int):
    """The bills of my households on this proposal, nobody else's, and how to pay them."""
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    plan = plan_for(proposal)
    bills = list(
        Bill.objects.filter(proposal=proposal, household__bindings__user=request.user)
        .select_related("household__entrance__building", "recorded_by")
        .distinct()
        .order_by("position")
    )
    return render(
        request,
        "costs/bill_mine.html",
        {
            "proposal": proposal,
            "community": proposal.community,
            "plan": plan,
            "bills": bills,
            "method_phrase": method_phrase(plan.method) if plan else "",
            "instructions": payment_instructions_for(proposal.community) if bills else None,
        },
    )


# --- Collection --------------------------------------------------------------------------------------------------


def _filtered_bills(request, proposal: Proposal):
    """The chosen filters and the bills they select: every bill unless a status, building or entrance is chosen."""
    form = BillFilterForm(request.GET)
    form.is_valid()
    chosen = {key: form.cleaned_data.get(key, "") for key in ("status", "building", "entrance")}
    if not chosen["building"]:
        chosen["entrance"] = ""
    return chosen, bills_of(proposal, **chosen)


def _collection_plan(request, proposal: Proposal):
    plan = plan_for(proposal)
    if plan is None or plan.billed_at is None:
        messages.info(request, _("There are no bills: they are made when a proposal with a cost plan passes."))
        return None
    return plan


@never_cache
@login_required
def bill_collection(request, pk: int):
    """Progress to the fen, and the bills (all of them unless filtered) with the owners and their buttons."""
    proposal = proposal_for(request, pk, "costs.record_payment")
    plan = _collection_plan(request, proposal)
    if plan is None:
        return redirect("proposal_detail", pk=proposal.pk)
    chosen, bills = _filtered_bills(request, proposal)
    page = Paginator(bills, BILLS_PER_PAGE).get_page(request.GET.get("page"))
    progress = collection(proposal)
    query = {key: value for key, value in chosen.items() if value}
    place = {key: chosen[key] for key in ("building", "entrance") if chosen[key]}
    return render(
        request,
        "costs/bill_collection.html",
        {
            "proposal": proposal,
            "community": proposal.community,
            "plan": plan,
            "progress": progress,
            "page": page,
            "chosen": chosen,
            "query": query,
            "place": place,
            # The status tabs: every bill first, each with its count, the chosen one marked.
            "status_tabs": [("", pgettext("costs", "all"), progress.bills)]
            + [(value, label, progress.counts[value]) for value, label in BillStatus.choices],
            "buildings": bill_buildings(proposal),
            "can_waive": request.user.has_perm("costs.waive_bill", proposal),
            "can_write_instructions": request.user.has_perm("costs.manage_payment_info", proposal.community),
            "instructions": payment_instructions_for(proposal.community),
            "resplits": list(plan.resplits.select_related("by")),
            "today": timezone.localdate(),
        },
    )


@require_GET
@login_required
def bill_collection_xlsx(request, pk: int):
    """The bills as filtered on the collection page, with owners' names and masked phones."""
    proposal = proposal_for(request, pk, "costs.record_payment")
    plan = _collection_plan(request, proposal)
    if plan is None:
        return redirect("proposal_detail", pk=proposal.pk)
    chosen, bills = _filtered_bills(request, proposal)
    content = bills_xlsx(proposal=proposal, plan=plan, bills=bills, chosen=chosen, progress=collection(proposal))
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="bills-{proposal.community.slug}-{proposal.number}-{stamp}.xlsx"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _bill(request, pk: int, bill_id: int, perm: str) -> tuple[Proposal, Bill]:
    proposal = proposal_for(request, pk, perm)
    return proposal, get_object_or_404(Bill, pk=bill_id, proposal=proposal)


def _back_to_collection(request, proposal: Proposal):
    # Back to the same filtered page the button was on (the form carries it), never to another site.
    query = request.POST.get("back", "")
    url = reverse("bill_collection", args=[proposal.pk])
    return redirect(f"{url}?{query}" if query and "//" not in query and "\n" not in query else url)


@require_POST
@login_required
def bill_record_payment(request, pk: int, bill_id: int):
    proposal, bill = _bill(request, pk, bill_id, "costs.record_payment")
    form = PayForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_collection(request, proposal)
    try:
        bill = bill_pay(bill=bill, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, f"{bill.label}: {' '.join(error.messages)}")
    else:
        messages.success(
            request, _("%(household)s: paid ¥%(amount)s.") % {"household": bill.label, "amount": f"{bill.amount:,.2f}"}
        )
    return _back_to_collection(request, proposal)


@require_POST
@login_required
def bill_record_waiver(request, pk: int, bill_id: int):
    proposal, bill = _bill(request, pk, bill_id, "costs.waive_bill")
    form = WaiveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_collection(request, proposal)
    try:
        bill = bill_waive(bill=bill, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, f"{bill.label}: {' '.join(error.messages)}")
    else:
        messages.success(request, _("%(household)s: the bill is waived.") % {"household": bill.label})
    return _back_to_collection(request, proposal)


@require_POST
@login_required
def bill_resplit(request, pk: int):
    proposal = proposal_for(request, pk, "costs.waive_bill")
    form = ResplitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_collection(request, proposal)
    try:
        record = bills_resplit(
            proposal=proposal, by=request.user, reason=form.cleaned_data["reason"], among=form.cleaned_data["among"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        if record.among == ResplitAmong.ALL:
            text = _("¥%(amount)s waived is now shared among all %(count)s other households of the plan.")
        else:
            text = _("¥%(amount)s waived is now shared among the %(count)s households still to pay.")
        messages.success(request, text % {"amount": f"{record.amount:,.2f}", "count": record.unpaid_bills})
    return _back_to_collection(request, proposal)


# --- Payment instructions ------------------------------------------------------------------------------------------


@never_cache
@login_required
def payment_instructions(request, slug: str):
    """GET: the committee's form for how households pay. POST: save it (with a checked, re-encoded QR image)."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("costs.manage_payment_info", community):
        raise PermissionDenied
    instructions = payment_instructions_for(community)
    status = 200
    if request.method == "POST":
        form = PaymentInstructionsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                payment_instructions_save(community=community, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("The payment instructions are saved. Households see them with their bills.")
                )
                return redirect("payment_instructions", slug=community.slug)
        status = 400
    else:
        fields = ("payee", "account", "place", "hours", "notes")
        form = PaymentInstructionsForm(
            initial={name: getattr(instructions, name) for name in fields} if instructions else None
        )
    return render(
        request,
        "costs/payment_instructions.html",
        {"community": community, "form": form, "instructions": instructions},
        status=status,
    )


@require_GET
def payment_qr(request, slug: str):
    """The community's payment QR code, to its households and committee: media is never served from a public URL."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("costs.view_payment_info", community):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    instructions = payment_instructions_for(community)
    if instructions is None:
        raise Http404
    return private_png_response(instructions.qr, max_age=300)
