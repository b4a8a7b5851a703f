"""A meeting's live tally: after a whole ballot commits (or the meeting closes), the meeting's watchers are told it
changed, and each server with watchers pushes the whole meeting tally (meetings.tally) to them.

The same design as voting.live: the committing request sends one small "changed" message to the group
f"meeting-{id}"; each server process coalesces those per meeting (MeetingHub, a voting.live.TallyHub: its watchers,
coalescing and resync) and pushes one JSON per change burst to every socket of the meeting.
"""

import json

from meetings.tally import meeting_markers, meeting_tally_marked
from voting.live import TallyHub, announce


def group_name(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def meeting_changed(meeting_id: int) -> None:
    """Tell watchers' servers the meeting's tally changed. Never raises: the ballot is stored whether or not."""
    announce(
        group_name(meeting_id),
        {"type": "meeting.changed", "meeting": meeting_id},
        failure="Live meeting push failed; ballots are still stored, watchers catch up on reconnect",
    )


def load_meeting_tally(meeting_id: int) -> tuple[str, tuple]:
    """The meeting tally's JSON text and the marker (version, state) it was read at. Two queries at most."""
    data, marker = meeting_tally_marked(meeting_id)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")), marker


class MeetingHub(TallyHub):
    """TallyHub keyed by meeting: one subscription per server to each watched meeting's group."""

    key_field = "meeting"

    def groups(self, meeting_id: int) -> tuple[str, ...]:
        return (group_name(meeting_id),)

    def load(self, meeting_id: int) -> tuple[str, tuple]:
        return load_meeting_tally(meeting_id)

    def markers(self, meeting_ids: list[int]) -> dict[int, tuple]:
        return meeting_markers(meeting_ids)


hub = MeetingHub()
