"""What a household sees and does on a phone: the proposal, voting with a confirmation, the receipt check,
the live tally (tally.json) and the meeting hall's big screen."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.throttle import Limit, client_ip
from community.models import Household
from core.access import refuse
from proposals.access import proposal_or_refuse
from proposals.models import Electorate, Proposal, Scope, State
from proposals.selectors import proposal_body_html, scope_households
from proposals.services import rule_for
from voting import engine
from voting.forms import ReceiptForm, VoteForm
from voting.models import Channel, Choice, Elector
from voting.rules import Seat, bound_voter_may_vote, cast_refusal
from voting.selectors import (
    ballots_by_receipt,
    my_households,
    receipt_history,
    seat_of,
    seated_electors,
    tally_json,
    window_refusal,
)
from voting.services import VotingError, ballot_cast, ballot_holds

MANAGE_PANEL = "proposals/_manage_panel.html"
# Wrong receipt codes allowed per 15 minutes, per address and proposal and per session (a receipt is 31^8 to guess);
# only misses count, so a household checking its own code is never held up.
RECEIPT_TRIES_PER_IP = Limit("receipt-ip", max_hits=20, window=15 * 60)
RECEIPT_TRIES_PER_SESSION = Limit("receipt-session", max_hits=20, window=15 * 60)
TALLY_STATES = {State.VOTING, State.CLOSED, State.PUBLISHED}


# --- The tally in words: shared by the page (first render, no JS needed) and tally.js (every update) ---------


def rule_voters(rule: str) -> str:
    """Whose heads a rule counts (engine.OWNERS or engine.REPRESENTATIVES): the words of its tally."""
    known = engine.RULES.get(rule)
    return known.voters if known else engine.OWNERS


def check_label(check: dict, voters: str = engine.OWNERS) -> str:
    """One entry of tally_json's `checks` in plain words ("人数占比三分之二以上的业主参与表决"), from the engine's
    declaration of the condition: no "≥ 2/3" or "100%" for people to decode. `voters`: its rule's (rule_voters)."""
    condition = engine.Condition(
        check["group"], check["of"], check["dimension"], check["op"], Fraction(check["threshold"])
    )
    words = engine.condition_words(condition, voters)
    return _(words.text) % {"ratio": _(words.ratio) % {"fraction": words.fraction} if words.ratio else ""}


def tally_strings(voters: str = engine.OWNERS) -> dict:
    """The words tally.js needs, in the user's language (the page embeds them with json_script); a head is a
    representative where the rule counts representatives (`voters`, rule_voters)."""
    representatives = voters == engine.REPRESENTATIVES
    return {
        "states": {state.value: state.label for state in State},
        "verdict_closed_pass": _("Result: passed"),
        "verdict_closed_fail": _("Result: not passed"),
        # While voting is open there is no result yet: what is still needed, in neutral words.
        "needed": _("Still needed to pass: %(amounts)s more agreeing"),
        "needed_households": _("%(count)s households"),
        "needed_heads": _("%(count)s representatives") if representatives else _("%(count)s owners"),
        "needed_area": _("%(area)s m²"),
        "needed_separator": pgettext("amounts", ", "),
        "needed_none": _("The conditions to pass are met as it stands; the result counts when voting closes."),
        "needed_impossible": _("Even if every representative not yet voting agreed, it would not pass.")
        if representatives
        else _("Even if every household not yet voting agreed, it would not pass."),
        "met": _("met"),
        "not_met": _("not met"),
        "live": _("Live"),
        "final": _("Final result"),
        "connecting": _("Connecting…"),
        "polling": _("Refreshing every 5 seconds"),
        "offline": _("Not connected; reload the page"),
    }


def _cents(text: str) -> int:
    return int((Decimal(text) * 100).to_integral_value())


def _fraction_percent(text: str) -> str:
    value = Fraction(text) * 100
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}"


def tally_display(data: dict, strings: dict) -> dict:
    """What the tally elements show for one tally_json: the server's first render; tally.js does the same. While
    voting is open the headline says what is still needed (neutral); the result, in its colour, once closed."""
    closed = data["state"] in (State.CLOSED, State.PUBLISHED)
    electorate, participated = data["electorate"], data["participated"]
    not_yet = {
        "households": electorate["households"] - participated["households"],
        "heads": electorate["heads"] - participated["heads"],
        "area": f"{Decimal(_cents(electorate['area']) - _cents(participated['area'])) / 100:.2f}",
    }
    if closed:
        verdict = strings["verdict_closed_pass"] if data["passed"] else strings["verdict_closed_fail"]
        verdict_class = "pass" if data["passed"] else "fail"
    else:
        verdict, verdict_class = needed_text(data, strings), "open"
    bars = [
        {
            "label": check_label(check, rule_voters(data.get("rule", ""))),
            "percent": check["percent"],
            "width": str(min(Decimal(check["percent"]), Decimal(100))),
            "line": _fraction_percent(check["threshold"]),
            "met": check["met"],
        }
        for check in data["checks"]
    ]
    return {
        "closed": closed,
        "state_label": strings["states"].get(data["state"], data["state"]),
        "verdict": verdict,
        "verdict_class": verdict_class,
        "not_yet": not_yet,
        "bars": bars,
    }


def needed_text(data: dict, strings: dict) -> str:
    """ "还需 5 人、433.35 平方米同意即可通过": owners (人) where the rule counts heads, flats (户) where it counts
    households, and area; each the least that passes (voting.engine.Needed)."""
    needed = data["needed"]
    if data["passed"]:
        return strings["needed_none"]
    if None in (needed["households"], needed["heads"], needed["area"]):
        return strings["needed_impossible"]
    amounts = []
    if needed["households"]:
        amounts.append(strings["needed_households"] % {"count": needed["households"]})
    if needed["heads"]:
        amounts.append(strings["needed_heads"] % {"count": needed["heads"]})
    if Decimal(needed["area"]):
        amounts.append(strings["needed_area"] % {"area": needed["area"]})
    return strings["needed"] % {"amounts": strings["needed_separator"].join(amounts)}


def _tally_context(proposal: Proposal) -> dict:
    data = tally_json(proposal)
    strings = tally_strings(rule_voters(proposal.rule))
    return {
        "tally": data,
        "tally_view": tally_display(data, strings),
        "tally_strings": strings,
        "ws_path": f"/ws/proposals/{proposal.pk}/tally/",
        "json_url": reverse("tally_json", args=[proposal.pk]),
    }


# --- The proposal page ------------------------------------------------------------------------------------------


def _rule_text(rule: str) -> str:
    known = engine.RULES.get(rule)
    return _(known.description) if known else rule


def _scope_text(proposal: Proposal) -> str:
    if proposal.scope == Scope.BUILDINGS:
        return "、".join(str(b) for b in proposal.scope_buildings.all())
    if proposal.scope == Scope.ENTRANCES:
        return "、".join(str(e) for e in proposal.scope_entrances.select_related("building"))
    if proposal.scope == Scope.HOUSEHOLDS:
        return _("%(count)s chosen households") % {"count": proposal.scope_households.count()}
    return _("The whole community")


def _manage_panel() -> str:
    """The committee's panel (proposals app) when it exists; the page does not depend on it."""
    try:
        get_template(MANAGE_PANEL)
    except TemplateDoesNotExist:
        return ""
    return MANAGE_PANEL


def _vote_groups(mine) -> list:
    """One set of buttons per head: two bound flats of one owner share one choice, so one set."""
    groups, covered = [], set()
    for item in mine:
        if not item.in_scope or item.household.pk in covered:
            continue
        covered.update(h.pk for h in item.same_head)
        groups.append(item)
    return groups


@never_cache
def proposal_detail(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "proposals.view_proposal")
    if refusal:
        return refusal
    user = request.user
    mine = my_households(proposal, user)
    if proposal.state in TALLY_STATES:
        groups, outside = _vote_groups(mine), [item.household for item in mine if not item.in_scope]
    else:
        # No electorate before voting opens: the scope as it stands says which of my households will vote.
        ids = [item.household.pk for item in mine]
        in_scope = set(scope_households(proposal).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        groups = [item for item in mine if item.household.pk in in_scope]
        outside = [item.household for item in mine if item.household.pk not in in_scope]
    can_manage = user.has_perm("proposals.manage_proposal", proposal)
    status = proposal.voting_status()
    attachments = list(proposal.attachments.all())
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "body_html": proposal_body_html(proposal, attachments),
        "attachments": attachments,
        "rule_text": _rule_text(proposal.rule),
        # A representatives' matter has the assembly's rule from its meeting, not by the committee's choice.
        "rule_chosen": proposal.electorate == Electorate.OWNERS
        and proposal.rule != rule_for(category=proposal.category),
        "by_representatives": proposal.electorate == Electorate.REPRESENTATIVES,
        "scope_text": _scope_text(proposal),
        "mine": mine,
        "vote_groups": groups,
        "outside": outside,
        "voting_open": status == Proposal.OPEN,
        "ballot_state": proposal.state in TALLY_STATES,
        "before_opening": status == Proposal.NOT_YET,
        "can_manage": can_manage,
        "manage_panel": _manage_panel() if can_manage else "",
        "can_view_register": user.has_perm("voting.view_register", proposal),
        "can_view_tally": proposal.state in TALLY_STATES and user.has_perm("voting.view_tally", proposal),
        "choices": Choice,
    }
    if context["can_view_tally"]:
        context.update(_tally_context(proposal))
    return render(request, "voting/detail.html", context)


# --- Voting -----------------------------------------------------------------------------------------------------


@never_cache
@require_GET
def vote_confirm(request, pk: int):
    """Step 1, what the vote buttons open: what will be recorded, read afresh on every visit. A GET, so the back
    button after voting asks the server again (never a cached copy) and shows the choice already recorded."""
    form = VoteForm(request.GET)
    proposal, chosen = _proposal_and_seat(pk, request.user, form)
    refusal = _vote_refusal(request, proposal, form, chosen)
    if refusal:
        return refusal
    return _confirm(request, proposal, chosen, form.cleaned_data["choice"])


@never_cache
@require_POST
def vote(request, pk: int):
    """Step 2 (confirm=1): record the choice and go back to the page; without confirm, the step-1 page as
    vote_confirm shows it. Confirming the choice already recorded changes nothing and keeps the receipt."""
    form = VoteForm(request.POST)
    proposal, chosen = _proposal_and_seat(pk, request.user, form)
    refusal = _vote_refusal(request, proposal, form, chosen)
    if refusal:
        return refusal
    choice = form.cleaned_data["choice"]
    if not form.cleaned_data["confirm"]:
        return _confirm(request, proposal, chosen, choice)
    before = getattr(chosen.elector, "ballot", None)
    try:
        ballots = ballot_cast(
            proposal=proposal,
            household=chosen.elector.household,
            choice=choice,
            channel=Channel.ONLINE,
            by=request.user,
        )
    except VotingError as error:
        messages.error(request, error.messages[0])
        return redirect("proposal_detail", pk=proposal.pk)
    if before is not None and before.receipt == ballots[0].receipt:
        text = _("Already recorded: %(choice)s, receipt code %(receipt)s. Nothing changed.")
    else:
        text = _("Recorded: %(choice)s, receipt code %(receipt)s")
    messages.success(request, text % {"choice": Choice(choice).label, "receipt": ballots[0].receipt})
    # To the top of the page, where the message with the receipt code is.
    return redirect("proposal_detail", pk=proposal.pk)


@dataclass(frozen=True)
class _Chosen:
    """The flat the form votes for, as the electorate has it, and what the user is to it (voting.rules.Seat)."""

    elector: Elector
    seat: Seat


def _proposal_and_seat(pk: int, user, form) -> tuple[Proposal, _Chosen | None]:
    """The proposal (404 without), and the elector the form votes for with the user's seat (else None: not in the
    electorate, or the form is not valid). An id beyond the database's range is no row (the ORM's own check): a 404;
    a household id out of range is refused by the form."""
    proposal = Proposal.objects.select_related("community").filter(pk=pk).first()
    if proposal is None:
        raise Http404
    if not (user.is_authenticated and form.is_valid()):
        return proposal, None
    elector = seated_electors(proposal, user, household_ids=[form.cleaned_data["household"]]).first()
    return proposal, None if elector is None else _Chosen(elector, seat_of(elector, user))


def _vote_refusal(request, proposal: Proposal, form, chosen: _Chosen | None):
    """None when the user casts the ballot of the chosen flat's head on `proposal`; else the response (login,
    message or 403). Who casts a head's ballot is `voting.cast_for_head` (voting.rules): a refused account bound to
    the flat is told why, and nothing is written.

    The usual case costs no further query (voting.rules.bound_voter_may_vote); anything else goes through the
    permissions, in the order a visitor meets them.
    """
    user = request.user
    if chosen is not None and bound_voter_may_vote(user, proposal, chosen.seat):
        return None
    if not user.has_perm("proposals.view_proposal", proposal):
        return refuse(request)
    if not form.is_valid():
        messages.error(request, _("Choose agree, disagree or abstain."))
        return redirect("proposal_detail", pk=proposal.pk)
    if chosen is None:
        # Not in the electorate: a household of the user's is told so (or that voting is not open); others are 403.
        household = Household.objects.filter(pk=form.cleaned_data["household"]).first()
        if household is None or not user.has_perm("voting.vote_for_household", household):
            raise PermissionDenied
        messages.error(request, window_refusal(proposal) or _("This household is not in the scope of this proposal."))
        return redirect("proposal_detail", pk=proposal.pk)
    if user.has_perm("voting.cast_for_head", chosen.seat):
        return None
    if not chosen.seat.concerned:
        raise PermissionDenied
    messages.error(request, cast_refusal(chosen.seat))
    return redirect("proposal_detail", pk=proposal.pk)


def _confirm(request, proposal: Proposal, chosen: _Chosen, choice: str):
    problem = window_refusal(proposal)
    if problem:
        messages.error(request, problem)
        return redirect("proposal_detail", pk=proposal.pk)
    household = chosen.elector.household
    item = next((item for item in my_households(proposal, request.user) if item.household.pk == household.pk), None)
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "household": household,
        # The flats this account votes for, and its current ballot (my_households lists no other flat to a member).
        "same_head": item.same_head if item else [],
        "ballot": item.ballot if item else getattr(chosen.elector, "ballot", None),
        "choice": choice,
        "choice_label": Choice(choice).label,
    }
    context["unchanged"] = ballot_holds(context["ballot"], choice=choice, channel=Channel.ONLINE)
    return render(request, "voting/confirm.html", context)


# --- The receipt check ------------------------------------------------------------------------------------------


def _receipt_limits(request, proposal: Proposal) -> list[tuple[Limit, str]]:
    if not request.session.session_key:
        request.session.save()
    return [
        (RECEIPT_TRIES_PER_IP, f"{client_ip(request)}:{proposal.pk}"),
        (RECEIPT_TRIES_PER_SESSION, request.session.session_key),
    ]


@never_cache
def receipt_check(request, pk: int):
    """A household types its receipt code and sees what was recorded for it — on this proposal only."""
    proposal, refusal = proposal_or_refuse(request, pk, "proposals.view_proposal")
    if refusal:
        return refusal
    context = {"proposal": proposal, "community": proposal.community}
    if request.method != "POST":
        context["form"] = ReceiptForm()
        return render(request, "voting/receipt.html", context)
    form = context["form"] = ReceiptForm(request.POST)
    limits = _receipt_limits(request, proposal)
    if any(limit.exceeded(ident) for limit, ident in limits):
        form.add_error(None, _("Too many tries. Please wait 15 minutes and try again."))
        return render(request, "voting/receipt.html", context, status=429)
    ballots = ballots_by_receipt(proposal, form.cleaned_data["code"]) if form.is_valid() else []
    # A code no ballot holds any more may still be in the log: the choice it recorded was changed later.
    past = receipt_history(proposal, form.cleaned_data["code"]) if form.is_valid() and not ballots else []
    if ballots or past:
        context["ballots"], context["past"] = ballots, past
    else:
        for limit, ident in limits:
            limit.hit(ident)
        if form.is_valid():
            form.add_error(
                "code",
                _("No ballot of this proposal has this receipt code. Check the code."),
            )
    return render(request, "voting/receipt.html", context)


# --- The live tally ---------------------------------------------------------------------------------------------


def _json_error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def tally(request, pk: int):
    """The same JSON as the WebSocket. A JSON client gets a JSON 403, not a login page."""
    proposal = Proposal.objects.select_related("community").filter(pk=pk).first()
    if proposal is None:
        return _json_error("not found", 404)
    if not request.user.has_perm("voting.view_tally", proposal):
        return _json_error("forbidden", 403)
    response = JsonResponse(tally_json(proposal))
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def big_screen(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "voting.view_tally")
    if refusal:
        return refusal
    context = {"proposal": proposal, "community": proposal.community, **_tally_context(proposal)}
    return render(request, "voting/screen.html", context)
