"""The tally: one aggregate over the ballots against the frozen electorate, decided by the rule engine."""

from decimal import Decimal

from django.db.models import Count, Max, Q, Sum

from proposals.models import Proposal, State
from voting import rules as engine
from voting.models import Ballot, Choice

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
