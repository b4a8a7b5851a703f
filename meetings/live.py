"""A meeting's live tally: after a whole ballot commits, the meeting's watchers are told it changed."""

from voting.live import announce


def group_name(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def meeting_changed(meeting_id: int) -> None:
    """Tell watchers' servers the meeting's tally changed. Never raises: the ballot is stored whether or not."""
    announce(
        group_name(meeting_id),
        {"type": "meeting.changed", "meeting": meeting_id},
        failure="Live meeting push failed; ballots are still stored, watchers catch up on reconnect",
    )
