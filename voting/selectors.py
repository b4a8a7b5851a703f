"""The tally: one aggregate over the ballots against the frozen electorate, decided by the rule engine."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum

from community.models import Household
from proposals.models import Proposal, State
from voting import rules as engine
from voting.models import Ballot, Choice, Elector

_ZERO = Decimal("0.00")


def _tally_counts(proposal: Proposal) -> tuple[int, dict[str, engine.Count]]:
    """(version, counts per group) in ONE query, so the version and the counts come from one snapshot."""
    aggregates = {
        "version": Max("seq"),
        "p_households": Count("id"),
        "p_heads": Count("head", distinct=True),
        "p_area": Sum("area"),
    }
    for choice in Choice.values:
        only = Q(choice=choice)
        aggregates[f"{choice}_households"] = Count("id", filter=only)
        aggregates[f"{choice}_heads"] = Count("head", distinct=True, filter=only)
        aggregates[f"{choice}_area"] = Sum("area", filter=only)
    row = Ballot.objects.filter(proposal_id=proposal.pk).aggregate(**aggregates)
    groups = {
        engine.ELECTORATE: engine.Count(
            proposal.electorate_households, proposal.electorate_heads, proposal.electorate_area or _ZERO
        ),
        engine.PARTICIPATED: engine.Count(row["p_households"], row["p_heads"], row["p_area"] or _ZERO),
    }
    for choice in Choice.values:
        groups[choice] = engine.Count(
            row[f"{choice}_households"], row[f"{choice}_heads"], row[f"{choice}_area"] or _ZERO
        )
    return row["version"] or 0, groups


def tally_outcome(proposal: Proposal) -> engine.Outcome:
    return engine.decide(engine.RULES[proposal.rule], _tally_counts(proposal)[1])


def _count_json(count: engine.Count) -> dict:
    return {"households": count.households, "heads": count.heads, "area": f"{Decimal(count.area):.2f}"}


def _ratio_json(value) -> str:
    return f"{value.numerator}/{value.denominator}"


def _percent(value) -> str:
    return f"{(Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal('0.1'))}"


def tally_json(proposal: Proposal) -> dict:
    """The tally as served by tally.json and the WebSocket: totals only, never who voted how. Two queries at most."""
    version, groups = _tally_counts(proposal)
    outcome = engine.decide(engine.RULES[proposal.rule], groups)
    needed = outcome.needed
    return {
        "proposal": proposal.pk,
        "state": proposal.state,
        "rule": proposal.rule,
        "version": version,
        "open": proposal.state == State.VOTING,
        "closes_at": proposal.voting_closes_at.isoformat() if proposal.voting_closes_at else None,
        "electorate": _count_json(outcome.electorate),
        "participated": _count_json(outcome.participated),
        "agree": _count_json(outcome.agree),
        "disagree": _count_json(outcome.disagree),
        "abstain": _count_json(outcome.abstain),
        "passed": proposal.passed if proposal.state in (State.CLOSED, State.PUBLISHED) else outcome.passed,
        "needed": {
            "households": needed.households,
            "heads": needed.heads,
            "area": None if needed.area is None else f"{needed.area:.2f}",
        },
        "checks": [
            {
                "group": check.condition.group,
                "of": check.condition.of,
                "dimension": check.condition.dimension,
                "op": check.condition.op,
                "threshold": _ratio_json(check.condition.ratio),
                "value": _ratio_json(check.value),
                "percent": _percent(check.value),
                "met": check.met,
            }
            for check in outcome.checks
        ],
    }


def tally_recount(proposal: Proposal) -> engine.Outcome:
    """The tally recounted voter by voter through the pure engine: what tests and verify_ballots compare against."""
    electors = list(proposal.electors.values_list("household_id", "area", "head"))
    voters = [engine.Voter(key=str(h), area=area, owner=head) for h, area, head in electors]
    choices = {str(h): c for h, c in Ballot.objects.filter(proposal=proposal).values_list("household_id", "choice")}
    return engine.evaluate(engine.RULES[proposal.rule], voters, choices)


# --- What one household's account sees of a proposal (the household pages) ---


def voting_is_open(proposal: Proposal, now=None) -> bool:
    """Whether a ballot cast now would be accepted as far as the window goes (ballot_cast checks again)."""
    from django.utils import timezone

    now = now or timezone.now()
    if proposal.state != State.VOTING:
        return False
    if proposal.voting_opens_at and now < proposal.voting_opens_at:
        return False
    return not (proposal.voting_closes_at and now >= proposal.voting_closes_at)


@dataclass
class MyHousehold:
    """One household the user is bound to, as the proposal sees it: in the electorate or not, and its ballot.

    `same_head` lists the other households of the same head in the electorate: one choice covers them all.
    """

    household: Household
    elector: Elector | None = None
    ballot: Ballot | None = None
    same_head: list[Household] = field(default_factory=list)

    @property
    def in_scope(self) -> bool:
        return self.elector is not None


def my_households(proposal: Proposal, user) -> list[MyHousehold]:
    """The user's households in the proposal's community with their elector, ballot and same-head flats.

    Three queries at most, whatever the size of the community.
    """
    if not user.is_authenticated:
        return []
    households = list(
        Household.objects.filter(bindings__user=user, entrance__building__community_id=proposal.community_id)
        .select_related("entrance__building")
        .distinct()
        .in_order()
    )
    if not households:
        return []
    electors = {
        elector.household_id: elector
        for elector in Elector.objects.filter(
            proposal_id=proposal.pk, household_id__in=[h.pk for h in households]
        ).select_related("ballot__recorded_by")
    }
    mine = [
        MyHousehold(
            household=h,
            elector=electors.get(h.pk),
            ballot=getattr(electors[h.pk], "ballot", None) if h.pk in electors else None,
        )
        for h in households
    ]
    heads = {elector.head for elector in electors.values()}
    if heads:
        others = (
            Elector.objects.filter(proposal_id=proposal.pk, head__in=heads)
            .select_related("household__entrance__building")
            .order_by(
                "household__entrance__building__sort_key", "household__entrance__sort_key", "household__room_sort_key"
            )
        )
        by_head: dict[str, list[Household]] = {}
        for other in others:
            by_head.setdefault(other.head, []).append(other.household)
        for item in mine:
            if item.elector:
                item.same_head = [h for h in by_head.get(item.elector.head, []) if h.pk != item.household.pk]
    return mine


def ballots_by_receipt(proposal: Proposal, receipt: str) -> list[Ballot]:
    """The ballots of this proposal recorded under `receipt` (one cast covers all flats of one head)."""
    return list(
        Ballot.objects.filter(proposal_id=proposal.pk, receipt=receipt)
        .select_related("household__entrance__building")
        .order_by("household_id")
    )
