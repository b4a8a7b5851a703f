"""The splitting engine: the worked examples, exact sums at scale, every refusal, and properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from costs.engine import Part, floors_ridden, split


def elevator_parts() -> list[Part]:
    return [Part(key=f"{f}0{r}", area=Decimal("90.00"), floor=f) for f in range(1, 7) for r in (1, 2)]


def test_worked_example_elevator_floors_ridden():
    # C = 500,000, S = 200,000: 300,000 shared by floors ridden over 6 floors × 2 households.
    shares = split(Decimal("300000.00"), elevator_parts(), "floor")
    by_floor = {f: shares[f"{f}01"] for f in range(1, 7)}
    assert by_floor == {
        1: Decimal("0.00"),
        2: Decimal("10000.00"),
        3: Decimal("20000.00"),
        4: Decimal("30000.00"),
        5: Decimal("40000.00"),
        6: Decimal("50000.00"),
    }
    assert shares["601"] == shares["602"]
    assert sum(shares.values()) == Decimal("300000.00")


def test_floor_area_with_coefficients():
    coefficients = {
        1: Decimal(0),
        2: Decimal(0),
        3: Decimal("0.7"),
        4: Decimal("0.8"),
        5: Decimal("0.9"),
        6: Decimal(1),
    }
    parts = [Part(key=f"{f}01", area=Decimal("100.00") if f % 2 else Decimal("80.00"), floor=f) for f in range(1, 7)]
    shares = split(Decimal("10000.00"), parts, "floor_area", coefficients)
    # Weights: floor 3: 70, 4: 64, 5: 90, 6: 80 → total 304.
    assert shares["101"] == shares["201"] == Decimal("0.00")
    assert sum(shares.values()) == Decimal("10000.00")
    assert abs(shares["301"] - Decimal(10000 * 70) / 304) < Decimal("0.01")
    assert abs(shares["501"] - Decimal(10000 * 90) / 304) < Decimal("0.01")


def test_missing_floor_in_coefficients_counts_zero():
    parts = [Part("a", Decimal("50"), 1), Part("b", Decimal("50"), 9)]
    assert split(Decimal("10.00"), parts, "floor_area", {1: Decimal(1)}) == {
        "a": Decimal("10.00"),
        "b": Decimal("0.00"),
    }


def test_equal_split_hands_the_odd_fen_to_the_earliest():
    parts = [Part(k, Decimal("1"), 1) for k in "abc"]
    assert list(split(Decimal("100.00"), parts, "equal").items()) == [
        ("a", Decimal("33.34")),
        ("b", Decimal("33.33")),
        ("c", Decimal("33.33")),
    ]


def test_area_and_weight():
    parts = [Part("a", Decimal("60.00"), 1, Decimal(2)), Part("b", Decimal("120.00"), 2, Decimal(1))]
    assert split(Decimal("90.00"), parts, "area") == {"a": Decimal("30.00"), "b": Decimal("60.00")}
    assert split(Decimal("90.00"), parts, "weight") == {"a": Decimal("60.00"), "b": Decimal("30.00")}


def test_thirty_thousand_parts_add_up_exactly():
    parts = [Part(f"h{i}", Decimal(60 + i % 97) + Decimal("0.37"), 1 + i % 33) for i in range(30_000)]
    for method in ("equal", "area", "floor", "floor_area"):
        shares = split(Decimal("12345678.91"), parts, method)
        assert sum(shares.values()) == Decimal("12345678.91")
        assert list(shares) == [p.key for p in parts]


def test_result_keeps_order_and_two_places():
    parts = [Part(k, Decimal("1"), 1) for k in "zyx"]
    shares = split(Decimal("1.00"), parts, "equal")
    assert list(shares) == ["z", "y", "x"]
    assert all(v.as_tuple().exponent == -2 for v in shares.values())


@pytest.mark.parametrize(
    ("amount", "parts", "method", "coefficients"),
    [
        (Decimal("-1.00"), [Part("a", Decimal(1), 1)], "equal", None),
        (Decimal("1.001"), [Part("a", Decimal(1), 1)], "equal", None),
        (Decimal("1.00"), [Part("a", Decimal(1), 1)], "by_height", None),
        (Decimal("1.00"), [], "equal", None),
        (Decimal("1.00"), [Part("a", Decimal(1), 1), Part("a", Decimal(2), 2)], "equal", None),
        (Decimal("1.00"), [Part("a", Decimal(-1), 1)], "area", None),
        (Decimal("1.00"), [Part("a", Decimal(1), 1, Decimal(-1))], "weight", None),
        (Decimal("1.00"), [Part("a", Decimal(1), 1)], "floor", {1: Decimal(-1)}),
        (Decimal("1.00"), [Part("a", Decimal(1), 1)], "floor", None),  # ground floor only: total weight 0
        (Decimal("1.00"), [Part("a", Decimal(0), 1)], "area", None),
    ],
)
def test_refusals(amount, parts, method, coefficients):
    with pytest.raises(ValueError):
        split(amount, parts, method, coefficients)


def test_zero_amount_with_zero_weight_is_fine():
    assert split(Decimal("0.00"), [Part("a", Decimal(0), 1)], "area") == {"a": Decimal("0.00")}


def test_floors_ridden_preset():
    assert floors_ridden([3, 1, 2]) == {1: Decimal(0), 2: Decimal(1), 3: Decimal(2)}


# --- Properties --------------------------------------------------------------------------------------------

parts_strategy = st.lists(
    st.builds(
        Part,
        key=st.text(alphabet="abcdefgh", min_size=1, max_size=4),
        area=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
        floor=st.integers(min_value=1, max_value=33),
        weight=st.decimals(min_value=Decimal("0"), max_value=Decimal("9"), places=0),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda p: p.key,
)
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=2)
methods = st.sampled_from(["equal", "area", "floor_area"])


@example(Decimal("0.00"), [Part("a", Decimal("1.00"), 1)], "floor_area")  # no weight and nothing to share
@given(amounts, parts_strategy, methods)
def test_properties_sum_nonnegative_within_a_fen_deterministic(amount, parts, method):
    try:
        shares = split(amount, parts, method)
    except ValueError:
        # floor_area with only ground floors: no weight at all.
        assert method == "floor_area" and all(p.floor == 1 for p in parts) and amount > 0
        return
    assert sum(shares.values()) == amount
    assert all(v >= 0 for v in shares.values())
    assert shares == split(amount, parts, method)
    if method == "equal":
        weights = [Fraction(1)] * len(parts)
    elif method == "area":
        weights = [Fraction(p.area) for p in parts]
    else:
        weights = [Fraction(p.area) * max(p.floor - 1, 0) for p in parts]
    total = sum(weights)
    if total == 0:  # nothing to share it by: only a zero amount gets here, and everybody pays nothing
        assert amount == 0 and set(shares.values()) == {Decimal("0.00")}
        return
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(amount) * weight / total
        assert abs(Fraction(shares[part.key]) - exact) < Fraction(1, 100)
