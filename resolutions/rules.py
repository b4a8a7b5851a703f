"""Who may sign a resolution and publish the result notices: the owners' committee of the proposal's community.
Reading the resolution and the notices is proposals.view_proposal (households read the published result)."""

import rules

from proposals import rules as proposal_rules

rules.add_perm("resolutions.sign_resolution", proposal_rules.is_committee)
rules.add_perm("resolutions.publish_result_notice", proposal_rules.is_committee)
