"""Fixtures for the attack tests: the resolution's (a 12-household stairwell, a closed proposal with ballots), a zip
bomb built once per run, a time bound."""

import signal
from contextlib import contextmanager

import pytest

from tests.resolutions.conftest import (  # noqa: F401 - fixtures shared with the resolution tests
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
from tests.security.zipbomb import xlsx_bomb
from tests.voting.conftest import proposal  # noqa: F401 - fixture

ROSTER_HEADER = ["楼栋", "单元", "房号", "楼层", "建筑面积", "业主", "手机号", "证件号", "开发商持有"]
BALLOT_HEADER = ["房屋", "表决意见", "方式", "受托人"]


@pytest.fixture(scope="session")
def roster_bomb() -> bytes:
    """名册.xlsx: 1.5 MB that unpacks to 1 GiB (a roster header, then empty rows)."""
    return xlsx_bomb(ROSTER_HEADER)


@pytest.fixture(scope="session")
def ballot_bomb() -> bytes:
    """表决票.xlsx: the same bomb under a ballot sheet's header, which the unguarded reader would walk to the end."""
    return xlsx_bomb(BALLOT_HEADER)


class TookTooLong(BaseException):
    """Not an Exception: no `except Exception` on the way (openpyxl's, Django's) may swallow it."""


@contextmanager
def within(seconds: int):
    """Fail the test if the block runs longer: an unguarded reader would walk a gigabyte of rows for many minutes."""

    def expire(_signum, _frame):
        raise TookTooLong(f"still reading after {seconds} s: the file was not refused before it was unpacked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
