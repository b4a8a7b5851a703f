"""Who may do what in a community: named rules built from small predicates (django-rules).

Every predicate takes (user, community). Role lookups are cached on the user object for the
request, so checking several rules costs one query.
"""

import rules

from community.models import Community, HouseholdBinding, Role


def _roles(user, community: Community) -> frozenset[str]:
    if not user or not user.is_authenticated or community is None:
        return frozenset()
    cache = user.__dict__.setdefault("_gongyi_roles", {})
    if community.pk not in cache:
        cache[community.pk] = frozenset(
            Role.objects.filter(user=user, community=community).values_list("kind", flat=True)
        )
    return cache[community.pk]


def _has_role(kind: str):
    @rules.predicate(name=f"has_role_{kind}")
    def predicate(user, community) -> bool:
        return kind in _roles(user, community)

    return predicate


is_committee = _has_role(Role.Kind.COMMITTEE)
is_secretary = _has_role(Role.Kind.SECRETARY)
is_canvasser = _has_role(Role.Kind.CANVASSER)
is_party = _has_role(Role.Kind.PARTY)
is_property = _has_role(Role.Kind.PROPERTY)
is_observer = _has_role(Role.Kind.OBSERVER)


@rules.predicate
def is_household_member(user, community) -> bool:
    if not user or not user.is_authenticated or community is None:
        return False
    cache = user.__dict__.setdefault("_gongyi_member_of", {})
    if community.pk not in cache:
        cache[community.pk] = HouseholdBinding.objects.filter(
            user=user, household__entrance__building__community=community
        ).exists()
    return cache[community.pk]


@rules.predicate
def is_bound_to_household(user, household) -> bool:
    """The user is bound to this household (as owner, family member or tenant). Takes (user, household)."""
    if not user or not user.is_authenticated or household is None:
        return False
    return HouseholdBinding.objects.filter(user=user, household=household).exists()


is_staff_role = is_committee | is_secretary
is_any_role = is_committee | is_secretary | is_canvasser | is_party | is_property | is_observer

# The roster: the committee and its secretary manage it; full phone numbers are theirs only.
rules.add_perm("community.view_roster", is_staff_role)
rules.add_perm("community.import_roster", is_committee)
rules.add_perm("community.manage_join_codes", is_staff_role)
rules.add_perm("community.manage_bindings", is_committee)
rules.add_perm("community.see_full_phones", is_committee)
# Anyone who belongs to the community (a role or a bound household) may see its public pages.
belongs = is_any_role | is_household_member
rules.add_perm("community.view_community", belongs)
# The register of residents' representatives (居民代表): the committee and its secretary keep it.
rules.add_perm("community.view_representatives", is_staff_role)
rules.add_perm("community.manage_representatives", is_staff_role)

# --- Party members and volunteers (党员、志愿者回居住地社区报到) --------------------------------------------------
# The committee, its secretary and the party organisation keep the register and see everyone with their phones;
# a household member registers themself; everyone of the community sees the listed ones (they agreed), with phones.
manages_volunteers = is_committee | is_secretary | is_party
rules.add_perm("community.manage_volunteers", manages_volunteers)
rules.add_perm("community.join_volunteers", is_household_member)
rules.add_perm("community.view_volunteer_contacts", belongs)


@rules.predicate
def is_the_volunteer(user, volunteer) -> bool:
    """The account registered as this volunteer. Takes (user, volunteer)."""
    return bool(user and user.is_authenticated and volunteer is not None and volunteer.user_id == user.pk)


@rules.predicate
def manages_volunteer(user, volunteer) -> bool:
    return volunteer is not None and manages_volunteers.test(user, volunteer.community)


@rules.predicate
def sees_listed_volunteer(user, volunteer) -> bool:
    if volunteer is None or not (volunteer.active and volunteer.listed):
        return False
    return belongs.test(user, volunteer.community)


# Changing, withdrawing and the consent to be listed: the person themself or the community's register keepers.
rules.add_perm("community.change_volunteer", is_the_volunteer | manages_volunteer)
# A volunteer's photo: to whoever may see them (the keepers, themself, or neighbours once they agreed to be listed).
rules.add_perm("community.view_volunteer", is_the_volunteer | manages_volunteer | sees_listed_volunteer)
