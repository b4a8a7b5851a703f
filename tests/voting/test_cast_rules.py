"""`voting.cast_for_head` as a matrix: who an account is to a flat × how many flats its head has in the vote."""

import pytest
from django.contrib.auth.models import AnonymousUser

from community.selectors import DEVELOPER_HEAD
from voting.rules import Seat, cast_refusal, casts_for_head


class Someone:
    pk, is_authenticated = 7, True


def seat(*, head="owner-1", flats=1, relation="", owns_head=False, designated=False, user_id=7) -> Seat:
    return Seat(user_id, 1, head, flats, relation, owns_head, designated)


@pytest.mark.parametrize(
    ("who", "flats", "casts"),
    [
        (seat(relation="owner", owns_head=True), 1, True),
        (seat(relation="owner", owns_head=True), 3, True),
        (seat(owns_head=True), 3, True),  # verified as the owner through another of the owner's flats
        (seat(relation="member"), 1, True),  # the owner holds this flat only
        (seat(relation="member"), 2, False),  # the owner holds another flat: the owner's ballot
        (seat(), 1, False),  # not bound at all
        (seat(head=DEVELOPER_HEAD, relation="member"), 1, False),
        (seat(head=DEVELOPER_HEAD, relation="owner", owns_head=True), 5, False),  # only the designated account
        (seat(head=DEVELOPER_HEAD, designated=True), 5, True),
        (seat(designated=True), 1, False),  # the developer's account has no say over a person's flat
    ],
)
def test_who_casts_a_heads_ballot(who, flats, casts):
    who = Seat(**{**who.__dict__, "flats": flats})
    assert casts_for_head(Someone(), who) is casts
    assert (cast_refusal(who) == "") is casts


def test_a_seat_read_for_someone_else_or_no_seat_casts_nothing():
    assert not casts_for_head(Someone(), seat(relation="owner", owns_head=True, user_id=8))
    assert not casts_for_head(Someone(), None)
    assert not casts_for_head(AnonymousUser(), seat(relation="owner", owns_head=True))
