"""With the channel layer (Redis) down, ballots are still stored and the failure is logged once."""

import logging

import pytest

import voting.live
from voting.models import Ballot, Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_down(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    voting.live._last_failure_log = 0.0


def test_ballots_are_stored_while_redis_is_down_and_logged_once(redis_down, proposal, stairwell, residents, caplog):
    with caplog.at_level(logging.ERROR, logger="gongyi.live"):
        for household, user in zip(stairwell[:5], residents[:5], strict=True):
            ballot_cast(proposal=proposal, household=household, choice="agree", channel=Channel.ONLINE, by=user)
    assert Ballot.objects.filter(proposal=proposal).count() == 5
    assert len([r for r in caplog.records if r.name == "gongyi.live"]) == 1
