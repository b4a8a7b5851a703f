"""The ballot log's hash chain, without Django: each entry's hash covers its content and the previous hash."""

import hashlib
import json
from datetime import UTC, datetime


def event_hash(
    *,
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
) -> str:
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
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
