"""The resolution's canonical form: deterministic JSON of a vote's result and its SHA-256 fingerprint. No Django.

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

# Bumped when the shape of the content changes, so that an old resolution is still read with the old shape.
FORMAT = "gongyi.resolution/1"
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
