"""The security tests reuse the resolution's fixtures: a 12-household stairwell, a closed proposal with ballots."""

from tests.resolutions.conftest import (  # noqa: F401 - fixtures shared with the resolution tests
    _media,
    closed,
    committee_user,
    open_proposal,
    residents,
    scan,
    second_member,
    secretary_user,
    stairwell,
    voting,
)
