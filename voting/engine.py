"""The decision engine: does a proposal pass under the law's double thresholds? Pure Python, no Django.

民法典 第278条 and 法释〔2009〕7号: participation is measured against the electorate, approval against
those taking part, each by area AND by heads. One owner holding several households is one head (all
their area counts); all developer-held households are one head (the caller gives them one `owner`).
"以上" is inclusive, "过半数" strictly more than half. Abstentions take part but do not agree; a
household without a choice did not take part. Arithmetic is exact: Fraction and Decimal only.

A rule is a tuple of declarative conditions, so a local rule (see ELEVATOR_ALL_OWNERS_NO_OBJECTION) is a
few lines. `elect` decides an election (several seats, each household agreeing with up to that many candidates) by
evaluating the same rule once per candidate.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

AGREE, DISAGREE, ABSTAIN = "agree", "disagree", "abstain"
CHOICES = (AGREE, DISAGREE, ABSTAIN)

# What a condition counts: a group of voters measured in one dimension.
ELECTORATE, PARTICIPATED = "electorate", "participated"
GROUPS = (ELECTORATE, PARTICIPATED, AGREE, DISAGREE, ABSTAIN)
AREA, HEADS, HOUSEHOLDS = "area", "heads", "households"
AT_LEAST, MORE_THAN, AT_MOST = ">=", ">", "<="
# Who a rule's heads are: owners (households grouped by owner, with their area) or residents' representatives (one
# representative, one head, no area).
OWNERS, REPRESENTATIVES = "owners", "representatives"

_GROUP_NAMES = {
    ELECTORATE: "the electorate",
    PARTICIPATED: "those taking part",
    AGREE: "agreeing",
    DISAGREE: "disagreeing",
    ABSTAIN: "abstaining",
}
_OP_NAMES = {AT_LEAST: "at least", MORE_THAN: "more than", AT_MOST: "at most"}


@dataclass(frozen=True)
class Voter:
    """One household of the frozen electorate. Households with the same `owner` are one head."""

    key: str
    area: Decimal
    owner: str


def _compare(left: Fraction, op: str, right: Fraction) -> bool:
    if op == AT_LEAST:
        return left >= right
    if op == MORE_THAN:
        return left > right
    return left <= right


@dataclass(frozen=True)
class Condition:
    """`group` / `of` measured in `dimension` must be `op` `ratio` (e.g. agree / participated by area > 1/2)."""

    group: str
    of: str
    dimension: str
    op: str
    ratio: Fraction

    def __post_init__(self):
        if self.group not in GROUPS or self.of not in GROUPS:
            raise ValueError(f"unknown group in {self}")
        if self.dimension not in (AREA, HEADS, HOUSEHOLDS) or self.op not in _OP_NAMES:
            raise ValueError(f"unknown dimension or operator in {self}")

    def holds(self, value: Fraction) -> bool:
        return _compare(value, self.op, self.ratio)

    def describe(self) -> str:
        ratio = "none" if self.ratio == 0 and self.op == AT_MOST else f"{self.ratio}"
        return (
            f"{_GROUP_NAMES[self.group]} by {self.dimension}: {_OP_NAMES[self.op]} {ratio} of {_GROUP_NAMES[self.of]}"
        )


def gettext_noop(text: str) -> str:
    """Marks an English source string for the catalogue (makemessages finds it by this name) and returns it as is:
    the engine stays free of Django, and each caller passes the text through gettext in the reader's language."""
    return text


@dataclass(frozen=True)
class Rule:
    """A decision rule and, declared once beside its conditions, its texts: `label` (one line: the proposal form,
    the rule's choice), `description` (the proposal page) and `law` (its legal basis, paragraph by paragraph, on
    the printed resolution). The texts are English source strings for gettext. `voters` says who its heads are
    (OWNERS or REPRESENTATIVES): the electorate a proposal under it must freeze, and the words its tally reads in."""

    code: str
    name: str
    basis: str
    conditions: tuple[Condition, ...]
    label: str = ""
    description: str = ""
    law: tuple[str, ...] = ()
    voters: str = OWNERS

    def __post_init__(self):
        if self.voters not in (OWNERS, REPRESENTATIVES):
            raise ValueError(f"unknown voters {self.voters!r} in rule {self.code!r}")


def _both(group: str, of: str, op: str, ratio: Fraction) -> tuple[Condition, Condition]:
    """The law's double threshold: the same ratio by area AND by heads."""
    return Condition(group, of, AREA, op, ratio), Condition(group, of, HEADS, op, ratio)


TWO_THIRDS, THREE_QUARTERS, HALF = Fraction(2, 3), Fraction(3, 4), Fraction(1, 2)

# The Civil Code's own words (民法典 第278条 第2款 and 法释〔2009〕7号 第12条), printed on resolutions.
PARTICIPATION_LAW = gettext_noop(
    "Civil Code of the PRC, Article 278(2): matters decided jointly by the owners shall be voted on by owners whose"
    " exclusive parts account for two thirds or more of the area and who account for two thirds or more of the"
    " owners."
)
MAJOR_LAW = gettext_noop(
    "Matters in items 6 to 8 of the preceding paragraph shall be agreed by three quarters or more of the area of"
    " the exclusive parts taking part in the vote and three quarters or more of the owners taking part."
)
ORDINARY_LAW = gettext_noop(
    "Other matters of the preceding paragraph shall be agreed by more than half of the area of the exclusive parts"
    " taking part in the vote and more than half of the owners taking part."
)

CIVIL_CODE_MAJOR = Rule(
    code="civil_code_major",
    name="Civil Code major matter",
    basis="民法典 第278条 (items 6-8): participation ≥ 2/3 by area and heads; approval ≥ 3/4 of those taking part",
    conditions=(
        *_both(PARTICIPATED, ELECTORATE, AT_LEAST, TWO_THIRDS),
        *_both(AGREE, PARTICIPATED, AT_LEAST, THREE_QUARTERS),
    ),
    label=gettext_noop("Civil Code, major matter: 2/3 take part, 3/4 of them agree"),
    description=gettext_noop(
        "Major matter (Civil Code art. 278, items 6–8): owners holding at least 2/3 of the area and at least "
        "2/3 of the heads take part, and at least 3/4 of those taking part agree, by area and by heads."
    ),
    law=(PARTICIPATION_LAW, MAJOR_LAW),
)
CIVIL_CODE_ORDINARY = Rule(
    code="civil_code_ordinary",
    name="Civil Code ordinary matter",
    basis="民法典 第278条 (other items): participation ≥ 2/3 by area and heads; approval > 1/2 of those taking part",
    conditions=(
        *_both(PARTICIPATED, ELECTORATE, AT_LEAST, TWO_THIRDS),
        *_both(AGREE, PARTICIPATED, MORE_THAN, HALF),
    ),
    label=gettext_noop("Civil Code, ordinary matter: 2/3 take part, more than half agree"),
    description=gettext_noop(
        "Ordinary matter (Civil Code art. 278): owners holding at least 2/3 of the area and at least 2/3 of "
        "the heads take part, and more than half of those taking part agree, by area and by heads."
    ),
    law=(PARTICIPATION_LAW, ORDINARY_LAW),
)
UNANIMOUS = Rule(
    code="unanimous",
    name="Unanimous",
    basis="Every household in scope takes part and every household agrees",
    conditions=(
        Condition(PARTICIPATED, ELECTORATE, HOUSEHOLDS, AT_LEAST, Fraction(1)),
        Condition(AGREE, PARTICIPATED, HOUSEHOLDS, AT_LEAST, Fraction(1)),
    ),
    label=gettext_noop("Unanimous: every household takes part and agrees"),
    description=gettext_noop(
        "This matter needs the unanimous agreement of all owners: every household takes part and agrees."
    ),
    law=(
        gettext_noop(
            "This matter is decided unanimously, as the committee chose: every household in scope must take part"
            " in the vote and every household taking part must agree."
        ),
    ),
)
# Some cities' elevator retrofit rule: two thirds of ALL owners agree, by area and heads, and nobody objects.
ELEVATOR_ALL_OWNERS_NO_OBJECTION = Rule(
    code="elevator_all_owners_no_objection",
    name="Elevator retrofit: 2/3 of all owners agree, no objection",
    basis="Local elevator retrofit rules: agree ≥ 2/3 of all owners by area and heads, and no owner disagrees",
    conditions=(
        *_both(AGREE, ELECTORATE, AT_LEAST, TWO_THIRDS),
        Condition(DISAGREE, ELECTORATE, HOUSEHOLDS, AT_MOST, Fraction(0)),
    ),
    label=gettext_noop("Elevator retrofit: 2/3 of all owners agree and nobody objects"),
    description=gettext_noop(
        "Elevator retrofit: owners holding at least 2/3 of all the area and at least 2/3 of all the heads "
        "agree, and no owner disagrees."
    ),
    law=(
        gettext_noop(
            "Local rules on retrofitting elevators to existing residential buildings: owners accounting for two"
            " thirds or more of the area and two thirds or more of the owners in scope agree, and no owner"
            " objects."
        ),
    ),
)

# 居民代表会议: the voters are the residents' representatives, each a Voter of their own (`owner` = the
# representative, area 0), so one representative is one head and one vote; "present" is taking part. A proposal
# decided under it freezes the representatives as its electorate (voting.services.electorate_freeze): it is a matter
# of a representatives' meeting, never a rule an owners' proposal may pick (`voters`).
RESIDENTS_REPRESENTATIVES_ASSEMBLY = Rule(
    code="residents_representatives_assembly",
    name="Residents' representatives' assembly",
    basis="居民代表会议: at least 2/3 of the representatives present; more than half of those present agree",
    conditions=(
        Condition(PARTICIPATED, ELECTORATE, HEADS, AT_LEAST, TWO_THIRDS),
        Condition(AGREE, PARTICIPATED, HEADS, MORE_THAN, HALF),
    ),
    label=gettext_noop("Residents' representatives' assembly: 2/3 present, more than half of them agree"),
    description=gettext_noop(
        "Residents' representatives' assembly: one representative, one vote. At least 2/3 of the representatives"
        " take part, and more than half of the representatives taking part agree."
    ),
    law=(
        gettext_noop(
            "Organic Law of the Urban Residents' Committees of the PRC (revised 2025), Article 2: the residents'"
            " committee is responsible and reports to the residents' meeting and the residents' representatives'"
            " assembly."
        ),
        gettext_noop(
            "Under the rules of procedure of the residents' representatives' assembly, the assembly meets when two"
            " thirds or more of the representatives are present, and its decisions are adopted by more than half of"
            " the representatives present."
        ),
    ),
    voters=REPRESENTATIVES,
)

# Every rule a proposal, a matter or an election may be decided by (proposals.models.RuleCode lists the same codes).
RULES = {
    rule.code: rule
    for rule in (
        CIVIL_CODE_MAJOR,
        CIVIL_CODE_ORDINARY,
        UNANIMOUS,
        ELEVATOR_ALL_OWNERS_NO_OBJECTION,
        RESIDENTS_REPRESENTATIVES_ASSEMBLY,
    )
}


# --- A condition in plain words, for the people who read the tally: "at least two thirds of …", never "≥ 2/3" ------

_RATIO_WORDS = {
    (AT_LEAST, Fraction(1)): gettext_noop("all"),
    (AT_LEAST, THREE_QUARTERS): gettext_noop("at least three quarters"),
    (AT_LEAST, TWO_THIRDS): gettext_noop("at least two thirds"),
    (AT_LEAST, HALF): gettext_noop("at least half"),
    (MORE_THAN, HALF): gettext_noop("more than half"),
}
# Any other ratio, with its fraction.
_OP_WORDS = {
    AT_LEAST: gettext_noop("at least %(fraction)s"),
    MORE_THAN: gettext_noop("more than %(fraction)s"),
    AT_MOST: gettext_noop("at most %(fraction)s"),
}
_CONDITION_WORDS = {
    (PARTICIPATED, ELECTORATE, AREA): gettext_noop("Owners holding %(ratio)s of the area take part"),
    (PARTICIPATED, ELECTORATE, HEADS): gettext_noop("%(ratio)s of the owners take part"),
    (PARTICIPATED, ELECTORATE, HOUSEHOLDS): gettext_noop("%(ratio)s of the households take part"),
    (AGREE, PARTICIPATED, AREA): gettext_noop("Owners holding %(ratio)s of the area taking part agree"),
    (AGREE, PARTICIPATED, HEADS): gettext_noop("%(ratio)s of the owners taking part agree"),
    (AGREE, PARTICIPATED, HOUSEHOLDS): gettext_noop("%(ratio)s of the households taking part agree"),
    (AGREE, ELECTORATE, AREA): gettext_noop("Owners holding %(ratio)s of all the area agree"),
    (AGREE, ELECTORATE, HEADS): gettext_noop("%(ratio)s of all the owners agree"),
    (AGREE, ELECTORATE, HOUSEHOLDS): gettext_noop("%(ratio)s of all the households agree"),
}
# Where the heads are representatives (one representative, one vote), the same conditions in their words.
_REPRESENTATIVES_WORDS = {
    (PARTICIPATED, ELECTORATE, HEADS): gettext_noop("%(ratio)s of the representatives take part"),
    (AGREE, PARTICIPATED, HEADS): gettext_noop("%(ratio)s of the representatives taking part agree"),
    (AGREE, ELECTORATE, HEADS): gettext_noop("%(ratio)s of all the representatives agree"),
}
NOBODY_DISAGREES = gettext_noop("Nobody disagrees")


@dataclass(frozen=True)
class Words:
    """A condition in plain words: translate `text` and `ratio` (English source strings), then
    text % {"ratio": ratio % {"fraction": fraction}}."""

    text: str
    ratio: str
    fraction: str


def condition_words(condition: Condition, voters: str = OWNERS) -> Words:
    """The plain words of `condition`, derived from its declaration (the tally's bars, the big screen); `voters` is
    its rule's (a head is a representative under a representatives' rule)."""
    fraction = f"{condition.ratio.numerator}/{condition.ratio.denominator}"
    if condition.group == DISAGREE and condition.op == AT_MOST and condition.ratio == 0:
        return Words(text=NOBODY_DISAGREES, ratio="", fraction=fraction)
    ratio = _RATIO_WORDS.get((condition.op, condition.ratio), _OP_WORDS[condition.op])
    key = (condition.group, condition.of, condition.dimension)
    text = (_REPRESENTATIVES_WORDS.get(key) if voters == REPRESENTATIVES else None) or _CONDITION_WORDS.get(key)
    return Words(text=text or condition.describe(), ratio=ratio, fraction=fraction)


@dataclass(frozen=True)
class Count:
    households: int
    heads: int
    area: Decimal

    def measure(self, dimension: str) -> Fraction:
        return Fraction(getattr(self, dimension))


@dataclass(frozen=True)
class Check:
    condition: Condition
    value: Fraction
    met: bool


@dataclass(frozen=True)
class Needed:
    """The least further agreement, from households not yet taking part, that meets the rule's conditions in each
    dimension: whole households, whole heads, and area in m² to the hundredth. 0 in a dimension the rule does not
    count or already meets.

    None in a dimension where no amount of it, up to every household not yet taking part agreeing, can meet the
    conditions (an objection under a no-objection rule, a disagreement under unanimity, too few left); so
    `possible` is False exactly when some dimension is out of reach; for a rule whose conditions more agreement
    never hurts (every rule in RULES), that is when it would fail even if all of them agreed.
    """

    households: int | None
    heads: int | None
    area: Decimal | None

    @property
    def possible(self) -> bool:
        return None not in (self.households, self.heads, self.area)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    passed: bool
    electorate: Count
    participated: Count
    agree: Count
    disagree: Count
    abstain: Count
    participation_area: Fraction
    participation_heads: Fraction
    approval_area: Fraction
    approval_heads: Fraction
    checks: tuple[Check, ...]
    needed: Needed

    @property
    def failed(self) -> list[str]:
        """Human-readable thresholds that are not met (English; the UI translates the checks)."""
        return [check.condition.describe() for check in self.checks if not check.met]

    def group(self, name: str) -> Count:
        return getattr(self, name)


def _ratio(part: Fraction, whole: Fraction) -> Fraction:
    return part / whole if whole else Fraction(0)


def _count(voters: Sequence[Voter]) -> Count:
    return Count(
        households=len(voters),
        heads=len({voter.owner for voter in voters}),
        area=sum((voter.area for voter in voters), Decimal("0")),
    )


def evaluate(rule: Rule, voters: Sequence[Voter], choices: Mapping[str, str]) -> Outcome:
    """Decide `rule` for the electorate `voters` given each participating household's choice."""
    by_key = {voter.key: voter for voter in voters}
    if len(by_key) != len(voters):
        raise ValueError("two voters share a key")
    owner_choice: dict[str, str] = {}
    for key, choice in choices.items():
        if key not in by_key:
            raise ValueError(f"{key!r} is not in the electorate")
        if choice not in CHOICES:
            raise ValueError(f"unknown choice {choice!r} for {key!r}")
        owner = by_key[key].owner
        if owner_choice.setdefault(owner, choice) != choice:
            raise ValueError(f"households of owner {owner!r} have different choices")

    participants = [by_key[key] for key in choices]
    groups = {ELECTORATE: _count(voters), PARTICIPATED: _count(participants)}
    for choice in CHOICES:
        groups[choice] = _count([voter for voter in participants if choices[voter.key] == choice])
    return decide(rule, groups)


def decide(rule: Rule, groups: Mapping[str, Count]) -> Outcome:
    """Decide `rule` from the counts of each group (electorate, participated, agree, disagree, abstain).

    This is what a tally computed by SQL aggregates calls; `evaluate` counts voters and calls it. It relies
    on one owner's households sharing one choice, so the heads not yet taking part are simply
    electorate heads − participating heads.
    """
    checks = []
    for condition in rule.conditions:
        value = _ratio(
            groups[condition.group].measure(condition.dimension), groups[condition.of].measure(condition.dimension)
        )
        checks.append(Check(condition, value, condition.holds(value)))
    passed = all(check.met for check in checks)

    electorate, participated, agree = groups[ELECTORATE], groups[PARTICIPATED], groups[AGREE]
    return Outcome(
        rule=rule,
        passed=passed,
        electorate=electorate,
        participated=participated,
        agree=agree,
        disagree=groups[DISAGREE],
        abstain=groups[ABSTAIN],
        participation_area=_ratio(participated.measure(AREA), electorate.measure(AREA)),
        participation_heads=_ratio(participated.measure(HEADS), electorate.measure(HEADS)),
        approval_area=_ratio(agree.measure(AREA), participated.measure(AREA)),
        approval_heads=_ratio(agree.measure(HEADS), participated.measure(HEADS)),
        checks=tuple(checks),
        needed=_needed(rule, groups, passed),
    )


# The groups that new agreement joins.
_GROWS = frozenset({AGREE, PARTICIPATED})
# New agreement comes in whole households and heads; area in hundredths of a m² (areas are registered to 0.01 m²).
_STEP = {HOUSEHOLDS: Fraction(1), HEADS: Fraction(1), AREA: Fraction(1, 100)}


def _needed(rule: Rule, groups: Mapping[str, Count], passed: bool) -> Needed:
    if passed:
        return Needed(households=0, heads=0, area=Decimal("0.00"))
    electorate, participated = groups[ELECTORATE], groups[PARTICIPATED]
    result = {
        dimension: _least_agreement(
            [condition for condition in rule.conditions if condition.dimension == dimension],
            groups,
            step=_STEP[dimension],
            available=electorate.measure(dimension) - participated.measure(dimension),
        )
        for dimension in (HOUSEHOLDS, HEADS, AREA)
    }
    households, heads, area = result[HOUSEHOLDS], result[HEADS], result[AREA]
    return Needed(
        households=None if households is None else int(households),
        heads=None if heads is None else int(heads),
        area=None if area is None else _round_up_area(area),
    )


def _least_agreement(
    conditions: Sequence[Condition], groups: Mapping[str, Count], *, step: Fraction, available: Fraction
) -> Fraction | None:
    """The least x, a multiple of `step` with 0 ≤ x ≤ `available`, of new agreement (from households not yet taking
    part) that meets every one of `conditions` (all in one dimension); None when no such x exists.

    New agreement adds x to `agree` and `participated` and leaves the other groups as they are, so for x > 0 a
    condition reads (n + a·x) op r·(d + b·x) with a, b ∈ {0, 1} and a positive denominator: a linear inequality
    s·x op g with s = a − r·b and g = r·d − n, whose solutions are a half-line (or everything, or nothing). Their
    intersection is one interval, and its least multiple of `step` is the answer. x = 0 is checked as it is: a
    ratio over nobody counts as 0, which is why nobody having voted yet is not the same as x → 0.
    """
    if all(_meets(condition, groups, Fraction(0)) for condition in conditions):
        return Fraction(0)
    lowest, highest = 1, math.floor(available / step)  # in steps; x > 0 from here on
    for condition in conditions:
        n = groups[condition.group].measure(condition.dimension)
        d = groups[condition.of].measure(condition.dimension)
        a, b = int(condition.group in _GROWS), int(condition.of in _GROWS)
        if not b and not d:
            # Measured against nothing, whatever joins: the ratio stays 0.
            if not condition.holds(Fraction(0)):
                return None
            continue
        s, g = a - condition.ratio * b, condition.ratio * d - n
        if s == 0:
            # 0 op g, whatever x is.
            if not _compare(Fraction(0), condition.op, g):
                return None
            continue
        strict = condition.op == MORE_THAN
        bound = g / s / step  # in steps
        if (condition.op == AT_MOST) == (s < 0):
            # x ≥ bound (or x > bound).
            lowest = max(lowest, math.floor(bound) + 1 if strict else math.ceil(bound))
        else:
            # x ≤ bound (or x < bound).
            highest = min(highest, math.ceil(bound) - 1 if strict else math.floor(bound))
    return lowest * step if lowest <= highest else None


def _meets(condition: Condition, groups: Mapping[str, Count], x: Fraction) -> bool:
    """Does `condition` hold once x more (in its dimension) agree?"""
    n = groups[condition.group].measure(condition.dimension) + (x if condition.group in _GROWS else 0)
    d = groups[condition.of].measure(condition.dimension) + (x if condition.of in _GROWS else 0)
    return condition.holds(_ratio(n, d))


def _round_up_area(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_CEILING)


# --- Elections: several seats, each household agreeing with up to that many candidates --------------------------


class Keys(tuple):
    """Keys in order (candidates, households): a tuple that also equals a list of the same keys, so callers may
    compare it with whichever sequence they hold."""

    __slots__ = ()

    def __eq__(self, other):
        if isinstance(other, list):
            return tuple(self) == tuple(other)
        return tuple.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    __hash__ = tuple.__hash__


@dataclass(frozen=True)
class Election:
    """The result of `elect`.

    `results`: each candidate's Outcome (in ballot order), the rule evaluated as if every household taking part
    answered agree for that candidate if it approved them and disagree otherwise. A candidate *qualifies* when its
    Outcome passed. `ranking`: the qualified candidates, by agreeing heads, then agreeing area (both descending),
    equal ones in ballot order; it is exactly `elected` + `tied` + `alternates`.

    `elected`: the first `seats` of `ranking` — unless the candidate on the last seat and the first one left out
    are equal in agreeing heads and area: then every qualified candidate with those same figures is in `tied` (in
    ballot order, for a run-off) and none of them is elected; `elected` holds only those ranked strictly above
    them, and `open_seats` says how many seats the run-off fills. Equal figures anywhere else (above the last
    seat, or among those left out) change nothing: only ballot order then orders `ranking`.

    `alternates` (候补): every qualified candidate that is neither elected nor tied, in rank order — with a tie, those
    ranked strictly below the tied ones; with no more qualified candidates than seats, none (every qualified one is
    elected, and `open_seats` stay vacant). The caller keeps as many as the meeting provides for; a tied candidate
    who loses the run-off is not listed here (the run-off decides).

    `invalid`: the keys of the households (in electorate order) that agreed with more than `seats` candidates; they
    took part and agreed with no one.
    """

    seats: int
    results: Mapping[str, Outcome]
    ranking: tuple[str, ...]
    elected: tuple[str, ...]
    alternates: tuple[str, ...]
    tied: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def qualified(self) -> tuple[str, ...]:
        """The candidates whose Outcome passed, in ballot order."""
        return tuple(candidate for candidate, outcome in self.results.items() if outcome.passed)

    @property
    def open_seats(self) -> int:
        """Seats nobody won: filled by a run-off among `tied`, or vacant when too few qualified."""
        return self.seats - len(self.elected)


def elect(
    rule: Rule,
    voters: Sequence[Voter],
    approvals: Mapping[str, Collection[str]],
    candidates: Sequence[str],
    seats: int,
) -> Election:
    """Decide an election of `seats` among `candidates` (keys, in ballot order) under `rule` (see Election).

    `voters` is the electorate as for `evaluate`; `approvals` maps each household that took part to the candidates it
    agrees with (read as a set; an empty one: took part, agreed with no one); a household not in it did not take
    part. ValueError when a key in `approvals` or in an approval is unknown, when households of one owner carry
    different approvals, when `seats` < 1 or a candidate is listed twice.
    """
    _check_seats(candidates, seats)
    by_key = {voter.key: voter for voter in voters}
    if len(by_key) != len(voters):
        raise ValueError("two voters share a key")
    known = set(candidates)
    approved: dict[str, frozenset[str]] = {}
    owner_approval: dict[str, frozenset[str]] = {}
    for key, chosen in approvals.items():
        if key not in by_key:
            raise ValueError(f"{key!r} is not in the electorate")
        if isinstance(chosen, str):
            raise ValueError(f"the approvals of {key!r} must be a collection of candidate keys, not one string")
        chosen = frozenset(chosen)
        if unknown := chosen - known:
            raise ValueError(f"{key!r} approves {sorted(unknown)!r}, who are not candidates")
        owner = by_key[key].owner
        if owner_approval.setdefault(owner, chosen) != chosen:
            raise ValueError(f"households of owner {owner!r} have different approvals")
        approved[key] = chosen
    invalid = tuple(voter.key for voter in voters if len(approved.get(voter.key, ())) > seats)
    for key in invalid:
        approved[key] = frozenset()

    # The same `evaluate` as a single matter: one implementation of the thresholds.
    results = {
        candidate: evaluate(
            rule, voters, {key: AGREE if candidate in chosen else DISAGREE for key, chosen in approved.items()}
        )
        for candidate in candidates
    }

    return _ranked(results, seats, invalid)


def _check_seats(candidates: Sequence[str], seats: int) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError(f"an election needs at least one seat, not {seats!r}")
    if len(set(candidates)) != len(candidates):
        raise ValueError("a candidate is listed twice")


def _ranked(results: Mapping[str, Outcome], seats: int, invalid: tuple[str, ...]) -> Election:
    """The Election of each candidate's Outcome (`results`, in ballot order): the ranking rules of `elect`."""
    candidates = list(results)

    def figures(candidate: str) -> tuple[int, Decimal]:
        return results[candidate].agree.heads, results[candidate].agree.area

    # sorted is stable: equal figures stay in ballot order.
    ranking = tuple(sorted((c for c in candidates if results[c].passed), key=figures, reverse=True))
    elected, alternates, tied = ranking[:seats], ranking[seats:], ()
    if len(ranking) > seats and figures(ranking[seats - 1]) == figures(ranking[seats]):
        boundary = figures(ranking[seats])
        tied = tuple(c for c in candidates if c in ranking and figures(c) == boundary)
        elected = tuple(c for c in ranking if figures(c) > boundary)
        alternates = tuple(c for c in ranking if figures(c) < boundary)
    return Election(
        seats=seats,
        results=results,
        ranking=Keys(ranking),
        elected=Keys(elected),
        alternates=Keys(alternates),
        tied=Keys(tied),
        invalid=Keys(invalid),
    )


def elect_counts(
    rule: Rule,
    electorate: Count,
    participated: Count,
    agree: Mapping[str, Count],
    candidates: Sequence[str],
    seats: int,
) -> Election:
    """Decide an election from counts, as a tally computed by SQL aggregates has them: `electorate`, those who took
    part in the election (`participated`, invalid ballots included) and, per candidate, those agreeing with them
    (`agree`; a candidate missing from it: nobody). The same Election as `elect` gives for ballots with these counts —
    each candidate decided by `decide` with disagree = participated − agree (nobody abstains on a candidate), ranked
    by the same rules — except `invalid`, which counts cannot name (always empty).

    ValueError as `elect` for the seats and the candidates, and when an agreement is not a candidate's or exceeds
    those taking part (one owner's households carry one ballot, so agreeing heads are part of participating heads).
    """
    _check_seats(candidates, seats)
    if unknown := set(agree) - set(candidates):
        raise ValueError(f"agreement counted for {sorted(unknown)!r}, who are not candidates")
    nobody = Count(0, 0, Decimal("0"))
    results = {}
    for candidate in candidates:
        agreeing = agree.get(candidate, nobody)
        if (
            agreeing.households > participated.households
            or agreeing.heads > participated.heads
            or agreeing.area > participated.area
        ):
            raise ValueError(f"more agree with {candidate!r} than took part")
        disagreeing = Count(
            participated.households - agreeing.households,
            participated.heads - agreeing.heads,
            participated.area - agreeing.area,
        )
        groups = {
            ELECTORATE: electorate,
            PARTICIPATED: participated,
            AGREE: agreeing,
            DISAGREE: disagreeing,
            ABSTAIN: nobody,
        }
        results[candidate] = decide(rule, groups)
    return _ranked(results, seats, ())
