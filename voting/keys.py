"""The ballot chain's keys, from the settings (the environment): the one new entries are made under, and every key
an entry may verify under (the current one and those kept while rotating)."""

from django.conf import settings


def chain_key() -> bytes:
    return settings.BALLOT_CHAIN_KEY.encode()


def chain_keys() -> list[bytes]:
    return [chain_key(), *(key.encode() for key in settings.BALLOT_CHAIN_PREVIOUS_KEYS if key)]
