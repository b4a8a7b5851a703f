"""The ballot log's chain, without Django: each entry's MAC (HMAC-SHA256 under a key the server reads from its
environment, never stored in the database) covers its content and the previous entry's MAC; the chain starts from
the MAC of the frozen electorate, so an edited electorate breaks it too.

Someone who can write to the database but does not hold the key cannot change, insert or delete an entry, or alter
the electorate, and recompute MACs that verify. Truncating the log (erasing the last votes and moving the head back)
is caught against the head printed on paper (sequence number and MAC): see voting.audit.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal


def _mac(key: bytes, payload: list) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def event_mac(
    *,
    key: bytes,
    proposal_id: int,
    seq: int,
    household_id: int,
    old_choice: str,
    new_choice: str,
    channel: str,
    by_id: int,
    proxy_name: str,
    at: datetime,
    prev_hash: str,
    undoes: int | None = None,
) -> str:
    """The MAC of one log entry. `undoes` (the entry an undo reverses) is covered only when set, so the entries
    written before undos existed keep their MACs."""
    payload = [
        proposal_id,
        seq,
        household_id,
        old_choice,
        new_choice,
        channel,
        by_id,
        proxy_name,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        prev_hash,
    ]
    if undoes is not None:
        payload.append(["undoes", undoes])
    return _mac(key, payload)


def electorate_mac(
    *, key: bytes, proposal_id: int, electors: Iterable[tuple[int, str, Decimal]], kind: str = "electorate"
) -> str:
    """The chain's start: the MAC of the frozen electorate, every (household id, head, area), in household order.
    `kind` names the log it starts ("election" for an election's, with the election's id as `proposal_id`)."""
    digest = hmac.new(key, json.dumps([kind, proposal_id]).encode(), hashlib.sha256)
    for household_id, head, area in sorted(electors):
        digest.update(json.dumps([household_id, head, f"{Decimal(area):.2f}"], ensure_ascii=False).encode())
    return digest.hexdigest()


def approvals_text(candidate_ids: Iterable[int], *, invalid: bool = False) -> str:
    """An election ballot as its log writes it: the candidate ids agreed with, ascending and comma-separated ("" for
    none), or "!" for a ballot naming more candidates than seats."""
    return "!" if invalid else ",".join(str(each) for each in sorted(candidate_ids))


def election_event_mac(
    *,
    key: bytes,
    election_id: int,
    seq: int,
    household_id: int,
    old: str,
    new: str,
    channel: str,
    by_id: int,
    proxy_name: str,
    at: datetime,
    prev_hash: str,
) -> str:
    """The MAC of one entry of an election's ballot log (meetings.models.ElectionEvent), as event_mac for a
    proposal's."""
    payload = [
        "election",
        election_id,
        seq,
        household_id,
        old,
        new,
        channel,
        by_id,
        proxy_name,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        prev_hash,
    ]
    return _mac(key, payload)


def parse_head(text: str) -> tuple[int, str]:
    """(sequence number, MAC) of a chain head as printed on paper, "SEQ:MAC"; ValueError when it is not one."""
    seq, _, mac = (text or "").strip().partition(":")
    mac = mac.strip().lower()
    if (
        not seq.strip().isdigit()
        or len(seq.strip()) > 12
        or len(mac) != 64
        or any(c not in "0123456789abcdef" for c in mac)
    ):
        raise ValueError("a chain head is written SEQ:MAC, e.g. 42:3f…(64 hexadecimal digits)")
    return int(seq), mac
