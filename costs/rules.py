"""Who may do what with cost plans and bills (perms named costs.*). Loaded by rules' autodiscovery.

Plan, table and payment perms take the proposal; costs.sign_up takes the household; the payment instructions
perms take the community.
Whether a household is in scope, and whether sign-up is open, is the service's check (it needs both objects).
"""

import rules

from community import rules as community_rules
from community.rules import is_bound_to_household
from proposals import rules as proposal_rules
from proposals.rules import is_staff as staff

rules.add_perm("costs.manage_plan", proposal_rules.is_committee)
rules.add_perm("costs.view_table", staff)
rules.add_perm("costs.record_payment", staff)
# Forgiving a household's bill, and sharing forgiven bills among the others, are the committee's decisions.
rules.add_perm("costs.waive_bill", proposal_rules.is_committee)
rules.add_perm("costs.sign_up", is_bound_to_household)
# How households pay (account, office hours, QR code): the committee writes it once per community; every household
# of the community and its committee and secretary read it.
rules.add_perm("costs.manage_payment_info", community_rules.is_committee)
rules.add_perm("costs.view_payment_info", community_rules.is_household_member | community_rules.is_staff_role)
