"""Who may do what with meetings: the committee and the secretary prepare them (like proposals); the households
of the community read a meeting once its notice is published. Predicates take (user, meeting) or (user, community).
"""

import rules

from meetings.models import MeetingState
from proposals.rules import belongs_to_community, is_staff


@rules.predicate
def is_published(user, meeting) -> bool:
    return meeting.state != MeetingState.DRAFT


rules.add_perm("meetings.add_meeting", is_staff)
rules.add_perm("meetings.manage_meeting", is_staff)
rules.add_perm("meetings.view_meeting", is_staff | (belongs_to_community & is_published))
# Paper and proxy ballots of a meeting are entered by whoever enters them for a proposal (voting.record_paper): the
# same predicate, on the meeting's community.
rules.add_perm("meetings.record_paper", is_staff)
