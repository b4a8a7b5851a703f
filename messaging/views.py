"""The messaging app's pages: the committee composes a batch of texts about a proposal or a meeting, sees exactly
what the phones will show and what it costs, and sends it (a POST with a one-time key: a double click sends once);
each batch's page follows it from queued to delivered; the community's limits; a household's opt-out. Pages only
read: sending is the task queue's (messaging.sending)."""

import secrets
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.sms import TEMPLATES, signed
from accounts.sms import render as render_text
from community.access import permitted_community
from community.models import Community, Household
from meetings.models import Meeting
from messaging.forms import ComposeForm, PolicyForm
from messaging.models import Batch, OptOut, ShortLink
from messaging.selectors import (
    batch_counts,
    batches_with_counts,
    failure_reasons,
    kinds_open,
    month_budget,
    open_for_texts,
    participation,
    plan_refusal,
    policy_of,
    quiet_hours,
)
from messaging.services import (
    MessagingError,
    batch_create,
    batch_key,
    batch_plan,
    opt_out_set,
    policy_update,
)
from proposals.models import Proposal

# The batches listed beside a subject, and on the community's page (newest first).
BATCHES_LISTED = 50


@require_safe
def short_link(request, code: str):
    """A short link from a text message: straight to its page, which asks for a sign-in (by code) if it needs one and
    comes back."""
    return redirect(get_object_or_404(ShortLink, code=code).path)


# --- Helpers -----------------------------------------------------------------------------------------------------


def _subject(request, of: str, pk: int) -> Proposal | Meeting:
    model = Proposal if of == "proposal" else Meeting
    subject = get_object_or_404(model.objects.select_related("community"), pk=pk)
    if not request.user.has_perm("messaging.send_batch", subject):
        raise PermissionDenied
    return subject


def _url(subject: Proposal | Meeting, name: str) -> str:
    suffix = "" if isinstance(subject, Proposal) else "_meeting"
    return reverse(f"{name}{suffix}", args=[subject.pk])


def _subject_batches(subject: Proposal | Meeting):
    field = "proposal" if isinstance(subject, Proposal) else "meeting"
    batches = Batch.objects.filter(**{field: subject}).select_related("proposal", "meeting", "created_by")
    return batches_with_counts(batches[:BATCHES_LISTED])


def _not_open(subject: Proposal | Meeting) -> str:
    if isinstance(subject, Proposal):
        return _("Text messages about a proposal can be sent only while its voting is open.")
    return _("Text messages about a meeting can be sent once its notice is published, until its voting closes.")


def _errors(form) -> str:
    return " ".join(" ".join(errors) for errors in form.errors.values())


def percent(part: int | None, whole: int | None) -> Decimal | None:
    if not whole or part is None:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def _subject_page(request, subject, form: ComposeForm | None, status: int = 200):
    """The compose page: the form, or (None) why nothing may be sent about the subject now."""
    return render(
        request,
        "messaging/compose.html",
        {
            "subject": subject,
            "community": subject.community,
            "is_meeting": isinstance(subject, Meeting),
            "form": form,
            "not_open": "" if form is not None else _not_open(subject),
            "batches": _subject_batches(subject),
            "preview_url": _url(subject, "sms_preview"),
        },
        status=status,
    )


# --- Compose, preview, send --------------------------------------------------------------------------------------


@login_required
@require_safe
@never_cache
def compose(request, of: str, pk: int):
    """The choice of what to send and to whom; coming back from the preview ("change"), the choice as it was."""
    subject = _subject(request, of, pk)
    kinds = kinds_open(subject, timezone.now())
    form = ComposeForm(initial=request.GET.dict(), subject=subject, kinds=kinds) if kinds else None
    return _subject_page(request, subject, form)


@login_required
@require_safe
@never_cache
def preview(request, of: str, pk: int):
    """Read-only: the exact text the phones will show, how many it reaches and leaves out, what it costs against the
    month's budget; and, when it may be sent, the confirm button (with a one-time key)."""
    subject = _subject(request, of, pk)
    now = timezone.now()
    kinds = kinds_open(subject, now)
    if not kinds:
        messages.error(request, _not_open(subject))
        return _subject_page(request, subject, None, status=400)
    form = ComposeForm(request.GET, subject=subject, kinds=kinds)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _subject_page(request, subject, form, status=400)
    community = subject.community
    kind, audience = form.cleaned_data["kind"], form.audience()
    plan = batch_plan(subject=subject, kind=kind, audience=audience, preview=True)
    month = month_budget(community, now)
    back = QueryDict(mutable=True)
    back["kind"], back["place"] = kind, form.cleaned_data["place"]
    if form.cleaned_data["not_reached"]:
        back["not_reached"] = "on"
    confirm = back.copy()
    confirm["token"] = secrets.token_urlsafe(24)
    return render(
        request,
        "messaging/preview.html",
        {
            "subject": subject,
            "community": community,
            "is_meeting": isinstance(subject, Meeting),
            "kind_label": dict(form.fields["kind"].choices)[kind],
            "place_label": form.place_label(),
            "not_reached": audience.not_reached,
            "plan": plan,
            "phones": len(plan.params),
            "month": month,
            "refusal": plan_refusal(plan, kind=kind, month=month),
            "fields": confirm,
            "quiet": quiet_hours(),
            "send_url": _url(subject, "sms_send"),
            "change_url": f"{_url(subject, 'sms_compose')}?{back.urlencode()}",
        },
    )


@login_required
@require_POST
def send(request, of: str, pk: int):
    """Make the batch: its messages are queued, and the task queue sends them. The form's one-time token is the
    batch's key, so the same form posted twice returns the batch the first post made."""
    subject = _subject(request, of, pk)
    kinds = kinds_open(subject, timezone.now())
    if not kinds:
        messages.error(request, _not_open(subject))
        return redirect(_url(subject, "sms_compose"))
    form = ComposeForm(request.POST, subject=subject, kinds=kinds)
    if not form.is_valid() or not form.cleaned_data["token"]:
        messages.error(request, _errors(form) or _("This form is out of date: open the preview again."))
        return redirect(_url(subject, "sms_compose"))
    key = batch_key("manual", subject, form.cleaned_data["token"])
    try:
        batch, created = batch_create(
            subject=subject, kind=form.cleaned_data["kind"], audience=form.audience(), by=request.user, key=key
        )
    except MessagingError as error:
        messages.error(request, " ".join(error.messages))
        back = request.POST.copy()
        for name in ("token", "csrfmiddlewaretoken"):
            back.pop(name, None)
        return redirect(f"{_url(subject, 'sms_compose')}?{back.urlencode()}")
    quiet_from, quiet_until = quiet_hours()
    if not created:
        messages.info(request, _("This batch was already sent: here it is. Nothing was sent twice."))
    else:
        messages.success(
            request,
            _(
                "The texts to %(n)s households are queued. They go out within minutes, never between "
                "%(quiet_from)s and %(quiet_until)s: reload the page to see them sent and delivered."
            )
            % {"n": batch.households, "quiet_from": quiet_from, "quiet_until": quiet_until},
        )
    return redirect("sms_batch", pk=batch.pk)


# --- A batch, and the community's batches ------------------------------------------------------------------------


@login_required
@require_safe
@never_cache
def batch_detail(request, pk: int):
    """Where a batch stands: messages queued, sent, delivered and failed (with the reasons), who was left out, and
    the participation when it was made and now. A constant number of queries, whatever the number of messages."""
    batch = get_object_or_404(Batch.objects.select_related("community", "proposal", "meeting", "created_by"), pk=pk)
    if not request.user.has_perm("messaging.view_batches", batch):
        raise PermissionDenied
    subject = batch.subject
    electorate, voted = participation(subject) if subject is not None else (None, None)
    first = batch.messages.order_by("pk").values_list("params", flat=True).first()
    template = TEMPLATES.get(batch.template)
    counts = batch_counts(batch)
    return render(
        request,
        "messaging/batch.html",
        {
            "batch": batch,
            "community": batch.community,
            "subject": subject,
            "is_meeting": batch.meeting_id is not None,
            "counts": counts,
            "waiting": counts["queued"] + counts["sending"],
            "reasons": failure_reasons(batch),
            "sample": signed(render_text(template, first)) if first and template else "",
            "before": {"voted": batch.voted_before, "of": batch.electorate},
            "before_percent": percent(batch.voted_before, batch.electorate),
            "now": {"voted": voted, "of": electorate},
            "now_percent": percent(voted, electorate),
            "batches": _subject_batches(subject) if subject is not None else [],
            "compose_url": _url(subject, "sms_compose") if subject is not None else "",
        },
    )


@login_required
@require_safe
@never_cache
def community_batches(request, slug: str):
    """The community's batches, newest first; what can be texted about now; this month's spend against the budget."""
    community = permitted_community(request, slug, "messaging.view_batches")
    batches = Batch.objects.filter(community=community).select_related("proposal", "meeting", "created_by")
    subjects = [subject for subject, kinds in open_for_texts(timezone.now(), community=community)]
    return render(
        request,
        "messaging/community.html",
        {
            "community": community,
            "batches": batches_with_counts(batches[:BATCHES_LISTED]),
            "proposals": [subject for subject in subjects if isinstance(subject, Proposal)],
            "meetings": [subject for subject in subjects if isinstance(subject, Meeting)],
            "month": month_budget(community),
            "can_manage_policy": request.user.has_perm("messaging.manage_policy", community),
        },
    )


@login_required
@never_cache
def policy(request, slug: str):
    """The community's limits: the monthly budget, automatic notices and reminders."""
    community = permitted_community(request, slug, "messaging.manage_policy")
    current = policy_of(community)
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy_update(community=community, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The text message settings are saved."))
                return redirect("sms_policy", slug=community.slug)
    else:
        form = PolicyForm(
            initial={
                "monthly_budget": current.monthly_budget,
                "notify_on_open": current.notify_on_open,
                "notify_results": current.notify_results,
                "reminder_days": current.reminder_days,
            }
        )
    return render(
        request,
        "messaging/policy.html",
        {"community": community, "form": form, "month": month_budget(community), "quiet": quiet_hours()},
        status=400 if form.is_bound else 200,
    )


# --- A household's opt-out ---------------------------------------------------------------------------------------


@login_required
@never_cache
def household_opt_out(request, slug: str, pk: int):
    """Whether a household is texted: its owner (from the home page) or the committee (from the roster) turns the
    notices and reminders off and on. GET shows it; POST changes it."""
    community = get_object_or_404(Community, slug=slug)
    household = get_object_or_404(
        Household.objects.of(community).select_related("entrance__building__community"), pk=pk
    )
    if not request.user.has_perm("messaging.set_opt_out", household):
        raise PermissionDenied
    if request.method == "POST":
        choice = request.POST.get("opted_out")
        if choice not in ("1", "0"):
            messages.error(request, _("Choose whether this household receives text messages."))
        else:
            opt_out_set(household=household, opted_out=choice == "1", by=request.user)
            if choice == "1":
                messages.success(
                    request,
                    _("%(household)s will receive no more text notices or reminders.") % {"household": household},
                )
            else:
                messages.success(
                    request, _("%(household)s receives text notices and reminders again.") % {"household": household}
                )
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        return redirect("sms_household", slug=community.slug, pk=household.pk)
    return render(
        request,
        "messaging/household.html",
        {
            "community": community,
            "household": household,
            "opted_out": OptOut.objects.filter(household=household).first(),
        },
    )
