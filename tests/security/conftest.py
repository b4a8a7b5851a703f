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

# The server's own key, as production reads it from its environment: not the development default an attacker with
# the code knows (tests/security/test_verification.py's GUESSED_KEY).
SERVER_CHAIN_KEY = "server-secret: 4c1f0d9e7a2b6c8e3f5a1d7b9c2e4f6a8b0d2c4e6f8a1b3c5d7e9f0a2b4c6d8"


@pytest.fixture(autouse=True)
def _server_chain_key(settings):
    settings.BALLOT_CHAIN_KEY = SERVER_CHAIN_KEY


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
