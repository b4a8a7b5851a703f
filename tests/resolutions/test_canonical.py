"""The canonical serialisation and the fingerprint, without the database: same input, same bytes; exact numbers."""

import hashlib
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from resolutions import canonical as resolution


def test_keys_are_sorted_without_whitespace_and_chinese_stays_chinese():
    text = resolution.canonical({"b": 1, "a": {"d": "业主", "c": [True, None]}})
    assert text == '{"a":{"c":[true,null],"d":"业主"},"b":1}'


def test_decimals_have_two_places_and_fractions_are_exact():
    text = resolution.canonical({"area": Decimal("1200"), "money": Decimal("833.335"), "ratio": Fraction(4, 6)})
    assert text == '{"area":"1200.00","money":"833.34","ratio":"2/3"}'


def test_times_are_utc():
    beijing = datetime(2024, 5, 1, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert resolution.canonical({"at": beijing}) == '{"at":"2024-05-01T00:30:00Z"}'


@pytest.mark.parametrize("bad", [{"x": 0.5}, {"x": datetime(2024, 5, 1)}, {1: "non-string key"}, {"x": object()}])
def test_what_has_no_canonical_form_is_refused(bad):
    with pytest.raises((TypeError, ValueError)):
        resolution.canonical(bad)


def test_the_same_content_built_in_another_order_gives_the_same_bytes_and_fingerprint():
    one = {"tally": {"agree": 9, "abstain": 1}, "electorate": Decimal("1200.00")}
    two = {"electorate": Decimal("1200.0"), "tally": {"abstain": 1, "agree": 9}}
    assert resolution.canonical(one) == resolution.canonical(two)
    text = resolution.canonical(one)
    assert resolution.fingerprint(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert resolution.is_fingerprint(resolution.fingerprint(text))


def test_any_change_changes_the_fingerprint():
    before = resolution.fingerprint(resolution.canonical({"agree": 9, "area": Decimal("900.00")}))
    after = resolution.fingerprint(resolution.canonical({"agree": 9, "area": Decimal("900.01")}))
    assert before != after


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2/3", "66.67"),
        (Fraction(3, 4), "75.00"),
        (Fraction(9, 11), "81.82"),
        (Fraction(1, 800), "0.13"),  # 0.125 rounds half up (a float or banker's rounding would give 0.12)
        (Fraction(0), "0.00"),
        ("1/1", "100.00"),
    ],
)
def test_percentages_round_half_up_from_exact_ratios(value, expected):
    assert resolution.percent(value) == expected


@pytest.mark.parametrize("text", ["", "abc", "A" * 64, "0" * 63, "g" * 64, "0" * 65])
def test_malformed_fingerprints_are_not_fingerprints(text):
    assert not resolution.is_fingerprint(text)


def test_differences_name_the_changed_paths_and_the_share_table_once():
    stored = {
        "tally": {"agree": {"households": 9}, "passed": True},
        "costs": {"shares": {"3-5-101": "100.00", "3-5-102": "100.00"}, "total": "200.00"},
        "proposal": {"title": "更换单元门"},
    }
    current = {
        "tally": {"agree": {"households": 8}, "passed": True},
        "costs": {"shares": {"3-5-101": "50.00", "3-5-102": "150.00"}, "total": "200.00"},
        "proposal": {"title": "更换单元门"},
    }
    assert resolution.differences(stored, current) == ["costs.shares", "tally.agree.households"]
    assert resolution.differences(stored, stored) == []
