"""Who may open the pages that compose several apps. Predicates take (user, community)."""

import rules

from proposals.rules import is_staff

# The dashboard shows drafts, participation and unpaid bills: the committee's and its secretary's page.
rules.add_perm("pages.view_dashboard", is_staff)
