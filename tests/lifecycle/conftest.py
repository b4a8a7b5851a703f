"""The lifecycle tests use the proposal tests' fixtures (a committee member, files kept out of media/)."""

from tests.proposals.conftest import committee  # noqa: F401 - shared fixture
