"""The landing page: a welcome with two big buttons, or once logged in "my households" and my communities."""

from itertools import groupby

from django.shortcuts import render

from community.models import HouseholdBinding, Role
from pages.selectors import household_statuses, proposals_for_households

# The roles whose holders work on the committee pages (the community overview).
STAFF_ROLES = {Role.Kind.COMMITTEE, Role.Kind.SECRETARY}


def home(request):
    if not request.user.is_authenticated:
        return render(request, "pages/home.html", {})
    # A constant number of queries, however many households, roles and proposals the person has.
    bindings = list(
        HouseholdBinding.objects.filter(user=request.user)
        .select_related("household__entrance__building__community")
        .order_by(
            "household__entrance__building__community__name",
            "household__entrance__building__sort_key",
            "household__entrance__sort_key",
            "household__room_sort_key",
        )
    )
    roles = Role.objects.filter(user=request.user).select_related("community").order_by("community__name", "kind")
    role_groups = [
        {
            "community": community,
            "kinds": [role.get_kind_display() for role in group_roles],
            "staff": any(role.kind in STAFF_ROLES for role in group_roles),
        }
        for community, group in groupby(roles, key=lambda role: role.community)
        for group_roles in [list(group)]
    ]
    proposals = proposals_for_households([binding.household_id for binding in bindings]) if bindings else []
    # Each card says where the household stands: voted or not, the deadline, its share (two queries in all).
    statuses = household_statuses(proposals, bindings)
    for proposal in proposals:
        proposal.my_statuses = statuses.get(proposal.pk, [])
        proposal.voting_open = proposal.voting_status() == proposal.OPEN
        proposal.to_vote = proposal.voting_open and any(status.ballot is None for status in proposal.my_statuses)
        proposal.keep_receipt = any(status.show_receipt for status in proposal.my_statuses)
    return render(
        request,
        "pages/home.html",
        {"bindings": bindings, "role_groups": role_groups, "proposals": proposals},
    )
