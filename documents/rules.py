"""Who may print what (django-rules). Join slips use community.manage_join_codes, the register annex
voting.view_register; walk sheets go to the committee and to the proposal's assigned canvassers."""

import rules

from consult import rules as consult_rules
from proposals import rules as proposal_rules

# consult.manage_canvassing or consult.canvass, as one permission for the view to check.
rules.add_perm("documents.print_walk_sheet", proposal_rules.is_committee | consult_rules.is_assigned_canvasser)
