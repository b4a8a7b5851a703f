"""The household search box parser: pure, no database."""

import pytest

from community.search import HouseholdQuery, parse_household_query, phone_lookup


@pytest.mark.parametrize(
    "text",
    [
        "3-5-502",
        "3号楼5单元502",
        "3栋5单元502室",
        "3幢5单元502",
        "3号5单元502号",
        "3/5/502",
        "3 5 502",
        "  3 - 5 - 502  ",
        "３－５－５０２",  # full-width, as Chinese input methods type it
        "3号楼 5单元 502室",
        "3\\5\\502",
    ],
)
def test_building_entrance_room(text):
    assert parse_household_query(text) == HouseholdQuery(building="3", entrance="5", room="502")


@pytest.mark.parametrize("text", ["3-5", "3号楼5单元", "3栋5单元", "3/5", "3 5"])
def test_whole_entrance(text):
    assert parse_household_query(text) == HouseholdQuery(building="3", entrance="5")


@pytest.mark.parametrize("text", ["3", "3号楼", "3栋", "3幢"])
def test_whole_building(text):
    assert parse_household_query(text) == HouseholdQuery(building="3")


def test_labelled_parts_may_be_left_out():
    assert parse_household_query("5单元502") == HouseholdQuery(entrance="5", room="502")
    assert parse_household_query("3号楼502室") == HouseholdQuery(building="3", room="502")
    assert parse_household_query("502室") == HouseholdQuery(room="502")


def test_lettered_buildings_and_rooms():
    assert parse_household_query("A座2单元1502") == HouseholdQuery(building="A", entrance="2", room="1502")
    assert parse_household_query("B-1-302A") == HouseholdQuery(building="B", entrance="1", room="302A")


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("5678", "5678"),
        ("1381234", "1381234"),
        ("138 1234", "1381234"),
    ],
)
def test_phone_digits(text, digits):
    assert parse_household_query(text) == HouseholdQuery(phone_digits=digits)


@pytest.mark.parametrize(
    ("text", "name"), [("张伟", "张伟"), ("张", "张"), ("合肥山水", "合肥山水"), ("Li  Wei", "Li Wei")]
)
def test_names(text, name):
    query = parse_household_query(text)
    assert query == HouseholdQuery(name=name)
    assert not query.is_location


def test_empty():
    assert parse_household_query("   ").is_empty
    assert parse_household_query("").is_empty
    assert not parse_household_query("3").is_empty


def test_three_parts_at_most():
    # Four numbers are not a flat: read them as an owner search (which will find nobody), not as a guess.
    assert not parse_household_query("3-5-5-502").is_location


def test_phone_lookup_full_viewer_searches_any_fragment():
    assert phone_lookup("381234", full_phones=True) == "contains"


def test_phone_lookup_masked_viewer_only_what_the_mask_shows():
    assert phone_lookup("5678", full_phones=False) == "endswith"
    assert phone_lookup("13812345678", full_phones=False) == "exact"
    # A middle fragment would let someone spell out a hidden number digit by digit.
    assert phone_lookup("1381234", full_phones=False) is None
    assert phone_lookup("12345", full_phones=False) is None
    assert phone_lookup("", full_phones=True) is None


def test_lettered_building_code_as_written_by_household_code():
    query = parse_household_query("A座-1-101")
    assert (query.building, query.entrance, query.room, query.name) == ("A", "1", "101", "")
