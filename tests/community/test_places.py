"""The places a form offers (a building, or one of its entrances) and what a chosen value names: one reader for the
reports' form and the text messages' form."""

import pytest

from community.selectors import place_choices, place_ids
from tests.factories import build_community


@pytest.mark.parametrize(
    "value, ids",
    [
        ("b12", (12, None)),
        ("e7", (None, 7)),
        ("", (None, None)),
        ("b", (None, None)),
        ("x12", (None, None)),
        ("b-1", (None, None)),
        ("e1.5", (None, None)),
        ("b" + "9" * 30, (None, None)),  # no id that large: nothing, not an overflow in the query
    ],
)
def test_place_ids(value, ids):
    assert place_ids(value) == ids


def test_place_choices_are_each_building_then_its_entrances_in_one_query(db, django_assert_num_queries):
    community = build_community(buildings=2, entrances=2, floors=1, rooms_per_floor=1, slug="places")
    with django_assert_num_queries(1):
        groups = place_choices(community, whole_building="%(building)s 整栋")
    assert [label for label, _options in groups] == ["1号楼", "2号楼"]
    _label, options = groups[0]
    assert options[0][1] == "1号楼 整栋" and options[0][0].startswith("b")
    assert [text for _value, text in options[1:]] == ["1号楼1单元", "1号楼2单元"]
    assert all(place_ids(value) != (None, None) for _label, group in groups for value, _text in group)
