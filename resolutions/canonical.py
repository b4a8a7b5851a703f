"""The resolution's canonical form: deterministic JSON of a vote's result and its SHA-256 fingerprint. No Django.

A proposal's resolution (FORMAT) and an owners' meeting's (MEETING_FORMAT: its matters, each as a proposal's
resolution says it, and its elections) are built from the same sections below, from the decision engine's results.
The same result always gives the same bytes: keys sorted, no whitespace, UTF-8, money and areas as strings with
two places, ratios as exact "n/d", times as ISO 8601 in UTC. Floats are refused: a float near a decision is a bug.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from voting import engine

# Bumped when the shape of the content changes, so that an old resolution is still read with the old shape.
FORMAT = "gongyi.resolution/1"
MEETING_FORMAT = "gongyi.meeting-resolution/1"
FINGERPRINT_RE = re.compile(r"^[0-9a-f]{64}$")
_CENT = Decimal("0.01")


def _plain(value: Any) -> Any:
    """`value` with every Decimal, Fraction and datetime turned into its canonical string (recursively)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        raise TypeError("floats have no place in a resolution: use Decimal or Fraction")
    if isinstance(value, Decimal):
        return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be put in UTC")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("keys of the content must be strings")
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot be put in a resolution")


def canonical(content: dict) -> str:
    """The canonical JSON text of `content` (see the module docstring)."""
    return json.dumps(_plain(content), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def fingerprint(text: str) -> str:
    """SHA-256 of the canonical text's UTF-8 bytes, as 64 lowercase hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_meeting(content: dict) -> bool:
    """Whether `content` is a meeting's resolution (else a proposal's)."""
    return content.get("format") == MEETING_FORMAT


# --- Sections shared by a proposal's and a meeting's content ---------------------------------------------------


def rule_section(rule: engine.Rule) -> dict:
    """The decision rule as declared in the engine: its code, basis and conditions."""
    return {
        "code": rule.code,
        "basis": rule.basis,
        "conditions": [
            {"group": c.group, "of": c.of, "dimension": c.dimension, "op": c.op, "ratio": c.ratio}
            for c in rule.conditions
        ],
    }


def count_section(count: engine.Count) -> dict:
    return {"households": count.households, "heads": count.heads, "area": count.area}


def outcome_section(outcome: engine.Outcome, *, passed: bool | None = None) -> dict:
    """An engine Outcome as the resolution prints it: the counts, each condition's check, whether it passed
    (`passed` overrides the outcome's when the recorded decision is the one to print)."""
    return {
        "participated": count_section(outcome.participated),
        "agree": count_section(outcome.agree),
        "disagree": count_section(outcome.disagree),
        "abstain": count_section(outcome.abstain),
        "checks": [
            {
                "group": check.condition.group,
                "of": check.condition.of,
                "dimension": check.condition.dimension,
                "op": check.condition.op,
                "threshold": check.condition.ratio,
                "value": check.value,
                "met": check.met,
            }
            for check in outcome.checks
        ],
        "passed": outcome.passed if passed is None else passed,
    }


def election_section(result: engine.Election, *, candidates: dict[str, dict], alternates: int) -> dict:
    """An election's result (engine.elect) as the resolution prints it. `candidates`: the engine's candidate key →
    what is printed of the candidate (name, flat…), in ballot order; the result lists candidates by name. Up to
    `alternates` alternates (候补) are kept, in rank order; tied candidates (for a run-off) in ballot order."""
    if list(candidates) != list(result.results):
        raise ValueError("the candidates are not the election's, in ballot order")

    def names(keys) -> list[str]:
        return [candidates[key]["name"] for key in keys]

    kept = result.alternates[:alternates]
    standing = {key: "elected" for key in result.elected} | {key: "tied" for key in result.tied}
    standing |= {key: "alternate" for key in kept}
    return {
        "seats": result.seats,
        "alternates_provided": alternates,
        "candidates": [
            {
                **candidates[key],
                "tally": outcome_section(outcome),
                "qualified": outcome.passed,
                "rank": result.ranking.index(key) + 1 if key in result.ranking else None,
                "standing": standing.get(key, ""),
            }
            for key, outcome in result.results.items()
        ],
        "elected": names(result.elected),
        "alternates": names(kept),
        "tied": names(result.tied),
        "open_seats": result.open_seats,
        "invalid": len(result.invalid),
    }


def load(text: str) -> dict:
    return json.loads(text)


def is_fingerprint(text: str) -> bool:
    return bool(FINGERPRINT_RE.match(text or ""))


def ratio(text: str) -> Fraction:
    """ "2/3" → Fraction(2, 3)."""
    numerator, _, denominator = text.partition("/")
    return Fraction(int(numerator), int(denominator or 1))


def percent(value: Fraction | str, places: int = 2) -> str:
    """A ratio as a percentage with `places` decimals, rounded half up from exact arithmetic: "2/3" → "66.67"."""
    value = ratio(value) if isinstance(value, str) else value
    exact = Decimal(value.numerator) * 100 / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def differences(stored: Any, current: Any, path: str = "") -> list[str]:
    """The paths ("tally.agree.area", "costs.shares") where two contents differ, in a stable order.

    Lists and scalars are compared whole; so is the share table (label → amount): one line says it changed, without
    labels or amounts, so that the answer can be shown on a public page.
    """
    if isinstance(stored, dict) and isinstance(current, dict) and path.rpartition(".")[2] != "shares":
        found: list[str] = []
        for key in sorted(stored.keys() | current.keys()):
            where = f"{path}.{key}" if path else key
            if key not in stored or key not in current:
                found.append(where)
            else:
                found.extend(differences(stored[key], current[key], where))
        return found
    return [] if stored == current else [path or "(all)"]
