"""一事一议 cost splitting: share an amount among households exactly, to the fen. Pure Python, no Django.

Every share is rounded down to the fen; the fen left over go one each to the largest remainders, ties to
the earlier part in the given order — so the shares always add up to the amount exactly (DESIGN.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

FEN = Decimal("0.01")
METHODS = ("equal", "area", "weight", "floor", "floor_area")


@dataclass(frozen=True)
class Part:
    """One household taking part in the cost: its area (m²), floor, and a weight (e.g. its number of e-bikes)."""

    key: str
    area: Decimal
    floor: int
    weight: Decimal = Decimal(1)


def floors_ridden(floors: Sequence[int]) -> dict[int, Decimal]:
    """The elevator preset: a household on floor f rides f − 1 floors, so the ground floor pays nothing."""
    return {floor: Decimal(max(floor - 1, 0)) for floor in sorted(set(floors))}


def _exact(value: Decimal | int) -> Fraction:
    return Fraction(Decimal(value))


def _factors(parts: Sequence[Part], method: str, coefficients: Mapping[int, Decimal] | None) -> list[Fraction]:
    if method == "equal":
        return [Fraction(1)] * len(parts)
    if method == "area":
        return [_exact(part.area) for part in parts]
    if method == "weight":
        return [_exact(part.weight) for part in parts]
    if method in ("floor", "floor_area"):
        if coefficients is None:
            coefficients = floors_ridden([part.floor for part in parts])
        if any(Decimal(value) < 0 for value in coefficients.values()):
            raise ValueError("a floor coefficient is negative")
        by_floor = [_exact(coefficients.get(part.floor, Decimal(0))) for part in parts]
        if method == "floor":
            return by_floor
        return [k * _exact(part.area) for k, part in zip(by_floor, parts, strict=True)]
    raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


def split(
    amount: Decimal,
    parts: Sequence[Part],
    method: str,
    coefficients: Mapping[int, Decimal] | None = None,
) -> dict[str, Decimal]:
    """Each part's share of `amount` (yuan, 2 places) by `method`; the shares add up to `amount` exactly."""
    amount = Decimal(amount)
    if amount < 0:
        raise ValueError("the amount is negative")
    if amount != amount.quantize(FEN):
        raise ValueError("the amount has more than 2 decimal places")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if not parts:
        raise ValueError("there are no parts to share the amount")
    keys = [part.key for part in parts]
    if len(set(keys)) != len(keys):
        raise ValueError("two parts share a key")
    for part in parts:
        if Decimal(part.area) < 0 or Decimal(part.weight) < 0:
            raise ValueError(f"part {part.key!r} has a negative area or weight")

    factors = _factors(parts, method, coefficients)
    # Whole numbers from here on: scale every factor by the common denominator, then divmod in integers.
    scale = math.lcm(*{factor.denominator for factor in factors})
    weights = [factor.numerator * (scale // factor.denominator) for factor in factors]
    total = sum(weights)
    fen = int(amount / FEN)
    if total == 0:
        if fen:
            raise ValueError("the parts' total weight is zero, so a non-zero amount cannot be shared")
        return {key: Decimal("0.00") for key in keys}

    # Each exact share is fen·w/total = floor + remainder/total: round down, keep the remainders.
    floors, remainders = zip(*(divmod(fen * weight, total) for weight in weights), strict=True)
    floors = list(floors)
    leftover = fen - sum(floors)
    # Largest remainder first; equal remainders keep the given order (sorted is stable).
    by_remainder = sorted(range(len(parts)), key=remainders.__getitem__, reverse=True)
    for i in by_remainder[:leftover]:
        floors[i] += 1
    return {key: Decimal(share).scaleb(-2) for key, share in zip(keys, floors, strict=True)}
