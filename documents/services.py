"""Writes behind the printed documents: join codes for the slips about to be printed."""

from django.db import transaction

from community.services import join_code_issue, join_codes_issue_missing
from documents.selectors import SlipScope, households_without_code


@transaction.atomic
def slip_codes_issue_missing(*, scope: SlipScope, by) -> int:
    """Give each household of `scope` without a usable join code a new one; returns how many were issued.

    A whole community goes through the bulk service; an entrance or a building (a few hundred households at most)
    through the one-household service, so that no code is made for a household whose slip is not being printed.
    """
    if scope.building_id is None and scope.entrance_id is None:
        return join_codes_issue_missing(community=scope.community, by=by)
    missing = list(households_without_code(scope))
    for household in missing:
        join_code_issue(household=household, by=by)
    return len(missing)
